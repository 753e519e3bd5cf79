"""Work plan benchmark: the plan board, the overdue scan and the supervision bulletin on 100 plans.

    .venv/bin/python bench/workplans.py [--plans 100] [--tasks 50] [--units 60] [--per-task 5] [--runs 5]
                                        [--database-url postgres://...] [--no-postgres] [--no-sqlite] [--json FILE]

The data (generated with bulk_create, not through the services; seeded): a pool of 60 units in
永川区; 100 monthly plans of last year (so that every one of the 12 periods is due), each with 5
sections of 10 tasks (a fifth of the tasks due on 30 June); each task assigned to 5 units of the
pool (the first the lead), about 25,000 assignments; for each assignment a report a month, about
300,000 reports: 4 % of the months missing, 7 % of the reports late, 3 % returned (two thirds of
them sent again and accepted), December's report still pending for a quarter of the units, the
others accepted; 30 % of the units finish with a 100 % report in December (done). The plan's
admin is `bench_wp_admin` (区域管理员 of 永川区).

On each database, freshly migrated with the reference data (SQLite in a temp KEPU_VAR_DIR;
PostgreSQL on a throwaway cluster of bench/activities.py, or the database of --database-url, which
must hold no plans), `setup` fills it in a subprocess (PostgreSQL then ANALYZEd, as autovacuum would),
and `measure` times in another, after one untimed call, `--runs` calls of each figure (median and
maximum):

* the board of one plan as its region admin: `selectors.board(plan, admin)`, and the page
  GET /workplans/plans/<pk>/ through Django's test client (in-process, no HTTP server);
* the overdue scan over the 100 plans: `selectors.overdue_scan(Plan.objects.all())`;
* the supervision bulletin of one plan: `selectors.bulletin`, and with the documents
  (kepu/workplans/reports: `bulletin_data`, `bulletin_docx`, `bulletin_workbook`).

Targets: board and overdue scan under 500 ms on PostgreSQL, the bulletin with Word and Excel under
3 s. The JSON has each figure's statement count and, for the overdue scan, the plan of its slowest
statement (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

`run_workplans_bench(...)` returns the figures for bench/run.py; `table_rows(results)` its table rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from activities import Postgres, Unavailable, last_json, say
from common import database_version, django_setup, kepu_env, run_command

KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]
ADMIN = "bench_wp_admin"
REGION = "500118"
SECTIONS = ("一", "二", "三", "四", "五")
TARGETS_MS = {"board": 500, "page": 500, "overdue": 500, "bulletin": 3000, "documents": 3000}
PG_ONLY = {"board", "page", "overdue"}  # the targets for these are on PostgreSQL
TEXTS = ("按计划推进，本月完成既定工作。", "组织开展专题活动，相关台账已归档。", "召开推进会研究部署，落实责任分工。",
         "完成阶段性任务，正在整理总结材料。", "受天气影响部分活动延期，已调整安排。")
RETURN_COMMENT = "进展情况过于笼统，请补充具体数据。"


# --- setup (in a subprocess) --------------------------------------------------------------------------------


def _outcomes(rng: random.Random, months: int) -> list[dict]:
    """One assignment's monthly reports: a dict per report row (a returned month has two rows)."""
    done = rng.random() < 0.3
    rows = []
    for m in range(1, months + 1):
        last = m == months
        if rng.random() < 0.04 and not (done and last):
            continue  # missing
        percent = 100 if done and last else min(95, max(1, round(m * 95 / months) + rng.randint(-4, 4)))
        late = rng.random() < 0.07
        if last and not done and rng.random() < 0.25:
            rows.append({"m": m, "percent": percent, "late": late, "status": "submitted"})
            continue
        if rng.random() < 0.03 and not (done and last):
            rows.append({"m": m, "percent": percent, "late": late, "status": "returned"})
            if rng.random() < 2 / 3:
                rows.append({"m": m, "percent": percent, "late": True, "status": "accepted", "again": True})
            continue
        rows.append({"m": m, "percent": percent, "late": late, "status": "accepted"})
    return rows


def _final_percent(rows: list[dict]) -> int:
    """The unit's progress: the percentage of its latest accepted report."""
    accepted = [r for r in rows if r["status"] == "accepted"]
    return accepted[-1]["percent"] if accepted else 0


def cmd_setup(plans: int, tasks: int, units: int, per_task: int, seed: int) -> dict:
    """Fill the (migrated, reference-loaded) database; print what was made."""
    django_setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from kepu.accounts.models import Role
    from kepu.accounts.services import role_grant, user_create
    from kepu.orgs.models import Unit, UnitType
    from kepu.regions.models import Region
    from kepu.workplans.models import (
        Assignment,
        Plan,
        PlanKind,
        PlanMember,
        ProgressReport,
        Rhythm,
        Section,
        Task,
        TaskStatus,
    )
    from kepu.workplans.periods import period, period_no

    if Plan.objects.exists():
        raise SystemExit("the database already holds plans: give the benchmark an empty one")
    started = time.perf_counter()
    rng = random.Random(seed)
    tz = ZoneInfo("Asia/Shanghai")
    year = timezone.localdate().year - 1
    months = 12
    region = Region.objects.get(code=REGION)
    pool = Unit.objects.bulk_create([Unit(name=f"基准责任单位{n:02d}", type=UnitType.PARTY_GOVERNMENT, region=region)
                                     for n in range(1, units + 1)])
    admin = user_create(actor=None, username=ADMIN, password=None, display_name="基准区域管理员")
    role_grant(actor=None, user=admin, role=Role.REGION_ADMIN, region=region)
    first = period_no(Rhythm.MONTHLY, datetime.date(year, 1, 1))
    periods = [period(Rhythm.MONTHLY, first + m - 1, 10) for m in range(1, months + 1)]
    counts = {"plans": plans, "tasks": 0, "units": units, "assignments": 0, "reports": 0, "late": 0, "returned": 0,
              "pending": 0, "missing_months": 0, "done_assignments": 0, "year": year}

    def moment(day: datetime.date, hour: int) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)

    with transaction.atomic():
        plan_rows = Plan.objects.bulk_create([
            Plan(code=f"bench-wp-{i:03d}", title=f"基准工作计划 {i:03d}", region=region, region_path=region.path,
                 kind=PlanKind.WORK_POINTS, issuer="基准发文单位", year=year, starts_on=datetime.date(year, 1, 1),
                 ends_on=datetime.date(year, 12, 31), rhythm=Rhythm.MONTHLY, grace_days=10,
                 last_period=first + months - 1) for i in range(1, plans + 1)])
        for plan in plan_rows:
            sections = Section.objects.bulk_create([Section(plan=plan, number=n, title=f"第{n}部分重点任务", order=k)
                                                    for k, n in enumerate(SECTIONS)])
            used: dict[int, Unit] = {}
            specs = []
            for t in range(tasks):
                chosen = rng.sample(pool, per_task)
                due_on = datetime.date(year, 6, 30) if rng.random() < 0.2 else None
                outcomes = [_outcomes(rng, months) for _u in chosen]
                specs.append((t, chosen, due_on, outcomes))
                used.update({u.pk: u for u in chosen})
            PlanMember.objects.bulk_create([PlanMember(plan=plan, unit=u) for u in used.values()])
            task_rows, assignment_rows, report_specs = [], [], []
            for t, chosen, due_on, outcomes in specs:
                percents = [_final_percent(rows) for rows in outcomes]
                task_rows.append(Task(
                    plan=plan, section=sections[t * len(SECTIONS) // tasks], number=str(t + 1), order=t,
                    text=f"第 {t + 1} 项任务：组织开展科普活动，完善工作机制，按期报送进展。", lead_unit=chosen[0],
                    unit_names={"lead": [chosen[0].name], "responsible": [u.name for u in chosen[1:]]},
                    due_on=due_on, first_period=first, percent=round(sum(percents) / len(percents)),
                    status=TaskStatus.DONE if min(percents) >= 100 else TaskStatus.IN_PROGRESS))
            Task.objects.bulk_create(task_rows)
            for task, (_t, chosen, _due, outcomes) in zip(task_rows, specs, strict=True):
                for n, (unit, rows) in enumerate(zip(chosen, outcomes, strict=True)):
                    percent = _final_percent(rows)
                    done_on = periods[-1].end if percent >= 100 else None
                    assignment_rows.append(Assignment(task=task, unit=unit, lead=n == 0, percent=percent,
                                                      done_on=done_on))
                    report_specs.append(rows)
            Assignment.objects.bulk_create(assignment_rows)
            reports = []
            for a, rows in zip(assignment_rows, report_specs, strict=True):
                counts["missing_months"] += months - len({r["m"] for r in rows})
                counts["done_assignments"] += a.done_on is not None
                for r in rows:
                    p = periods[r["m"] - 1]
                    if r.get("again"):
                        day = p.deadline + datetime.timedelta(days=rng.randint(3, 15))
                    elif r["late"]:
                        day = p.deadline + datetime.timedelta(days=rng.randint(1, 20))
                    else:
                        day = p.end + datetime.timedelta(days=rng.randint(-3, 9))
                    submitted = moment(day, rng.randint(8, 17))
                    reviewed = None if r["status"] == "submitted" else submitted + datetime.timedelta(
                        days=rng.randint(1, 5))
                    reports.append(ProgressReport(
                        assignment=a, period=p.no, text=rng.choice(TEXTS), percent=r["percent"], reported_on=day,
                        status=r["status"], late=day > p.deadline, submitted_at=submitted, reviewed_at=reviewed,
                        review_comment=RETURN_COMMENT if r["status"] == "returned" else ""))
                    counts["late"] += day > p.deadline
                    counts["returned"] += r["status"] == "returned"
                    counts["pending"] += r["status"] == "submitted"
            ProgressReport.objects.bulk_create(reports, batch_size=5000)
            counts["tasks"] += len(task_rows)
            counts["assignments"] += len(assignment_rows)
            counts["reports"] += len(reports)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["database"] = database_version()
    return counts


# --- measuring (in a subprocess) ------------------------------------------------------------------------------


def _timed(func, runs: int) -> dict:
    """One untimed call (its SQL statements counted), then `runs` timed ones: median and max in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = func()
    statements = len(queries)  # now: a request's start clears the log it reads
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        timings.append((time.perf_counter() - started) * 1000)
    return {"runs": runs, "median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1),
            "statements": statements, "result": result}


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def _slowest_statement(func) -> dict:
    """The slowest SQL statement of one call of `func`, and its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        func()
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    return {"ms": round(float(slowest["time"]) * 1000, 1), "sql": slowest["sql"][:4000],
            "plan": _explain(slowest["sql"])}


def cmd_measure(runs: int) -> dict:
    """Time the board, the page, the overdue scan and the bulletin (with its documents)."""
    django_setup()
    from django.test import Client
    from django.utils import timezone

    from kepu.accounts.models import User
    from kepu.workplans import selectors
    from kepu.workplans.models import Plan

    today = timezone.localdate()
    admin = User.objects.get(username=ADMIN)
    plan = Plan.objects.get(code="bench-wp-001")
    out: dict = {"database": database_version(), "today": today.isoformat(), "plan": plan.code, "figures": {}}
    figures = out["figures"]

    def board():
        groups = selectors.board(plan, admin, today=today)
        return sum(len(g.all_rows()) for g in groups)

    figures["board"] = _timed(board, runs)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = f"/workplans/plans/{plan.pk}/"
    status = client.get(url).status_code
    if status == 200:
        figures["page"] = _timed(lambda: len(client.get(url).content), runs)
        figures["page"]["url"] = url
    else:
        figures["page"] = {"skipped": f"GET {url} answered {status}"}

    def overdue():
        return len(selectors.overdue_scan(Plan.objects.all(), today))

    figures["overdue"] = _timed(overdue, runs)
    figures["overdue"]["slowest"] = _slowest_statement(overdue)

    def bulletin():
        return len(selectors.bulletin(plan, admin, today))

    figures["bulletin"] = _timed(bulletin, runs)
    try:
        from kepu.workplans.reports import bulletin_data, bulletin_docx, bulletin_workbook
    except ImportError as exc:
        figures["documents"] = {"skipped": f"kepu/workplans/reports cannot be imported ({exc})"}
    else:
        def documents():
            b = bulletin_data(plan, admin, today)
            return len(bulletin_docx(b)), len(bulletin_workbook(b))

        figures["documents"] = _timed(documents, runs)
    return out


# --- the whole thing ------------------------------------------------------------------------------------------


def _over(results: dict, label: str) -> list[str]:
    postgres = label == "PostgreSQL"
    out = []
    for key, figure in results.get("figures", {}).items():
        target = TARGETS_MS.get(key)
        if "median_ms" not in figure or target is None or (key in PG_ONLY and not postgres):
            continue
        if figure["median_ms"] > target:
            out.append(f"work plans, {key} ({label}): {figure['median_ms']:.0f} ms median, over the {target} ms target")
    return out


def _one_database(label: str, env: dict[str, str], args) -> dict:
    run_command([*KEPU, "migrate", "-v0", "--no-input"], env)
    run_command([*KEPU, "loadreference"], env)
    say(f"work plans: generating {args.plans} plans × {args.tasks} tasks on {label} ...")
    wall, out = run_command([*SELF, "setup", "--plans", str(args.plans), "--tasks", str(args.tasks),
                             "--units", str(args.units), "--per-task", str(args.per_task)], env)
    data = last_json(out)
    say(f"  {data['reports']:,} reports in {data['seconds']} s; measuring ({args.runs} runs each) ...")
    measured = last_json(run_command([*SELF, "measure", "--runs", str(args.runs)], env)[1])
    result = {"label": label, "data": data, "setup_wall_s": round(wall, 1), **measured}
    result["over_target"] = _over(result, label)
    return result


def run_workplans_bench(args) -> list[dict]:
    """The figures on SQLite and on PostgreSQL (a throwaway cluster, or --database-url): one dict each."""
    results: list[dict] = []
    scratch = Path(tempfile.mkdtemp(prefix="kepu-bench-workplans-"))
    try:
        if not args.no_sqlite:
            results.append(_one_database("SQLite", kepu_env(None, var_dir=str(scratch / "sqlite")), args))
        if args.database_url:
            results.append(_one_database("PostgreSQL", kepu_env(args.database_url, var_dir=str(scratch / "pg")), args))
        elif not args.no_postgres:
            try:
                with Postgres() as pg:
                    env = kepu_env(pg.createdb("kepu_workplans"), var_dir=str(scratch / "pg"))
                    results.append(_one_database("PostgreSQL", env, args))
            except Unavailable as exc:
                results.append({"label": "PostgreSQL", "skipped": str(exc)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


LABELS = {
    "board": "plan board, selectors.board (one plan, region admin)",
    "page": "plan board page, GET /workplans/plans/<pk>/",
    "overdue": "overdue scan, selectors.overdue_scan (100 plans)",
    "bulletin": "supervision bulletin, selectors.bulletin (one plan)",
    "documents": "supervision bulletin + Word + Excel (one plan)",
}


def data_size(data: dict) -> str:
    return (f"{data['plans']} plans × {data['tasks'] // max(data['plans'], 1)} tasks, {data['units']} units, "
            f"{data['assignments']:,} assignments, {data['reports']:,} reports ({data['late']:,} late, "
            f"{data['returned']:,} returned, {data['pending']:,} pending, {data['missing_months']:,} months missing)")


def table_rows(results: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """Rows (what, data size, runs, median, max) for bench/run.py's table."""
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append((f"work plans ({r['label']}): skipped, {r['skipped']}", "-", "0", "-", "-"))
            continue
        d = r["data"]
        rows.append((f"work plans: bulk-generated data, {r['database']} (inside the command)", data_size(d), "1",
                     f"{d['seconds']:.1f} s", "-"))
        size = f"{d['plans']} plans, {d['assignments']:,} assignments, {d['reports']:,} reports"
        for key, label in LABELS.items():
            f = r["figures"].get(key, {})
            if "skipped" in f:
                rows.append((f"{label}, {r['label']}: skipped ({f['skipped']})", size, "0", "-", "-"))
            elif f:
                rows.append((f"{label}, {r['label']} ({f['statements']} statements)", size, str(f["runs"]),
                             f"{f['median_ms']:,.0f} ms", f"max {f['max_ms']:,.0f} ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    setup = sub.add_parser("setup")
    measure = sub.add_parser("measure")
    for p in (parser, setup):
        p.add_argument("--plans", type=int, default=100)
        p.add_argument("--tasks", type=int, default=50, help="tasks per plan")
        p.add_argument("--units", type=int, default=60, help="the pool of units the tasks are assigned to")
        p.add_argument("--per-task", type=int, default=5, help="units per task")
    setup.add_argument("--seed", type=int, default=2022)
    for p in (parser, measure):
        p.add_argument("--runs", type=int, default=5, help="timed runs of each figure after one untimed call")
    parser.add_argument("--database-url", help="a PostgreSQL database without plans, instead of a throwaway cluster")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.command == "setup":
        print(json.dumps(cmd_setup(args.plans, args.tasks, args.units, args.per_task, args.seed), ensure_ascii=False))
        return 0
    if args.command == "measure":
        print(json.dumps(cmd_measure(args.runs), ensure_ascii=False))
        return 0
    if not (1 <= args.per_task <= args.units and args.plans >= 1 and args.tasks >= 1 and args.runs >= 1):
        parser.error("--plans, --tasks and --runs must be at least 1, and --per-task between 1 and --units")
    results = run_workplans_bench(args)
    from run import machine, table  # the same machine line and table as bench/run.py

    info = machine()
    print()
    print(f"Work plan benchmark  {time.strftime('%Y-%m-%d %H:%M')}  |  CPU: {info['cpu']}  |  nproc "
          f"{info['nproc']}  |  RAM {info['memory_gib']} GiB  |  Python {info['python']}")
    print(table(table_rows(results)))
    over = [o for r in results for o in r.get("over_target", [])]
    if over:
        print("\nover target:\n  " + "\n  ".join(over))
    for r in results:
        slowest = r.get("figures", {}).get("overdue", {}).get("slowest")
        if slowest and (over or r["label"] == "PostgreSQL"):
            print(f"\nslowest statement of the overdue scan, {r['database']} ({slowest['ms']} ms):\n{slowest['plan']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
