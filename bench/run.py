"""Kepu benchmark: synthetic data generation and page/API latency at growing data sizes.

    .venv/bin/python bench/run.py [--scales small,district,city] [--runs N] [--requests N]
                                  [--json FILE] [--database-url postgres://...] [--no-pages]
                                  [--no-activities] [--no-volunteers] [--no-volunteer-import]
                                  [--no-postgres] [--sqlite-registrations N] [--sqlite-volunteer-records N]
                                  [--no-basedata] [--no-indicators] [--no-workplans]

For each scale: a fresh database (a temp KEPU_VAR_DIR with SQLite, or the flushed PostgreSQL
database of --database-url), `kepu migrate`, then `kepu gendata --scale X` timed as a subprocess.
On the largest scale run, pages and API calls are timed in this process through Django's test
client (no network, no gunicorn), then the activity figures (bench/activities.py: the coverage
measure and the activity lists) and the volunteer figures (bench/volunteers.py: the four volunteer
measures for every district-level region, a volunteer's pages, the volunteer and record lists) and
the base-data figures (bench/basedata.py: the ten venue, school, 农技协, funding, media and 科普中国
measures for every district-level region together, the coverage page and the venue list) and the
indicator figures (bench/indicators.py: a district's scorecard, the comparison of the 41
district-level regions, the Word report) on that data; on a throwaway PostgreSQL cluster
registration under contention over HTTP and the same scale loaded and measured again; then the
work plan figures on their own data (bench/workplans.py: 100 plans × 50 tasks × 60 units × 12
monthly reports; the plan board, the overdue scan, the supervision bulletin) and last the roster
import of 100,000 rows (bench/volunteers_import.py), each on SQLite and PostgreSQL. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import activities as activity_bench  # noqa: E402  (bench/activities.py)
import basedata as basedata_bench  # noqa: E402  (bench/basedata.py)
import indicators as indicators_bench  # noqa: E402  (bench/indicators.py)
import volunteers as volunteer_bench  # noqa: E402  (bench/volunteers.py)
import workplans as workplans_bench  # noqa: E402  (bench/workplans.py)
from common import kepu_env, percentile, run_command  # noqa: E402

SCALES = ("small", "district", "city")
KEPU = [sys.executable, "-m", "kepu"]
WARMUP = 3
# Average registrations per activity of the city scale on SQLite (KEPU_GENDATA_REGISTRATIONS):
# the full 20 (10 million rows) takes SQLite longer than the whole benchmark may; PostgreSQL
# gets the full figure. The activity lists and the coverage measure do not read registrations.
SQLITE_CITY_REGISTRATIONS = 2
IMPORT_ROWS = 100_000

# (label, path, htmx); every one is requested as each persona.
REQUESTS = [
    ("region tree page", "/regions/", False),
    ("region tree children (htmx)", "/regions/500118/children/", True),
    ("region detail page", "/regions/500118/", False),
    ("unit list, 永川区", "/units/?region=500118", False),
    ("unit list, all visible", "/units/", False),
    ("API regions ?parent=500000", "/api/v1/regions/?parent=500000", False),
    ("API regions ?parent=500118", "/api/v1/regions/?parent=500118", False),
    ("API units ?region=500118", "/api/v1/units/?region=500118", False),
    ("API units, page 1", "/api/v1/units/", False),
]
PERSONAS = ("bench_city", "bench_district")


# --- machine ------------------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "cpu": cpu,
        "nproc": nproc,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


# --- subprocesses -------------------------------------------------------------------------------


def base_env(database_url: str | None) -> dict[str, str]:
    return kepu_env(database_url)


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command; return (wall seconds, stdout); exit with its output when it fails."""
    try:
        return run_command(args, env)
    except RuntimeError as exc:
        sys.stderr.write(f"bench: {exc}\n")
        sys.exit(1)


def count_rows(env: dict[str, str]) -> int:
    code = ("import django; django.setup(); from kepu.regions.models import Region; "
            "from kepu.accounts.models import User; print(Region.objects.count() + User.objects.count())")
    return int(run([sys.executable, "-c", code], env)[1].strip().splitlines()[-1])


def fresh_database(env: dict[str, str], *, postgres: bool, first: bool, flush_ok: bool) -> float:
    """Migrate an empty database; with PostgreSQL flush what the previous run left. Returns the
    migrate wall time."""
    elapsed, _out = run([*KEPU, "migrate", "-v0", "--no-input"], env)
    if postgres:
        if first and not flush_ok and count_rows(env):
            sys.exit("bench: the database of --database-url is not empty; bench deletes every row of "
                     "it before each run. Give it a throwaway database, or pass --flush to agree.")
        run([*KEPU, "flush", "--no-input", "-v0"], env)
    return elapsed


def gendata(scale: str, env: dict[str, str], registrations: float | None = None,
            volunteer_records: float | None = None) -> tuple[float, dict]:
    if registrations is not None:
        env = {**env, "KEPU_GENDATA_REGISTRATIONS": f"{registrations:g}"}
    if volunteer_records is not None:
        env = {**env, "KEPU_GENDATA_VOLUNTEER_RECORDS": f"{volunteer_records:g}"}
    elapsed, out = run([*KEPU, "gendata", "--scale", scale, "--json"], env)
    return elapsed, json.loads(out.strip().splitlines()[-1])


# --- statistics and output ----------------------------------------------------------------------


def data_size(counts: dict) -> str:
    size = (f"{counts['regions']:,} regions ({counts['towns']:,} towns, {counts['villages']:,} villages), "
            f"{counts['units']:,} units, {counts['populations']:,} populations")
    if "activities" in counts:
        size += (f", {counts['activities']:,} activities, {counts['registrations']:,} registrations, "
                 f"{counts['checkins']:,} check-ins")
    if "volunteers" in counts:
        size += ", " + volunteer_bench.gendata_size(counts)
    if "venues" in counts:
        size += ", " + basedata_bench.gendata_size(counts)
    return size


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("what", "data size", "runs", "median / p50", "p95")
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(5)]
    lines = []
    for n, row in enumerate([header, *rows]):
        cells = [_pad(cell, widths[i], right=i >= 2) for i, cell in enumerate(row)]
        lines.append(" | ".join(cells).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


# --- requests in process ------------------------------------------------------------------------


def time_requests(env: dict[str, str], n: int, scale_label: str) -> tuple[list[dict], list[str], str]:
    """Time every request of REQUESTS as each persona; return (results, failures, db version)."""
    for key in ("KEPU_VAR_DIR", "KEPU_DATABASE_URL", "KEPU_SECRET_KEY", "KEPU_PII_KEY", "DJANGO_SETTINGS_MODULE"):
        if key in env:
            os.environ[key] = env[key]
    os.environ.pop("KEPU_DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kepu.accounts.models import User

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db_version = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            db_version = "SQLite " + cursor.fetchone()[0]

    results, failures = [], []
    for username in PERSONAS:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for label, path, htmx in REQUESTS:
            headers = {"HX-Request": "true"} if htmx else {}
            timings: list[float] = []
            size = 0
            try:
                for i in range(WARMUP + n):
                    started = time.perf_counter()
                    response = client.get(path, headers=headers)
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise AssertionError(
                            f"status {response.status_code}: {response.content[:500].decode(errors='replace')}"
                        )
                    if i >= WARMUP:
                        timings.append(elapsed * 1000)
                    size = len(response.content)
                with CaptureQueriesContext(connection) as queries:  # one more, untimed: its SQL
                    client.get(path, headers=headers)
            except Exception:
                failures.append(f"GET {path} as {username}:\n{traceback.format_exc()}")
                print(f"  FAILED  GET {path} as {username}", flush=True)
                continue
            result = {
                "what": f"GET {path}{' (htmx)' if htmx else ''}  {username}", "label": label,
                "persona": username, "path": path,
                "htmx": htmx, "data": scale_label, "n": n, "bytes": size, "queries": len(queries),
                "p50_ms": round(statistics.median(timings), 2), "p95_ms": round(percentile(timings, 0.95), 2),
                "mean_ms": round(statistics.fmean(timings), 2), "max_ms": round(max(timings), 2),
            }
            results.append(result)
            print(f"  {result['p50_ms']:8.1f} ms p50 {result['p95_ms']:8.1f} ms p95 {len(queries):4d} queries "
                  f"{size / 1024:7.1f} KiB  GET {path} as {username}", flush=True)
    return results, failures, db_version


# --- activities on a throwaway PostgreSQL cluster ---------------------------------------------------


def postgres_part(args, scale: str, report: dict, info: dict) -> list[tuple[str, str, str, str, str]]:
    """Registration under contention over HTTP, then `scale` loaded and measured on PostgreSQL."""
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        with activity_bench.Postgres() as pg:
            info["postgres"] = pg.version()
            info["load_at_postgres"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            if not args.no_pages and not args.no_activities:
                print(f"registration under contention on {info['postgres']} (500 POSTs, 100 seats)", flush=True)
                reg = activity_bench.bench_registration(pg, requests=500, seats=100, threads=64, workers=4)
                report.setdefault("activities", {})["registration"] = reg
                report["failures"] += [f"registration under contention: {p}" for p in reg["problems"]]
                rows += activity_bench.registration_rows(reg)
            print(f"kepu gendata --scale {scale} on PostgreSQL, then the activity, volunteer and base-data figures",
                  flush=True)
            result = volunteer_bench.gendata_on_postgres(
                pg, scale=scale, runs=args.activity_runs, requests=args.requests, timings=not args.no_pages,
                activities=not args.no_activities, volunteers=not args.no_volunteers)
            counts = result["gendata"]
            rows.append((f"kepu gendata --scale {scale} (wall), PostgreSQL", f"{scale}: {data_size(counts)}", "1",
                         f"{result['gendata_wall_s']:.1f} s", "-"))
            if "activities" in result:
                report.setdefault("activities", {})["postgres"] = {**result["activities"], "gendata": counts,
                                                                    "gendata_wall_s": result["gendata_wall_s"]}
                rows += activity_bench.rows_for("PostgreSQL", result["activities"], scale)
            if "volunteers" in result:
                report.setdefault("volunteers", {})["postgres"] = result["volunteers"]
                report["failures"] += result["volunteers"]["failures"]
                report.setdefault("over_target", []).extend(
                    volunteer_bench.over_target(result["volunteers"], "PostgreSQL"))
                rows += volunteer_bench.rows_for("PostgreSQL", result["volunteers"], scale)
            if not args.no_pages and not args.no_basedata:
                rows += basedata_part(args, report, scale, "PostgreSQL", pg=pg)
            if not args.no_pages and not args.no_indicators:
                rows += indicators_bench.part(args, report, scale, "PostgreSQL", pg=pg)
    except activity_bench.Unavailable as exc:
        print(f"PostgreSQL part skipped: {exc}", flush=True)
    except RuntimeError as exc:
        report["failures"].append(f"PostgreSQL part: {exc}")
    return rows


def basedata_part(args, report: dict, scale: str, label: str, *, env: dict[str, str] | None = None,
                  pg=None) -> list[tuple[str, str, str, str, str]]:
    """The base-data figures of bench/basedata.py on the database of `env` (SQLite), or on the one the
    PostgreSQL part filled in the cluster `pg`."""
    print(f"timing the base-data figures at scale {scale} ({label})", flush=True)
    var_dir = tempfile.mkdtemp(prefix="kepu-bench-basedata-") if pg is not None else None
    try:
        measured = basedata_bench.measure(env if pg is None else basedata_bench.postgres_env(pg, scale, var_dir),
                                          runs=args.activity_runs, requests=args.requests)
    except RuntimeError as exc:
        report["failures"].append(f"base-data figures ({label}): {exc}")
        return []
    finally:
        if var_dir is not None:
            shutil.rmtree(var_dir, ignore_errors=True)
    report.setdefault("basedata", {})[label.lower()] = measured
    report["failures"] += measured["failures"]
    report.setdefault("over_target", []).extend(basedata_bench.over_target(measured, label))
    return basedata_bench.rows_for(label, measured, scale)


def workplans_part(args, report: dict) -> list[tuple[str, str, str, str, str]]:
    """The work plan figures of bench/workplans.py on their own data (SQLite, and PostgreSQL unless
    --no-postgres)."""
    print("work plans: 100 plans × 50 tasks × 60 units × 12 monthly reports (bench/workplans.py)", flush=True)
    if args.database_url:  # it holds the generated scale: the work plan data wants an empty one
        run([*KEPU, "flush", "--no-input", "-v0"], base_env(args.database_url))
    options = argparse.Namespace(plans=100, tasks=50, units=60, per_task=5, runs=args.activity_runs,
                                 database_url=args.database_url, no_postgres=args.no_postgres, no_sqlite=False)
    try:
        results = workplans_bench.run_workplans_bench(options)
    except RuntimeError as exc:
        report["failures"].append(f"work plan figures: {exc}")
        return []
    report["workplans"] = results
    report.setdefault("over_target", []).extend(o for r in results for o in r.get("over_target", []))
    return workplans_bench.table_rows(results)


def import_part(args, report: dict) -> list[tuple[str, str, str, str, str]]:
    """The roster import of bench/volunteers_import.py (SQLite, and PostgreSQL unless --no-postgres)."""
    try:
        import volunteers_import
    except ImportError as exc:
        print(f"roster import benchmark skipped: bench/volunteers_import.py cannot be imported ({exc})", flush=True)
        report["volunteer_import"] = {"skipped": str(exc)}
        return []
    print(f"roster import of {args.volunteer_import_rows:,} rows (bench/volunteers_import.py)", flush=True)
    if args.database_url:  # it holds the generated volunteers: the import wants an empty one
        run([*KEPU, "flush", "--no-input", "-v0"], base_env(args.database_url))
    try:
        results = volunteers_import.run_import_bench(args.volunteer_import_rows, args.database_url,
                                                     postgres=not args.no_postgres)
    except RuntimeError as exc:
        report["failures"].append(f"roster import: {exc}")
        return []
    report["volunteer_import"] = results
    report["failures"] += [p for r in results for p in r.get("problems", [])]
    return volunteers_import.table_rows(results)


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=",".join(SCALES),
                        help="comma-separated scales to generate (default: small,district,city)")
    parser.add_argument("--runs", type=int, default=1,
                        help="gendata runs per scale, each on a fresh database (default 1)")
    parser.add_argument("--requests", type=int, default=50,
                        help="timed requests per page/API call, after 3 warm-ups (default 50)")
    parser.add_argument("--no-pages", action="store_true", help="time gendata only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("--database-url", metavar="URL",
                        help="run against this PostgreSQL database instead of a temp SQLite file; "
                             "EVERY ROW IN IT IS DELETED before each run")
    parser.add_argument("--flush", action="store_true",
                        help="with --database-url: go ahead even if the database holds data")
    parser.add_argument("--keep", action="store_true", help="keep the temp directories (SQLite files)")
    parser.add_argument("--no-activities", action="store_true",
                        help="skip the activity figures (coverage, activity lists, registration, PostgreSQL)")
    parser.add_argument("--no-postgres", action="store_true",
                        help="skip the throwaway PostgreSQL cluster (registration under contention, and the "
                             "largest scale loaded and measured on PostgreSQL)")
    parser.add_argument("--sqlite-registrations", type=float, default=SQLITE_CITY_REGISTRATIONS, metavar="N",
                        help="average registrations per activity of the city scale on SQLite "
                             f"(default {SQLITE_CITY_REGISTRATIONS}; gendata's own default is 20)")
    parser.add_argument("--activity-runs", type=int, default=5,
                        help="runs of the coverage measure and of each volunteer measure, after one warm-up "
                             "(default 5)")
    parser.add_argument("--no-volunteers", action="store_true",
                        help="skip the volunteer figures (measures, volunteer pages and lists); gendata still "
                             "generates the volunteers")
    parser.add_argument("--sqlite-volunteer-records", type=float, default=volunteer_bench.SQLITE_CITY_RECORDS,
                        metavar="N", help="average service records per volunteer of the city scale on SQLite "
                                          f"(default {volunteer_bench.SQLITE_CITY_RECORDS}; gendata's own default is 5)")
    parser.add_argument("--no-basedata", action="store_true",
                        help="skip the base-data figures (the ten venue, school, funding, media and 科普中国 "
                             "measures, the coverage page and the venue list); gendata still generates the data")
    parser.add_argument("--no-indicators", action="store_true",
                        help="skip the indicator figures (scorecard, comparison of the districts, Word report)")
    parser.add_argument("--no-workplans", action="store_true",
                        help="skip the work plan figures (bench/workplans.py: plan board, overdue scan, bulletin)")
    parser.add_argument("--no-volunteer-import", action="store_true",
                        help="skip the roster import benchmark (bench/volunteers_import.py)")
    parser.add_argument("--volunteer-import-rows", type=int, default=IMPORT_ROWS, metavar="N",
                        help=f"rows of the roster workbook to import (default {IMPORT_ROWS:,})")
    args = parser.parse_args(argv)

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown or not scales:
        parser.error(f"unknown scale(s) {', '.join(unknown)}; choose from {', '.join(SCALES)}")
    scales = sorted(set(scales), key=SCALES.index)  # the largest last: the pages run on its data
    if args.runs < 1 or args.requests < 1 or args.activity_runs < 1:
        parser.error("--runs, --requests and --activity-runs must be at least 1")
    if not 0 <= args.sqlite_registrations <= 200:
        parser.error("--sqlite-registrations must be between 0 and 200")
    if not 0 <= args.sqlite_volunteer_records <= 50:
        parser.error("--sqlite-volunteer-records must be between 0 and 50")
    if not 1 <= args.volunteer_import_rows <= 200_000:
        parser.error("--volunteer-import-rows must be between 1 and 200,000")
    postgres = bool(args.database_url)
    if postgres and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")

    info = machine()
    info["database"] = "PostgreSQL" if postgres else f"SQLite {info['sqlite']} (file, WAL)"
    print(f"machine: {info['cpu']}, {info['nproc']} CPUs, {info['memory_gib']} GiB RAM, "
          f"Python {info['python']}, SQLite {info['sqlite']}", flush=True)

    rows: list[tuple[str, str, str, str, str]] = []
    report: dict = {"machine": info, "gendata": [], "requests": [], "failures": []}
    temp_dirs: list[str] = []
    last_env: dict[str, str] = {}
    last_counts: dict = {}
    migrate_times: list[float] = []
    try:
        for scale in scales:
            walls, internals, counts = [], [], {}
            for run_number in range(args.runs):
                var_dir = tempfile.mkdtemp(prefix=f"kepu-bench-{scale}-")
                temp_dirs.append(var_dir)
                env = base_env(args.database_url)
                env["KEPU_VAR_DIR"] = var_dir
                first = not migrate_times
                migrate_times.append(fresh_database(env, postgres=postgres, first=first, flush_ok=args.flush))
                city_sqlite = scale == "city" and not postgres
                wall, counts = gendata(scale, env, args.sqlite_registrations if city_sqlite else None,
                                       args.sqlite_volunteer_records if city_sqlite else None)
                walls.append(wall)
                internals.append(counts.pop("seconds"))
                counts.pop("scale", None)
                print(f"gendata {scale} run {run_number + 1}/{args.runs}: {wall:.2f} s wall "
                      f"({internals[-1]:.2f} s inside the command); {data_size(counts)}", flush=True)
                last_env, last_counts = env, counts
            report["gendata"].append({"scale": scale, "counts": counts, "wall_s": walls, "command_s": internals})
            rows.append((f"kepu gendata --scale {scale} (wall)", f"{scale}: {data_size(counts)}",
                         str(args.runs), f"{statistics.median(walls):.2f} s",
                         f"{percentile(walls, 0.95):.2f} s" if args.runs > 1 else "-"))
            rows.append((f"  of which inside the command ({scale})", "", str(args.runs),
                         f"{statistics.median(internals):.2f} s",
                         f"{percentile(internals, 0.95):.2f} s" if args.runs > 1 else "-"))
        rows.insert(0, ("kepu migrate (empty database, wall)", "-", str(len(migrate_times)),
                        f"{statistics.median(migrate_times):.2f} s",
                        f"{percentile(migrate_times, 0.95):.2f} s" if len(migrate_times) > 1 else "-"))
        report["migrate_wall_s"] = migrate_times

        if not args.no_pages:
            scale = scales[-1]
            print(f"timing pages and API calls at scale {scale} ({args.requests} requests each after "
                  f"{WARMUP} warm-ups)", flush=True)
            results, failures, db_version = time_requests(last_env, args.requests, scale)
            info["database"] = db_version + ("" if postgres else " (file, WAL)")
            report["requests"], report["failures"] = results, failures
            size = f"{scale}: {last_counts['regions']:,} regions, {last_counts['units']:,} units"
            for r in results:
                rows.append((r["what"], size, str(r["n"]), f"{r['p50_ms']:.1f} ms", f"{r['p95_ms']:.1f} ms"))
            if not args.no_activities:
                print(f"timing the activity figures at scale {scale} ({info['database']})", flush=True)
                try:
                    measured = activity_bench.measure(last_env, runs=args.activity_runs, requests=args.requests)
                except RuntimeError as exc:
                    report["failures"].append(f"activity figures: {exc}")
                else:
                    report["activities"] = {"measured": measured}
                    rows += activity_bench.rows_for("SQLite" if not postgres else "PostgreSQL", measured, scale)
            if not args.no_volunteers:
                label = "SQLite" if not postgres else "PostgreSQL"
                print(f"timing the volunteer figures at scale {scale} ({info['database']})", flush=True)
                try:
                    measured = volunteer_bench.measure(last_env, runs=args.activity_runs, requests=args.requests)
                except RuntimeError as exc:
                    report["failures"].append(f"volunteer figures: {exc}")
                else:
                    report["volunteers"] = {"measured": measured}
                    report["failures"] += measured["failures"]
                    report.setdefault("over_target", []).extend(volunteer_bench.over_target(measured, label))
                    rows += volunteer_bench.rows_for(label, measured, scale)
            if not args.no_basedata:
                rows += basedata_part(args, report, scale, "SQLite" if not postgres else "PostgreSQL", env=last_env)
            if not args.no_indicators:
                rows += indicators_bench.part(args, report, scale, "SQLite" if not postgres else "PostgreSQL",
                                              env=last_env)
        if not args.no_postgres and not (args.no_activities and args.no_volunteers and args.no_basedata
                                         and args.no_indicators):
            rows += postgres_part(args, scales[-1], report, info)
        if not args.no_pages and not args.no_workplans:
            rows += workplans_part(args, report)
        if not args.no_volunteer_import:
            rows += import_part(args, report)
    finally:
        if not args.keep:
            for path in temp_dirs:
                shutil.rmtree(path, ignore_errors=True)

    print()
    print(f"Kepu benchmark  {time.strftime('%Y-%m-%d %H:%M')}  |  CPU: {info['cpu']}  |  nproc {info['nproc']}  |  "
          f"RAM {info['memory_gib']} GiB  |  Python {info['python']}  |  SQLite {info['sqlite']}  |  "
          f"database: {info['database']}")
    print(f"gendata: {args.runs} run(s) per scale, each on a fresh database; wall = the whole `kepu gendata` "
          f"process (interpreter and Django start-up included). Pages/API: in-process Django test client, "
          f"{args.requests} timed requests after {WARMUP} warm-ups.")
    if "postgres" in info:
        print(f"PostgreSQL rows: a throwaway {info['postgres']} cluster on 127.0.0.1 "
              f"({' '.join(activity_bench.PG_OPTIONS[1::2])}); load average at its start: {info['load_at_postgres']}.")
    print()
    print(table(rows))
    if report.get("over_target"):
        print("\nover target:\n  " + "\n  ".join(report["over_target"]))
    if report["failures"]:
        print("\nFAILED requests:", file=sys.stderr)
        for failure in report["failures"]:
            print(failure, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
