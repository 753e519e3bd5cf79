"""Volunteer benchmarks at city scale, run by bench/run.py (see bench/README.md) or on their own:

    .venv/bin/python bench/volunteers.py [--scale city] [--runs 5] [--requests 50] [--no-sqlite]
                                         [--no-postgres]

* the four volunteer measures (registered_volunteers, active_volunteers, volunteer_service_hours,
  volunteer_teams) for every child region of 重庆市 (38 districts and counties, 3 functional areas):
  one warm-up, then the median of --runs runs (target on PostgreSQL: under 1 s each);
* a volunteer's page as a district admin (the busiest 永川 volunteer, and a typical one), the
  volunteer's own page (/volunteers/me/ as bench_volunteer), the volunteer list filtered by district
  and town, and the service-record list of a district and year: p50 and p95 over --requests requests
  through Django's test client in one process (target p95 under 100 ms). A page that does not
  answer 200 yet (not routed, 404) is timed as the ORM queries it stands on, labelled so.

The subcommand `measure` runs inside a Kepu environment (KEPU_DATABASE_URL ...) and prints one
JSON line; bench/run.py calls it on the data of its largest scale, SQLite and PostgreSQL.
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

ROOT = Path(__file__).resolve().parent.parent
KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]
WARMUP = 3
PAGE_BUDGET_S = 15  # per page: fewer requests than asked when one takes seconds (the table shows how many)
MEASURE_BUDGET_S = 30
MEASURES = ["registered_volunteers", "active_volunteers", "volunteer_service_hours", "volunteer_teams"]
MEASURE_TARGET_MS = 1000
PAGE_TARGET_MS = 100
# Average service records per volunteer of the city scale on SQLite (KEPU_GENDATA_VOLUNTEER_RECORDS):
# see bench/README.md. PostgreSQL gets gendata's default, 5 (5 million records).
SQLITE_CITY_RECORDS = 1


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# --- inside a Kepu environment -------------------------------------------------------------------------


def _time(func, n: int, budget_s: float, *, warmed: bool = False) -> list[float]:
    """Milliseconds of up to `n` calls after the warm-ups (none when `warmed`; one for a call slower
    than 0.5 s), stopping once `budget_s` is spent, one call at least: a page that takes seconds must
    not hold the whole benchmark up."""
    if not warmed:
        started = time.perf_counter()
        func()
        if time.perf_counter() - started < 0.5:
            for _i in range(WARMUP - 1):
                func()
    out: list[float] = []
    begun = time.perf_counter()
    while len(out) < n and (not out or time.perf_counter() - begun < budget_s):
        started = time.perf_counter()
        func()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _pages(year: int) -> list[dict]:
    """What to request: (label, persona, URL name, its arguments, query string), and the ORM queries
    behind it for when the page does not answer yet."""
    from kepu.regions.models import Region
    from kepu.volunteers.models import Volunteer

    yongchuan = Region.objects.get(code="500118")
    busiest = Volunteer.objects.get(user__username="bench_volunteer")
    in_yongchuan = Volunteer.objects.filter(region_path__startswith=yongchuan.path, left_on__isnull=True)
    typical = in_yongchuan.filter(hours__gt=0, stars=0).order_by("pk")[in_yongchuan.count() // 3]
    town = Region.objects.filter(parent=yongchuan).order_by("code").first()
    records = f"region=500118&year={year}&status=verified"
    return [
        {"label": "volunteer page (busiest 永川 volunteer)", "persona": "bench_district", "name": "volunteers:detail",
         "args": [busiest.pk], "query": "", "stand_in": ("volunteer", busiest.pk)},
        {"label": "volunteer page (typical 永川 volunteer)", "persona": "bench_district", "name": "volunteers:detail",
         "args": [typical.pk], "query": "", "stand_in": ("volunteer", typical.pk)},
        {"label": "my volunteer page", "persona": "bench_volunteer", "name": "volunteers:me", "args": [],
         "query": "", "stand_in": ("volunteer", busiest.pk)},
        {"label": "volunteer list ?region=500118", "persona": "bench_city", "name": "volunteers:list", "args": [],
         "query": "region=500118", "stand_in": ("list", yongchuan.path)},
        {"label": "volunteer list ?region=500118", "persona": "bench_district", "name": "volunteers:list",
         "args": [], "query": "region=500118", "stand_in": ("list", yongchuan.path)},
        {"label": f"volunteer list ?region={town.code}", "persona": "bench_district", "name": "volunteers:list",
         "args": [], "query": f"region={town.code}", "stand_in": ("list", town.path)},
        {"label": "volunteer list, whole city", "persona": "bench_city", "name": "volunteers:list", "args": [],
         "query": "", "stand_in": ("list", "500000/")},
        {"label": f"service records ?{records}", "persona": "bench_district", "name": "volunteers:records",
         "args": [], "query": records, "stand_in": ("records", yongchuan.path, year)},
        {"label": "service records ?region=500118", "persona": "bench_city", "name": "volunteers:records",
         "args": [], "query": "region=500118", "stand_in": ("records", yongchuan.path, None)},
    ]


def _stand_in(spec: tuple):
    """The ORM queries a page stands on (no scope filter, no template), for a page not answering yet."""
    from kepu.regions.querysets import subtree_q
    from kepu.volunteers.models import RecordStatus, ServiceRecord, Volunteer

    kind = spec[0]
    if kind == "volunteer":
        def query():
            volunteer = Volunteer.objects.select_related("region", "unit", "user").get(pk=spec[1])
            list(volunteer.records.select_related("team", "activity").order_by("-date", "-id")[:20])
            volunteer.records.count()
            list(volunteer.memberships.select_related("team"))
            list(volunteer.star_changes.all()[:10])
        return query
    if kind == "list":
        qs = Volunteer.objects.filter(subtree_q([spec[1]], field="region_path")).order_by("-registered_on", "-id")
    else:
        qs = ServiceRecord.objects.filter(subtree_q([spec[1]], field="region_path")).select_related("volunteer", "team")
        if spec[2]:
            qs = qs.filter(date__year=spec[2], status=RecordStatus.VERIFIED)
        qs = qs.order_by("-date", "-id")

    def query(qs=qs):
        list(qs[:50])
        qs.count()
    return query


def cmd_measure(runs: int, requests: int, year: int) -> dict:
    """The measures for every child region of 重庆市 and the volunteer pages, on the data in the database."""
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from kepu.accounts.models import User
    from kepu.core.measures import get_measure
    from kepu.regions.models import Region
    from kepu.volunteers.models import RecordStatus, ServiceRecord, Team, Volunteer

    sizes = {"volunteers": Volunteer.objects.count(), "service_records": ServiceRecord.objects.count(),
             "teams": Team.objects.count(),
             "verified_in_year": ServiceRecord.objects.filter(status=RecordStatus.VERIFIED, date__year=year).count()}
    regions = list(Region.objects.filter(parent__code="500000").order_by("code"))
    result: dict = {"database": database_version(), "sizes": sizes, "year": year, "measures": [], "pages": [],
                    "failures": []}
    for key in MEASURES:
        measure = get_measure(key)
        values = measure.compute(regions, year)  # warm-up, and the figures' sanity
        timings = _time(lambda measure=measure: measure.compute(regions, year), runs, MEASURE_BUDGET_S, warmed=True)
        result["measures"].append({
            "key": key, "regions": len(regions), "runs": len(timings), "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1), "total": str(sum(v.value or 0 for v in values.values())),
        })
    users = {u.username: u for u in User.objects.filter(username__in=["bench_city", "bench_district",
                                                                        "bench_volunteer"])}
    for page in _pages(year):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[page["persona"]])
        try:
            path = reverse(page["name"], args=page["args"]) + (f"?{page['query']}" if page["query"] else "")
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
                result["failures"].append(f"GET {path} as {page['persona']}: {status}")
            request = _stand_in(page["stand_in"])
            entry["what"] = f"ORM stand-in for {page['name']} ({path or page['name']} answers {status})"
            entry["stand_in"] = True
        timings = _time(request, requests, PAGE_BUDGET_S)
        entry.update(n=len(timings), p50_ms=round(statistics.median(timings), 1), p95_ms=round(percentile(timings, 0.95), 1))
        result["pages"].append(entry)
    return result


# --- from bench/run.py ------------------------------------------------------------------------------------


def measure(env: dict[str, str], *, runs: int, requests: int, year: int = 2025) -> dict:
    """`measure` in a subprocess on the database of `env`."""
    return last_json(run([*SELF, "measure", "--runs", str(runs), "--requests", str(requests), "--year", str(year)],
                         env)[1])


def gendata_on_postgres(pg, *, scale: str, runs: int, requests: int, activities: bool = True,
                        volunteers: bool = True, timings: bool = True) -> dict:
    """`kepu gendata --scale X` on a fresh database of the throwaway cluster, then the activity and the
    volunteer figures on it (one load for both)."""
    import activities as activity_bench

    var_dir = tempfile.mkdtemp(prefix="kepu-bench-pgcity-")
    try:
        env = kepu_env(pg.createdb(f"kepu_{scale}"), var_dir=var_dir)
        run([*KEPU, "migrate", "-v0", "--no-input"], env)
        wall, out = run([*KEPU, "gendata", "--scale", scale, "--json"], env)
        result = {"scale": scale, "gendata_wall_s": round(wall, 1), "gendata": last_json(out)}
        if timings and activities:
            result["activities"] = activity_bench.measure(env, runs=runs, requests=requests)
        if timings and volunteers:
            result["volunteers"] = measure(env, runs=runs, requests=requests)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return result


def gendata_size(counts: dict) -> str:
    return (f"{counts.get('volunteers', 0):,} volunteers, {counts.get('service_records', 0):,} service records, "
            f"{counts.get('volunteer_teams', 0):,} teams")


def rows_for(label: str, result: dict, scale: str) -> list[tuple[str, str, str, str, str]]:
    """Table rows (what, data size, runs, median/p50, p95) of one database's volunteer figures."""
    rows = []
    sizes = result["sizes"]
    size = (f"{scale}: {sizes['volunteers']:,} volunteers, {sizes['service_records']:,} records "
            f"({sizes['verified_in_year']:,} verified in {result['year']}), {sizes['teams']:,} teams")
    for m in result["measures"]:
        rows.append((f"{m['key']}, {m['regions']} regions, {result['year']}, {label}", size, str(m["runs"]),
                     f"{m['median_ms']:.1f} ms", "-"))
    for p in result["pages"]:
        rows.append((f"{p['what']}  {p['persona']}, {label}", size, str(p["n"]), f"{p['p50_ms']:.1f} ms",
                     f"{p['p95_ms']:.1f} ms"))
    return rows


def over_target(result: dict, label: str) -> list[str]:
    """The figures over their targets (measures on PostgreSQL: 1 s; pages: p95 100 ms), for the report."""
    out = []
    if label == "PostgreSQL":
        out += [f"{m['key']}: {m['median_ms']:.0f} ms (target < {MEASURE_TARGET_MS} ms)"
                for m in result["measures"] if m["median_ms"] >= MEASURE_TARGET_MS]
    out += [f"{p['what']} as {p['persona']}: p95 {p['p95_ms']:.0f} ms (target < {PAGE_TARGET_MS} ms)"
            for p in result["pages"] if p["p95_ms"] >= PAGE_TARGET_MS]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    meas = sub.add_parser("measure")
    meas.add_argument("--runs", type=int, default=5)
    meas.add_argument("--requests", type=int, default=50)
    meas.add_argument("--year", type=int, default=2025)
    parser.add_argument("--scale", default="city", choices=["small", "district", "city"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "measure":
        print(json.dumps(cmd_measure(args.runs, args.requests, args.year), ensure_ascii=False))
        return 0
    if args.runs < 1 or args.requests < 1:
        parser.error("--runs and --requests must be at least 1")
    import activities as activity_bench
    from run import table

    rows, failures = [], []
    if not args.no_sqlite:
        var_dir = tempfile.mkdtemp(prefix="kepu-bench-vsqlite-")
        try:
            env = kepu_env(None, var_dir=var_dir)
            env["KEPU_GENDATA_REGISTRATIONS"] = "0"  # the volunteer figures do not read registrations
            if args.scale == "city":
                env["KEPU_GENDATA_VOLUNTEER_RECORDS"] = str(SQLITE_CITY_RECORDS)
            run([*KEPU, "migrate", "-v0", "--no-input"], env)
            print(f"kepu gendata --scale {args.scale} on SQLite ...", flush=True)
            wall, out = run([*KEPU, "gendata", "--scale", args.scale, "--json"], env)
            rows.append((f"kepu gendata --scale {args.scale} (wall), SQLite", gendata_size(last_json(out)), "1",
                         f"{wall:.1f} s", "-"))
            result = measure(env, runs=args.runs, requests=args.requests)
            rows += rows_for("SQLite", result, args.scale)
            failures += result["failures"]
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
    if not args.no_postgres:
        try:
            with activity_bench.Postgres() as pg:
                print(f"kepu gendata --scale {args.scale} on {pg.version()} ...", flush=True)
                result = gendata_on_postgres(pg, scale=args.scale, runs=args.runs, requests=args.requests,
                                             activities=False)
                rows.append((f"kepu gendata --scale {args.scale} (wall), PostgreSQL",
                             gendata_size(result["gendata"]), "1", f"{result['gendata_wall_s']:.1f} s", "-"))
                rows += rows_for("PostgreSQL", result["volunteers"], args.scale)
                failures += result["volunteers"]["failures"]
        except activity_bench.Unavailable as exc:
            print(f"PostgreSQL part skipped: {exc}", flush=True)
    print(table(rows))
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
