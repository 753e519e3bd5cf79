"""Indicator benchmarks at city scale, run by bench/run.py (see bench/README.md) or on their own:

    .venv/bin/python bench/indicators.py [--scale city] [--runs 5] [--no-sqlite] [--no-postgres]

On the data of `kepu gendata --scale city` (every measure of the Yongchuan standard has its records:
activities and their reports, volunteers, venues, schools, 农技协, funding, media columns, 科普中国
figures), for the Yongchuan standard (yongchuan-2021-2025, 33 leaves, 14 measure targets):

* the full scorecard of 永川区 2024 (`selectors.scorecard`, with 2023's values for the trend):
  target under 1 s;
* the comparison of the 41 district-level regions (`selectors.comparison(standard, 重庆市, 2024)`:
  every measure target for all of them): targets under 3 s on PostgreSQL, under 8 s on SQLite;
* the Word report of 永川区 2024 (`reports.build_report(assessment, "docx")`): target under 5 s.

Each is called once untimed (its SQL statements counted), then timed --runs times (fewer when the
calls take longer than BUDGET_S together); the table shows the median and the maximum.

gendata makes no standards and no assessments, so `measure` first sets them up, untimed: it loads
the Yongchuan standard (the reference loader) when the database lacks it, creates 永川区's 2023 and
2024 assessments with the demo's story (kepu.indicators.demo.yongchuan_assessments: evidence with
real PDF and PNG files, 2023 submitted with a snapshot) and a 2024 assessment for each of the other
40 district-level regions with the demo's seeded mix (demo.district_assessment: evidence, C2.3
entered by hand), so the comparison reads manual values too. All of it happens in a transaction
that is rolled back at the end: the database stays as gendata left it for the other benchmarks.

The subcommand `measure` runs inside a Kepu environment (KEPU_DATABASE_URL ...) and prints one JSON
line; bench/run.py calls it (through `part`) on the data of its largest scale, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import database_version, django_setup, kepu_env
from common import run_command as run

KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]
YEAR = 2024
BUDGET_S = 60  # per figure: fewer timed runs when one call takes seconds
TARGET_MS = {
    "scorecard": {"SQLite": 1000, "PostgreSQL": 1000},
    "comparison": {"SQLite": 8000, "PostgreSQL": 3000},
    "report_docx": {"SQLite": 5000, "PostgreSQL": 5000},
}
SEED = "bench/indicators"


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# --- inside a Kepu environment -------------------------------------------------------------------------


def _sizes(year: int) -> dict[str, int]:
    from kepu.activities.models import Activity, ParticipationReport
    from kepu.channels.models import ColumnIssue
    from kepu.orgs.models import FundingRecord, RuralTechAssociation, SchoolProfile, Unit
    from kepu.regions.models import Level, Region
    from kepu.venues.models import Venue
    from kepu.volunteers.models import ServiceRecord, Volunteer

    return {
        "regions": Region.objects.count(), "villages": Region.objects.filter(level=Level.VILLAGE).count(),
        "units": Unit.objects.count(), "activities": Activity.objects.count(),
        "reports": ParticipationReport.objects.count(), "volunteers": Volunteer.objects.count(),
        "service_records": ServiceRecord.objects.count(), "venues": Venue.objects.count(),
        "school_profiles": SchoolProfile.objects.filter(year=year).count(),
        "rural_associations": RuralTechAssociation.objects.count(), "funding_records": FundingRecord.objects.count(),
        "column_issues": ColumnIssue.objects.count(),
    }


def _setup(year: int) -> dict:
    """The standard and the assessments the figures need (see the module docstring)."""
    from kepu.indicators import demo
    from kepu.indicators.models import Assessment, EvidenceFile, Standard, Submission
    from kepu.indicators.reference import load_standards
    from kepu.regions.models import Region

    started = time.perf_counter()
    if not Standard.objects.filter(code=demo.STANDARD_CODE).exists():
        load_standards()
    standard = Standard.objects.get(code=demo.STANDARD_CODE)
    rng = random.Random(SEED)
    yongchuan = Region.objects.get(code=demo.YONGCHUAN)
    _a2023, a2024 = demo.yongchuan_assessments(standard, yongchuan, rng)
    others = Region.objects.filter(parent__code="500000").exclude(pk=yongchuan.pk).order_by("code")
    for n, region in enumerate(others):
        demo.district_assessment(standard, region, year, rng, veto_value=Decimal(1 if n == 7 else 0))
    return {
        "assessment": a2024.pk, "standard": standard.pk,
        "assessments": Assessment.objects.filter(standard=standard).count(),
        "responsibilities": a2024.responsibilities.count(),
        "submissions": Submission.objects.filter(assessment__standard=standard).count(),
        "evidence_files": EvidenceFile.objects.filter(submission__assessment__standard=standard).count(),
        "setup_s": round(time.perf_counter() - started, 1),
    }


def _figure(label: str, func, runs: int, size=None) -> dict:
    """One untimed call (its statements counted), then up to `runs` timed ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from volunteers import _time

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        out = func()
        first = (time.perf_counter() - started) * 1000
    timings = _time(func, runs, BUDGET_S, warmed=True)
    return {"label": label, "runs": len(timings), "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1), "first_ms": round(first, 1), "queries": len(queries),
            **(size(out) if size else {})}


def cmd_measure(runs: int, year: int) -> dict:
    django_setup()
    from django.db import transaction

    from kepu.indicators import reports, selectors
    from kepu.indicators.models import Assessment, Standard, Status
    from kepu.regions.models import Region

    result: dict = {"database": database_version(), "year": year, "sizes": _sizes(year), "figures": []}
    with transaction.atomic():
        result["setup"] = _setup(year)
        assessment = Assessment.objects.select_related("standard", "region").get(pk=result["setup"]["assessment"])
        standard = Standard.objects.get(pk=result["setup"]["standard"])
        city = Region.objects.get(code="500000")

        def card_size(card):
            return {"leaves": card.total, "met": card.met, "vetoed": card.vetoed,
                    "targets": sum(len(r.targets) for r in card.leaves)}

        def comparison_size(comp):
            cells = [c for row in comp.cells.values() for c in row.values()]
            return {"regions": len(comp.regions), "columns": len(comp.columns), "cells": len(cells),
                    "with_value": sum(1 for c in cells if c.value is not None),
                    "vetoed_regions": sum(1 for row in comp.cells.values()
                                          if any(c.status == Status.VETOED for c in row.values()))}

        result["figures"].append(_figure("scorecard", lambda: selectors.scorecard(assessment), runs, card_size))
        result["figures"].append(_figure("comparison", lambda: selectors.comparison(standard, city, year), runs,
                                         comparison_size))
        result["figures"].append(_figure("report_docx", lambda: reports.build_report(assessment, "docx"), runs,
                                         lambda out: {"bytes": len(out[1]), "filename": out[0]}))
        transaction.set_rollback(True)
    return result


# --- from bench/run.py ------------------------------------------------------------------------------------


def measure(env: dict[str, str], *, runs: int, year: int = YEAR) -> dict:
    """`measure` in a subprocess on the database of `env`."""
    return last_json(run([*SELF, "measure", "--runs", str(runs), "--year", str(year)], env)[1])


WHAT = {
    "scorecard": "scorecard of 永川区 {year} (with {last}), Yongchuan standard",
    "comparison": "comparison of the {regions} district-level regions, {year}",
    "report_docx": "Word report of 永川区 {year}",
}


def sizes_text(result: dict, scale: str) -> str:
    s, setup = result["sizes"], result["setup"]
    return (f"{scale}: {s['regions']:,} regions, {s['units']:,} units, {s['activities']:,} activities "
            f"({s['reports']:,} reports), {s['volunteers']:,} volunteers, {s['venues']:,} venues, "
            f"{s['school_profiles']:,} school profiles; {setup['assessments']} assessments, "
            f"{setup['submissions']:,} submissions, {setup['evidence_files']:,} files")


def rows_for(label: str, result: dict, scale: str) -> list[tuple[str, str, str, str, str]]:
    """Table rows (what, data size, runs, median, -) of one database's indicator figures."""
    size = sizes_text(result, scale)
    rows = []
    for f in result["figures"]:
        what = WHAT[f["label"]].format(year=result["year"], last=result["year"] - 1, regions=f.get("regions", 41))
        rows.append((f"{what}, {label}", size, str(f["runs"]), f"{f['median_ms']:.0f} ms (max {f['max_ms']:.0f})",
                     "-"))
    return rows


def over_target(result: dict, label: str) -> list[str]:
    out = []
    for f in result["figures"]:
        target = TARGET_MS[f["label"]][label]
        if f["median_ms"] >= target:
            out.append(f"{f['label']}, {label}: {f['median_ms']:.0f} ms (target < {target} ms)")
    return out


def part(args, report: dict, scale: str, label: str, *, env: dict[str, str] | None = None,
         pg=None) -> list[tuple[str, str, str, str, str]]:
    """The indicator figures on the database of `env` (SQLite), or on the one bench/run.py's
    PostgreSQL part filled in the cluster `pg`; adds to `report` and returns the table rows."""
    import basedata as basedata_bench

    print(f"timing the indicator figures at scale {scale} ({label})", flush=True)
    var_dir = tempfile.mkdtemp(prefix="kepu-bench-indicators-") if pg is not None else None
    try:
        measured = measure(env if pg is None else basedata_bench.postgres_env(pg, scale, var_dir),
                           runs=args.activity_runs)
    except RuntimeError as exc:
        report["failures"].append(f"indicator figures ({label}): {exc}")
        return []
    finally:
        if var_dir is not None:
            shutil.rmtree(var_dir, ignore_errors=True)
    report.setdefault("indicators", {})[label.lower()] = measured
    report.setdefault("over_target", []).extend(over_target(measured, label))
    return rows_for(label, measured, scale)


def _print(label: str, result: dict) -> None:
    setup = result["setup"]
    print(f"{label}: setup {setup['setup_s']} s ({setup['assessments']} assessments, {setup['submissions']:,} "
          f"submissions, {setup['evidence_files']:,} files; 永川区 has {setup['responsibilities']:,} responsibilities)",
          flush=True)
    for f in result["figures"]:
        extra = {k: v for k, v in f.items() if k not in ("label", "runs", "median_ms", "max_ms")}
        print(f"  {f['label']}: median {f['median_ms']} ms, max {f['max_ms']} ms over {f['runs']} runs; {extra}",
              flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    meas = sub.add_parser("measure")
    meas.add_argument("--runs", type=int, default=5)
    meas.add_argument("--year", type=int, default=YEAR)
    parser.add_argument("--scale", default="city", choices=["small", "district", "city"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    if args.command == "measure":
        print(json.dumps(cmd_measure(args.runs, args.year), ensure_ascii=False))
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    import activities as activity_bench
    import basedata as basedata_bench
    from run import machine, table

    info = machine()
    print(f"machine: {info['cpu']}, {info['nproc']} CPUs, {info['memory_gib']} GiB RAM, Python {info['python']}",
          flush=True)
    rows, notes, report = [], [], {"machine": info}
    # The indicator measures read neither registrations nor service records (basedata's light load).
    databases = [] if args.no_sqlite else [("SQLite", None)]
    if not args.no_postgres:
        databases.append(("PostgreSQL", "pg"))
    for label, kind in databases:
        var_dir = tempfile.mkdtemp(prefix=f"kepu-bench-ind{label.lower()}-")
        try:
            if kind is None:
                result = _load_and_measure(None, args, label, var_dir, basedata_bench.LIGHT_ENV, rows)
            else:
                try:
                    with activity_bench.Postgres() as pg:
                        url = pg.createdb(f"kepu_{args.scale}")
                        result = _load_and_measure(url, args, label, var_dir, basedata_bench.LIGHT_ENV, rows)
                except activity_bench.Unavailable as exc:
                    print(f"PostgreSQL part skipped: {exc}", flush=True)
                    continue
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
        report[label.lower()] = result
        _print(label, result)
        rows += rows_for(label, result, args.scale)
        notes += over_target(result, label)
    print()
    print(table(rows))
    if notes:
        print("\nover target:\n  " + "\n  ".join(notes))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0


def _load_and_measure(url: str | None, args, label: str, var_dir: str, extra_env: dict[str, str], rows: list) -> dict:
    env = {**kepu_env(url, var_dir=var_dir), **extra_env}
    run([*KEPU, "migrate", "-v0", "--no-input"], env)
    print(f"kepu gendata --scale {args.scale} on {label} ...", flush=True)
    wall, _out = run([*KEPU, "gendata", "--scale", args.scale, "--json"], env)
    rows.append((f"kepu gendata --scale {args.scale} (wall), {label}, no registrations or records", "-", "1",
                 f"{wall:.1f} s", "-"))
    return measure(env, runs=args.runs)


if __name__ == "__main__":
    sys.exit(main())
