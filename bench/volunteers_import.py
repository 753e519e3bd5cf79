"""Roster import benchmark: `kepu import volunteers` of a 100,000-row workbook on SQLite and PostgreSQL.

    .venv/bin/python bench/volunteers_import.py [--rows 100000] [--database-url postgres://...]
                                                [--no-postgres] [--no-import-export]

A valid .xlsx is generated (distinct ID and phone numbers, 60 % of the rows in 永川区 and its towns,
the rest over the other districts; a quarter name a team, some two; 3 % are minors with a
guardian). On each database, freshly migrated with the reference data and 70 teams, the file goes
through the same run_import as `kepu import volunteers FILE` (in a subprocess, timed inside it by
phase: reading the workbook, checking each row, the checks across rows, writing) and the counts
are checked afterwards. Target: validated and committed in under 60 s.

The databases: SQLite in a temp KEPU_VAR_DIR; PostgreSQL on a throwaway cluster (bench/activities.py)
or the database of --database-url (it must hold no volunteers: the benchmark leaves 100,000 in it).

For comparison, the same file through django-import-export (ModelResource, use_bulk, batch 2,000,
diffs and per-row lookups of existing rows off) when it can be installed into a temp directory
with pip: never into the project's venv. It stores the same volunteers (numbers encrypted, hashed
and masked, a volunteer number each) but checks no ID number, phone, duplicate, scope or team.

`run_import_bench(rows, database_url)` returns the figures as a list of dicts for bench/run.py;
`table_rows(results)` turns them into its table rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from activities import Postgres, Unavailable, last_json, say
from common import database_version, django_setup, kepu_env, run_command

KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]
HEADER = ["姓名", "性别", "出生日期", "身份证号码", "手机号码", "区域代码", "服务队", "专业特长", "学历", "监护人姓名",
          "监护人电话"]
EDUCATION = ["本科", "大专", "硕士研究生", "高中/中专", "博士研究生", "初中", "本科", "大专"]
SKILLS = ["科普讲解", "医疗卫生", "农业技术", "应急救护", "信息技术", "", "气象科普", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TARGET_SECONDS = 60
IMPORT_EXPORT = ["django-import-export==4.4.3", "tablib==3.8.0", "diff-match-patch==20241021"]


# --- the workbook ------------------------------------------------------------------------------------------


def _check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def _letter(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": f'<workbook {_NS}><sheets><sheet name="志愿者" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
}


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """An .xlsx as Excel and WPS save one: text in the shared-string table, the sheet's size in
    <dimension>. (openpyxl writes inline strings and no size, which openpyxl reads back twice as slowly.)"""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    body = []
    letters = [_letter(c) for c in range(1, len(rows[0]) + 1)]
    for r, row in enumerate(rows, start=1):
        cells = []
        for letter, value in zip(letters, row, strict=False):
            if value:
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{letter}{r}" t="s"><v>{index}</v></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet = (f'{head}<worksheet {_NS}><dimension ref="A1:{letters[-1]}{len(rows)}"/><sheetData>{"".join(body)}'
             '</sheetData></worksheet>')
    table = (f'{head}<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
             + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in _PARTS.items():
            book.writestr(name, head + xml)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        book.writestr("xl/sharedStrings.xml", table)


def make_workbook(path: Path, rows: int, layout: dict) -> dict:
    """Write `rows` valid roster rows to `path`; return what they should produce."""
    yongchuan, others, teams = layout["yongchuan"], layout["others"], layout["teams"]
    today = datetime.date.today()
    table = [HEADER]
    memberships = minors = 0
    for i in range(rows):
        region = yongchuan[i % len(yongchuan)] if i % 5 < 3 else others[i % len(others)]
        area = region[:6] if region[:6].isdigit() else "500000"
        minor = i % 33 == 7
        if minor:
            birth = today.replace(month=1, day=1) - datetime.timedelta(days=3650 + (i // 400) % 2000)
        else:
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=(i // 400) % 14000)
        male = i % 2 == 0
        # 400 people per area and birth date: sequence codes 000-799, odd for men.
        first17 = f"{area}{birth:%Y%m%d}{(i % 400) * 2 + (1 if male else 0):03d}"
        names = teams.get(region, [])
        team = ""
        if names and i % 4 == 1:
            team = names[i % len(names)]
            if i % 20 == 1 and len(names) > 1:
                team += "、" + names[(i + 1) % len(names)]
        memberships += len([t for t in team.split("、") if t])
        minors += minor
        table.append([
            SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 3) % len(GIVEN)],
            "男" if male else "女", birth.isoformat(), first17 + _check_digit(first17), f"13{i:09d}", region, team,
            SKILLS[i % len(SKILLS)], "初中" if minor else EDUCATION[i % len(EDUCATION)],
            "监护人" if minor else "", f"158{i:08d}" if minor else "",
        ])
    write_xlsx(path, table)
    return {"rows": rows, "memberships": memberships, "minors": minors}


# --- subcommands run inside a Kepu environment -------------------------------------------------------------


def cmd_setup() -> dict:
    """Teams to join (ten in 永川区, one in each of its towns, one in every other district) and the
    region codes the rows use; refuses a database that already holds volunteers."""
    django_setup()
    from kepu.orgs.models import Unit
    from kepu.regions.models import Region
    from kepu.volunteers import services
    from kepu.volunteers.models import Team, Volunteer

    if Volunteer.objects.exists():
        raise SystemExit("the database already holds volunteers: give the benchmark an empty one")
    yongchuan = Region.objects.get(code="500118")
    towns = list(Region.objects.filter(parent=yongchuan).order_by("code"))
    districts = list(Region.objects.filter(level="district").exclude(pk=yongchuan.pk).order_by("code"))
    teams: dict[str, list[str]] = {}

    def team(region, name):
        unit = Unit.objects.filter(region=region).order_by("pk").first() or \
            Unit.objects.filter(region=yongchuan).order_by("pk").first()
        if not Team.objects.filter(region=region, name=name).exists():
            services.team_create(actor=None, name=name, region=region, unit=unit)
        teams.setdefault(region.code, []).append(name)

    for n in range(1, 11):
        team(yongchuan, f"永川区科技志愿服务{n}队")
    for town in towns:
        team(town, f"{town.name}科技志愿服务队")
    for district in districts:
        team(district, f"{district.name}科技志愿服务总队")
    # A town's rows may also name the district's teams (found in the region above).
    for town in towns:
        teams[town.code] = teams[town.code] + teams["500118"][:2]
    return {
        "yongchuan": ["500118", *(t.code for t in towns)], "others": [d.code for d in districts], "teams": teams,
        "team_count": Team.objects.count(),
    }


def _timed(timings: dict, name: str, func):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def cmd_import(path: str) -> dict:
    """run_import of the file (as `kepu import volunteers FILE` does), timed by phase."""
    django_setup()
    from kepu.core import imports
    from kepu.volunteers.importers import roster
    from kepu.volunteers.models import Membership, Volunteer

    timings: dict[str, float] = {}
    imports.read_table = _timed(timings, "read", imports.read_table)
    roster.insert_many = _timed(timings, "insert", roster.insert_many)
    importer = imports.get_importer("volunteers")
    for name in ("clean_row", "check_rows", "commit"):
        setattr(importer, name, _timed(timings, name, getattr(importer, name)))
    data = Path(path).read_bytes()
    started = time.perf_counter()
    result = imports.run_import(importer, data, filename=Path(path).name, actor=None)
    total = time.perf_counter() - started
    validate = timings.get("read", 0) + timings.get("clean_row", 0) + timings.get("check_rows", 0)
    return {
        "database": database_version(), "ok": result.ok, "errors": [str(e) for e in result.errors[:5]],
        "created": result.created, "seconds": round(total, 2),
        "phases": {
            "read_s": round(timings.get("read", 0), 2), "rows_s": round(timings.get("clean_row", 0), 2),
            "across_rows_s": round(timings.get("check_rows", 0), 2), "validate_s": round(validate, 2),
            "write_s": round(total - validate, 2), "insert_s": round(timings.get("insert", 0), 2),
        },
        "volunteers": Volunteer.objects.count(), "memberships": Membership.objects.count(),
    }


def cmd_import_export(path: str) -> dict:
    """The same file through django-import-export (importable from PYTHONPATH), timed."""
    django_setup()
    import tablib
    from import_export import fields, resources, widgets

    from kepu.core import pii
    from kepu.regions.models import Region
    from kepu.volunteers import services
    from kepu.volunteers.models import Volunteer

    today = datetime.date.today()

    class VolunteerResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名", widget=widgets.CharWidget())
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget("%Y-%m-%d"))
        region = fields.Field(attribute="region", column_name="区域代码", widget=widgets.ForeignKeyWidget(Region, "code"))
        skills = fields.Field(attribute="skills", column_name="专业特长", widget=widgets.CharWidget())
        guardian_name = fields.Field(attribute="guardian_name", column_name="监护人姓名", widget=widgets.CharWidget())

        class Meta:
            model = Volunteer
            fields = ("name", "birth_date", "region", "skills", "guardian_name")
            import_id_fields = ()
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            force_init_instance = True

        def before_import(self, dataset, **kwargs):
            self.numbers = iter(services.allocate_numbers("500999", len(dataset)))

        def before_save_instance(self, instance, row, **kwargs):
            id_number, phone, guardian = row["身份证号码"], row["手机号码"], row["监护人电话"] or ""
            instance.number = next(self.numbers)
            instance.gender = "male" if row["性别"] == "男" else "female"
            instance.id_encrypted, instance.id_hash = pii.encrypt(id_number), pii.lookup_hash(id_number)
            instance.id_masked = pii.mask_id(id_number)
            instance.phone_encrypted, instance.phone_hash = pii.encrypt(phone), pii.lookup_hash(phone)
            instance.phone_masked = pii.mask_phone(phone)
            instance.guardian_phone_encrypted = pii.encrypt(guardian)
            instance.guardian_phone_masked = pii.mask_phone(guardian) if guardian else ""
            instance.region_path = instance.region.path
            instance.registered_on = today

    started = time.perf_counter()
    dataset = tablib.Dataset().load(Path(path).read_bytes(), format="xlsx")
    loaded = time.perf_counter() - started
    result = VolunteerResource().import_data(dataset, dry_run=False, use_transactions=True)
    total = time.perf_counter() - started
    problems = [str(e.error) for e in result.base_errors[:3]]
    problems += [f"row {n}: {errors[0].error}" for n, errors in result.row_errors()[:3]]
    problems += [f"row {r.number}: {r.error_dict}" for r in result.invalid_rows[:3]]
    return {
        "database": database_version(), "ok": not (result.has_errors() or result.has_validation_errors()),
        "errors": problems,
        "seconds": round(total, 2), "read_s": round(loaded, 2), "volunteers": Volunteer.objects.count(),
    }


# --- the whole thing --------------------------------------------------------------------------------------


def _install_import_export(target: Path) -> str | None:
    """pip-install django-import-export into `target` (never the project's venv); None when done, else why not."""
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--no-deps", "--target", str(target), *IMPORT_EXPORT],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return "not installed: pip failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
    return None


def _prepare(env: dict[str, str]) -> dict:
    run_command([*KEPU, "migrate", "-v0", "--no-input"], env)
    run_command([*KEPU, "loadreference"], env)
    return last_json(run_command([*SELF, "setup"], env)[1])


def _one_database(label: str, env: dict[str, str], book: Path, expected: dict) -> dict:
    wall, out = run_command([*SELF, "import", str(book)], env)
    result = {"what": "kepu import volunteers", "label": label, **last_json(out), "wall_s": round(wall, 2),
              "rows": expected["rows"]}
    result["rows_per_s"] = round(expected["rows"] / result["seconds"], 0) if result["seconds"] else None
    problems = []
    if not result["ok"]:
        problems.append(f"{label}: the import refused the file: {result['errors']}")
    if (result["volunteers"], result["memberships"]) != (expected["rows"], expected["memberships"]):
        problems.append(f"{label}: {result['volunteers']} volunteers and {result['memberships']} memberships, "
                        f"expected {expected['rows']} and {expected['memberships']}")
    if result["seconds"] >= TARGET_SECONDS:
        problems.append(f"{label}: {result['seconds']} s, over the {TARGET_SECONDS} s target")
    result["problems"] = problems
    return result


def _import_export(label: str, env: dict[str, str], book: Path, rows: int, ie_dir: Path) -> dict:
    env = {**env, "PYTHONPATH": str(ie_dir) + os.pathsep + env.get("PYTHONPATH", "")}
    wall, out = run_command([*SELF, "import-export", str(book)], env)
    result = {"what": "django-import-export", "label": label, **last_json(out), "wall_s": round(wall, 2),
              "rows": rows, "problems": []}
    result["rows_per_s"] = round(rows / result["seconds"], 0) if result["seconds"] else None
    if not result["ok"] or result["volunteers"] != rows:
        result["problems"].append(f"{label}: django-import-export stored {result['volunteers']} of {rows} rows")
    return result


def run_import_bench(rows: int = 100_000, database_url: str | None = None, *, postgres: bool = True,
                     import_export: bool = True) -> list[dict]:
    """The roster import on SQLite and PostgreSQL (and through django-import-export): one dict per run."""
    results: list[dict] = []
    scratch = Path(tempfile.mkdtemp(prefix="kepu-bench-vimport-"))
    try:
        ie_dir = scratch / "import-export"
        ie_skipped = None if import_export else "not run (--no-import-export)"
        if import_export:
            say("installing django-import-export into a temp directory (not the venv) ...")
            ie_skipped = _install_import_export(ie_dir)
        book = scratch / f"roster-{rows}.xlsx"
        env = kepu_env(None, var_dir=str(scratch / "sqlite"))
        layout = _prepare(env)
        say(f"writing a {rows:,}-row workbook ...")
        started = time.perf_counter()
        expected = make_workbook(book, rows, layout)
        say(f"  {time.perf_counter() - started:.1f} s, {book.stat().st_size / 1e6:.1f} MB")
        say(f"importing {rows:,} rows on SQLite ...")
        results.append(_one_database("SQLite", env, book, expected))
        if ie_skipped is None:
            env = kepu_env(None, var_dir=str(scratch / "sqlite-ie"))
            _prepare(env)
            say("the same file through django-import-export on SQLite ...")
            results.append(_import_export("SQLite", env, book, rows, ie_dir))
        if database_url:
            env = kepu_env(database_url, var_dir=str(scratch / "pg"))
            _prepare(env)
            say(f"importing {rows:,} rows on PostgreSQL (--database-url) ...")
            results.append(_one_database("PostgreSQL", env, book, expected))
        elif postgres:
            try:
                with Postgres() as pg:
                    env = kepu_env(pg.createdb("kepu_vimport"), var_dir=str(scratch / "pg"))
                    _prepare(env)
                    say(f"importing {rows:,} rows on {pg.version()} (throwaway cluster) ...")
                    results.append(_one_database("PostgreSQL", env, book, expected))
                    if ie_skipped is None:
                        env = kepu_env(pg.createdb("kepu_vimport_ie"), var_dir=str(scratch / "pg-ie"))
                        _prepare(env)
                        say("the same file through django-import-export on PostgreSQL ...")
                        results.append(_import_export("PostgreSQL", env, book, rows, ie_dir))
            except Unavailable as exc:
                results.append({"what": "kepu import volunteers", "label": "PostgreSQL", "skipped": str(exc)})
        if ie_skipped is not None:
            results.append({"what": "django-import-export", "label": "-", "skipped": ie_skipped})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def table_rows(results: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """Rows (what, data size, runs, median / p50, p95) for bench/run.py's table."""
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append((f"{r['what']} ({r['label']}): skipped, {r['skipped']}", "-", "0", "-", "-"))
            continue
        size = f"{r['rows']:,}-row xlsx roster"
        detail = ""
        if "phases" in r:
            p = r["phases"]
            detail = f" (validate {p['validate_s']:.1f} s, write {p['write_s']:.1f} s)"
        rows.append((f"{r['what']}, {r['database']}: seconds{detail}", size, "1", f"{r['seconds']:.1f} s", "-"))
        rows.append((f"{r['what']}, {r['database']}: rows/s", size, "1", f"{r['rows_per_s']:,.0f} /s", "-"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("setup")
    for name in ("import", "import-export"):
        sub.add_parser(name).add_argument("file")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL database without volunteers, instead of a throwaway cluster")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-import-export", action="store_true", help="skip the django-import-export comparison")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.command == "setup":
        print(json.dumps(cmd_setup(), ensure_ascii=False))
        return 0
    if args.command == "import":
        print(json.dumps(cmd_import(args.file), ensure_ascii=False))
        return 0
    if args.command == "import-export":
        print(json.dumps(cmd_import_export(args.file), ensure_ascii=False))
        return 0
    if not 1 <= args.rows <= 200_000:
        parser.error("--rows must be between 1 and 200,000 (the import framework's limit)")
    results = run_import_bench(args.rows, args.database_url, postgres=not args.no_postgres,
                               import_export=not args.no_import_export)
    from run import machine, table  # the same machine line and table as bench/run.py

    info = machine()
    print()
    print(f"Roster import benchmark  {time.strftime('%Y-%m-%d %H:%M')}  |  CPU: {info['cpu']}  |  nproc "
          f"{info['nproc']}  |  RAM {info['memory_gib']} GiB  |  Python {info['python']}")
    print(table(table_rows(results)))
    for r in results:
        if "phases" in r:
            print(f"{r['database']}: {json.dumps(r['phases'])}, subprocess wall {r['wall_s']} s")
    problems = [p for r in results for p in r.get("problems", [])]
    for problem in problems:
        print("FAILED: " + problem, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
