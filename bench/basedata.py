"""Base-data benchmarks (venues, schools, 农技协, funding, media, 科普中国) at city scale, run by
bench/run.py (see bench/README.md) or on their own:

    .venv/bin/python bench/basedata.py [--scale city] [--runs 5] [--requests 20] [--no-sqlite] [--no-postgres]

* the ten base-data measures (MEASURES) computed together for every child region of 重庆市 (38
  districts and counties, 3 functional areas), year 2024: one untimed warm-up, then --runs timed
  runs of all ten one after the other; the median and the maximum of the total, and each measure's
  median. Targets: under 2 s on PostgreSQL, under 5 s on SQLite, for the ten together. The
  slowest SQL statements of a run are kept with their plans (EXPLAIN QUERY PLAN on SQLite,
  EXPLAIN ANALYZE on PostgreSQL);
* the 站栏员 coverage page of a district and the venue list (a district, a town, the whole city, the
  certified bases): p50 and p95 over --requests requests through Django's test client in one process.
  A page that does not answer 200 is timed as the ORM queries it stands on, labelled so.

The subcommand `measure` runs inside a Kepu environment (KEPU_DATABASE_URL ...) and prints one JSON
line; bench/run.py calls it on the data of its largest scale, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import database_version, django_setup, kepu_env, percentile
from common import run_command as run

KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]
YEAR = 2024
MEASURES = ["school_science_staff_compliance", "school_tech_room_ratio", "agri_town_association_ratio",
            "village_station_board_officer_coverage", "certified_bases_count", "fiscal_funding_per_capita",
            "media_weekly_columns", "info_officer_ratio", "info_officer_active_ratio", "info_officer_rank_percentile"]
TARGET_MS = {"PostgreSQL": 2000, "SQLite": 5000}
PAGE_TARGET_MS = 200
PAGE_BUDGET_S = 15
WARMUP = 2
SLOW_QUERIES = 5
# The base-data measures read neither registrations nor service records: the stand-alone run
# generates the city without them (the activities and volunteers themselves are still made).
LIGHT_ENV = {"KEPU_GENDATA_REGISTRATIONS": "0", "KEPU_GENDATA_VOLUNTEER_RECORDS": "0"}


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# --- inside a Kepu environment -------------------------------------------------------------------------


def _sizes(year: int) -> dict[str, int]:
    from kepu.accounts.models import Role, RoleAssignment
    from kepu.channels.models import Column, ColumnIssue, InfoOfficerFigure
    from kepu.orgs.models import (
        SCHOOL_TYPES,
        FundingRecord,
        RuralTechAssociation,
        SchoolProfile,
        Unit,
    )
    from kepu.regions.models import Level, Region
    from kepu.venues.models import Certification, Venue

    return {
        "villages": Region.objects.filter(level=Level.VILLAGE).count(),
        "towns": Region.objects.filter(level=Level.TOWN).count(),
        "venues": Venue.objects.count(),
        "certifications": Certification.objects.count(),
        "village_officers": RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).count(),
        "schools": Unit.objects.filter(type__in=SCHOOL_TYPES).count(),
        "school_profiles_in_year": SchoolProfile.objects.filter(year=year).count(),
        "rural_associations": RuralTechAssociation.objects.count(),
        "funding_records": FundingRecord.objects.count(),
        "media_columns": Column.objects.count(),
        "column_issues": ColumnIssue.objects.count(),
        "info_officer_figures": InfoOfficerFigure.objects.count(),
    }


def _explain(sql: str) -> str:
    """The plan of one captured statement (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    from django.db import connection

    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
    except Exception as exc:  # a statement Django interpolated in a way the database cannot re-read
        return f"(no plan: {exc})"
    if connection.vendor == "postgresql":
        return "\n".join(row[0] for row in rows)
    return "\n".join(f"{row[1]:>3} {row[2]:>3} {row[-1]}" for row in rows)


def _statement_seconds(sql: str) -> float:
    """One statement run again and read to the end: SQLite does its work while rows are fetched, so
    the time Django records for execute() alone says little there."""
    from django.db import connection

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
    except Exception:  # a statement Django interpolated in a way the database cannot re-read
        return 0.0
    return time.perf_counter() - started


def _measures(regions: list, runs: int, year: int) -> dict:
    """All MEASURES over the regions: a warm-up, then `runs` timed rounds; the slowest statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kepu.core.measures import get_measure

    measures = [(key, get_measure(key)) for key in MEASURES]
    per_measure: dict[str, list[float]] = {key: [] for key in MEASURES}
    totals: list[float] = []
    values = {}
    captured = []
    for key, measure in measures:  # warm-up, the figures, and the SQL of each
        with CaptureQueriesContext(connection) as queries:
            values[key] = measure.compute(regions, year)
        captured += [(key, q["sql"]) for q in queries.captured_queries]
    for _n in range(runs):
        started = time.perf_counter()
        for key, measure in measures:
            began = time.perf_counter()
            measure.compute(regions, year)
            per_measure[key].append((time.perf_counter() - began) * 1000)
        totals.append((time.perf_counter() - started) * 1000)
    slow = sorted(((key, _statement_seconds(sql), sql) for key, sql in captured), key=lambda q: -q[1])[:SLOW_QUERIES]
    summary = []
    for key in MEASURES:
        got = [v for v in values[key].values() if v.value is not None]
        summary.append({
            "key": key, "median_ms": round(statistics.median(per_measure[key]), 1),
            "max_ms": round(max(per_measure[key]), 1), "with_value": len(got),
            "mean_value": round(sum(float(v.value) for v in got) / len(got), 4) if got else None,
        })
    return {
        "regions": len(regions), "runs": runs, "median_ms": round(statistics.median(totals), 1),
        "max_ms": round(max(totals), 1), "measures": summary,
        "queries": len(captured),
        "slowest": [{"measure": key, "ms": round(seconds * 1000, 1), "sql": sql[:4000], "plan": _explain(sql)}
                    for key, seconds, sql in slow],
    }


def _time(func, n: int, budget_s: float) -> list[float]:
    """Milliseconds of up to `n` calls after WARMUP untimed ones, within `budget_s` (one call at least)."""
    for _i in range(WARMUP):
        func()
    out: list[float] = []
    begun = time.perf_counter()
    while len(out) < n and (not out or time.perf_counter() - begun < budget_s):
        started = time.perf_counter()
        func()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _pages(year: int) -> list[dict]:
    from kepu.regions.models import Region

    town = Region.objects.filter(parent__code="500118").order_by("code").first()
    return [
        {"label": "coverage page, 永川区", "persona": "bench_district", "name": "venues:coverage",
         "query": f"region=500118&year={year}", "stand_in": ("coverage", "500118")},
        {"label": "coverage page, whole city", "persona": "bench_city", "name": "venues:coverage",
         "query": f"region=500000&year={year}", "stand_in": ("coverage", "500000")},
        {"label": "venue list, 永川区", "persona": "bench_district", "name": "venues:list",
         "query": "region=500118", "stand_in": ("list", "500118")},
        {"label": f"venue list, {town.code if town else '-'}", "persona": "bench_district", "name": "venues:list",
         "query": f"region={town.code if town else '500118'}", "stand_in": ("list", town.code if town else "500118")},
        {"label": "venue list, whole city", "persona": "bench_city", "name": "venues:list", "query": "",
         "stand_in": ("list", "500000")},
        {"label": "certified bases, whole city", "persona": "bench_city", "name": "venues:list",
         "query": f"region=500000&certified=municipal&year={year}", "stand_in": ("certified", "500000")},
    ]


def _stand_in(spec: tuple, year: int):
    """The ORM queries a page stands on (no scope, no template), for a page not answering yet."""
    import datetime

    from django.db.models import Exists, OuterRef

    from kepu.regions.models import Region
    from kepu.regions.querysets import subtree_q
    from kepu.venues.measures import village_facilities
    from kepu.venues.models import MUNICIPAL_OR_ABOVE, Certification, Venue, in_use_q, valid_in_q

    kind, code = spec
    path = Region.objects.get(code=code).path
    if kind == "coverage":
        qs = village_facilities(year).filter(subtree_q([path], field="path")).order_by("path")
    else:
        qs = Venue.objects.filter(subtree_q([path], field="region_path")).select_related("region", "unit")
        if kind == "certified":
            certified = Certification.objects.filter(valid_in_q(year), venue=OuterRef("pk"),
                                                     level__in=MUNICIPAL_OR_ABOVE)
            qs = qs.filter(in_use_q(datetime.date(year, 12, 31))).filter(Exists(certified))
        qs = qs.order_by("region_path", "type", "name")

    def query(qs=qs):
        list(qs[:50])
        qs.count()
    return query


def _time_pages(year: int, requests: int) -> tuple[list[dict], list[str]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from kepu.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["bench_city", "bench_district"])}
    out, failures = [], []
    for page in _pages(year):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[page["persona"]])
        try:
            path = reverse(page["name"]) + (f"?{page['query']}" if page["query"] else "")
            status = client.get(path).status_code
        except NoReverseMatch:
            path, status = None, "not routed"
        entry = {"label": page["label"], "persona": page["persona"]}
        if status == 200:
            def request(path=path, client=client):
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code}")
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            entry.update(what=f"GET {path}", queries=len(queries), bytes=len(response.content))
        else:
            if isinstance(status, int) and status >= 500:
                failures.append(f"GET {path} as {page['persona']}: {status}")
            request = _stand_in(page["stand_in"], year)
            entry.update(what=f"ORM stand-in for {page['name']} ({path or page['name']} answers {status})",
                         stand_in=True)
        timings = _time(request, requests, PAGE_BUDGET_S)
        entry.update(n=len(timings), p50_ms=round(statistics.median(timings), 1),
                     p95_ms=round(percentile(timings, 0.95), 1))
        out.append(entry)
    return out, failures


def cmd_measure(runs: int, requests: int, year: int, pages: bool) -> dict:
    django_setup()
    from kepu.regions.models import Region

    regions = list(Region.objects.filter(parent__code="500000").order_by("code"))
    result = {"database": database_version(), "year": year, "sizes": _sizes(year), "failures": []}
    result.update(_measures(regions, runs, year))
    if pages:
        result["pages"], result["failures"] = _time_pages(year, requests)
    return result


# --- from bench/run.py ------------------------------------------------------------------------------------


def measure(env: dict[str, str], *, runs: int, requests: int, year: int = YEAR, pages: bool = True) -> dict:
    """`measure` in a subprocess on the database of `env`."""
    args = [*SELF, "measure", "--runs", str(runs), "--requests", str(requests), "--year", str(year)]
    return last_json(run(args + ([] if pages else ["--no-pages"]), env)[1])


def postgres_env(pg, scale: str, var_dir: str) -> dict[str, str]:
    """The environment for the database bench/volunteers.py's gendata_on_postgres filled (kepu_<scale>)."""
    return kepu_env(f"postgres://postgres@127.0.0.1:{pg.port}/kepu_{scale}", var_dir=var_dir)


def gendata_size(counts: dict) -> str:
    """What `kepu gendata --json` says the base-data generators made."""
    return (f"{counts.get('venues', 0):,} venues, {counts.get('certifications', 0):,} certifications, "
            f"{counts.get('school_profiles', 0):,} school profiles, {counts.get('rural_associations', 0):,} 农技协, "
            f"{counts.get('column_issues', 0):,} column issues, {counts.get('village_officers', 0):,} village officers")


def sizes_text(sizes: dict) -> str:
    return (f"{sizes['villages']:,} villages, {sizes['venues']:,} venues, {sizes['certifications']:,} certifications, "
            f"{sizes['schools']:,} schools ({sizes['school_profiles_in_year']:,} profiles), "
            f"{sizes['rural_associations']:,} 农技协, {sizes['funding_records']:,} funding, "
            f"{sizes['column_issues']:,} issues, {sizes['info_officer_figures']:,} 科普中国 figures, "
            f"{sizes['village_officers']:,} officers")


def rows_for(label: str, result: dict, scale: str) -> list[tuple[str, str, str, str, str]]:
    """Table rows (what, data size, runs, median/p50, p95) of one database's base-data figures."""
    size = f"{scale}: " + sizes_text(result["sizes"])
    rows = [(f"ten base-data measures together, {result['regions']} regions, {result['year']}, {label}", size,
             str(result["runs"]), f"{result['median_ms']:.0f} ms (max {result['max_ms']:.0f})", "-")]
    for m in result["measures"]:
        rows.append((f"  {m['key']}, {label}", "", str(result["runs"]), f"{m['median_ms']:.1f} ms", "-"))
    for p in result.get("pages", []):
        rows.append((f"{p['what']}  {p['persona']}, {label}", size, str(p["n"]), f"{p['p50_ms']:.1f} ms",
                     f"{p['p95_ms']:.1f} ms"))
    return rows


def over_target(result: dict, label: str) -> list[str]:
    """Figures over their targets: the ten measures (2 s PostgreSQL, 5 s SQLite), pages (p95 200 ms)."""
    out = []
    target = TARGET_MS[label]
    if result["median_ms"] >= target:
        slowest = result["slowest"][0] if result["slowest"] else None
        out.append(f"ten base-data measures, {label}: {result['median_ms']:.0f} ms (target < {target} ms)"
                   + (f"; slowest statement ({slowest['measure']}, {slowest['ms']:.0f} ms):\n{slowest['plan']}"
                      if slowest else ""))
    out += [f"{p['what']} as {p['persona']}, {label}: p95 {p['p95_ms']:.0f} ms (target < {PAGE_TARGET_MS} ms)"
            for p in result.get("pages", []) if p["p95_ms"] >= PAGE_TARGET_MS]
    return out


def _report(label: str, result: dict) -> None:
    """The slowest statements with their plans, for the terminal."""
    print(f"\nslowest statements on {label} ({result['queries']} statements per round):")
    for q in result["slowest"][:3]:
        print(f"  {q['ms']:.1f} ms  {q['measure']}: {q['sql'][:300]}")
        print("    " + q["plan"].replace("\n", "\n    "))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    meas = sub.add_parser("measure")
    meas.add_argument("--runs", type=int, default=5)
    meas.add_argument("--requests", type=int, default=20)
    meas.add_argument("--year", type=int, default=YEAR)
    meas.add_argument("--no-pages", action="store_true")
    parser.add_argument("--scale", default="city", choices=["small", "district", "city"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    if args.command == "measure":
        print(json.dumps(cmd_measure(args.runs, args.requests, args.year, not args.no_pages), ensure_ascii=False))
        return 0
    if args.runs < 1 or args.requests < 1:
        parser.error("--runs and --requests must be at least 1")
    import activities as activity_bench
    from run import table

    rows, failures, notes, report = [], [], [], {}
    if not args.no_sqlite:
        var_dir = tempfile.mkdtemp(prefix="kepu-bench-bsqlite-")
        try:
            env = {**kepu_env(None, var_dir=var_dir), **LIGHT_ENV}
            run([*KEPU, "migrate", "-v0", "--no-input"], env)
            print(f"kepu gendata --scale {args.scale} on SQLite ...", flush=True)
            wall, _out = run([*KEPU, "gendata", "--scale", args.scale, "--json"], env)
            rows.append((f"kepu gendata --scale {args.scale} (wall), SQLite, no registrations or records", "-", "1",
                         f"{wall:.1f} s", "-"))
            result = report["sqlite"] = measure(env, runs=args.runs, requests=args.requests)
            rows += rows_for("SQLite", result, args.scale)
            failures += result["failures"]
            notes += over_target(result, "SQLite")
            _report("SQLite", result)
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
    if not args.no_postgres:
        try:
            with activity_bench.Postgres() as pg:
                print(f"kepu gendata --scale {args.scale} on {pg.version()} ...", flush=True)
                var_dir = tempfile.mkdtemp(prefix="kepu-bench-bpg-")
                try:
                    env = {**kepu_env(pg.createdb(f"kepu_{args.scale}"), var_dir=var_dir), **LIGHT_ENV}
                    run([*KEPU, "migrate", "-v0", "--no-input"], env)
                    wall, _out = run([*KEPU, "gendata", "--scale", args.scale, "--json"], env)
                    rows.append((f"kepu gendata --scale {args.scale} (wall), PostgreSQL, no registrations or records",
                                 "-", "1", f"{wall:.1f} s", "-"))
                    result = report["postgres"] = measure(env, runs=args.runs, requests=args.requests)
                finally:
                    shutil.rmtree(var_dir, ignore_errors=True)
                rows += rows_for("PostgreSQL", result, args.scale)
                failures += result["failures"]
                notes += over_target(result, "PostgreSQL")
                _report("PostgreSQL", result)
        except activity_bench.Unavailable as exc:
            print(f"PostgreSQL part skipped: {exc}", flush=True)
    print()
    print(table(rows))
    if notes:
        print("\nover target:\n  " + "\n  ".join(notes))
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
