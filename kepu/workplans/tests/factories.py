"""Plans for tests, built through the services (so that periods and assignments are as in use)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kepu.core.reference import REFERENCE_DIR
from kepu.orgs.models import Unit
from kepu.regions.models import Region

from ..models import Plan, Rhythm
from ..periods import period_no
from ..plans import parse_plan
from ..services.plans import plan_create, plan_load, section_save, task_create
from ..services.progress import report_review, report_submit

WORK_POINTS = REFERENCE_DIR / "cq-2022-work-points.yaml"


def work_points() -> Plan:
    """The 2022 Chongqing work points, loaded from the reference file (45 tasks, 31 units)."""
    return plan_load(actor=None, spec=parse_plan(WORK_POINTS.read_bytes()))[0]


def unit(name: str, region: str = "500118") -> Unit:
    return Unit.objects.get(region__code=region, name=name)


def make_plan(*, region: str = "500118", code: str = "yc-plan", title: str = "永川区科普工作要点",
              year: int = 2026, rhythm: str = Rhythm.QUARTERLY, grace_days: int = 10,
              starts_on: datetime.date | None = None, ends_on: datetime.date | None = None,
              tasks: int = 2, units: tuple[str, ...] = ("区教委", "区科协"), due_on=None) -> Plan:
    """A plan of `region` with one section and `tasks` tasks, each assigned to `units` (the first
    the lead unit)."""
    plan = plan_create(actor=None, region=Region.objects.get(code=region), code=code, title=title, year=year,
                       starts_on=starts_on or datetime.date(year, 1, 1), ends_on=ends_on or datetime.date(year, 12, 31),
                       rhythm=rhythm, grace_days=grace_days)
    section = section_save(actor=None, plan=plan, number="一", title="重点任务")
    members = [unit(n, region) for n in units]
    for n in range(1, tasks + 1):
        task_create(actor=None, plan=plan, section=section, number=str(n), text=f"第 {n} 项任务的内容。",
                    lead_unit=members[0], responsible_units=members[1:], due_on=due_on)
    plan.refresh_from_db()
    return plan


def submit(assignment, *, period: int, percent: int = 50, text: str = "按计划推进。", when=None, actor=None,
           accept: bool | None = None):
    """A report for `period` sent in at `when` (default now), optionally decided."""
    when = when or timezone.now()
    report = report_submit(actor=actor, assignment=assignment, period=period, text=text, percent=percent,
                           reported_on=timezone.localdate(when), now=when)
    if accept is not None:
        report_review(actor=None, report=report, accept=accept, comment="" if accept else "材料不全，请补充。")
    return report


def page(response) -> str:
    return response.content.decode()


def today() -> datetime.date:
    return timezone.localdate()


def current() -> int:
    """The number of this quarter (quarterly plans)."""
    return period_no(Rhythm.QUARTERLY, today())
