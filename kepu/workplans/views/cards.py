"""What the task pages show: a task with each unit's periods, reports and what the user may do."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects

from kepu.orgs.models import Unit

from .. import selectors
from ..models import ACTIVE_REPORT, Assignment, Plan, ProgressReport, ReportStatus, Task
from ..periods import Period, period, period_label
from ..policies import assignment_policy, report_policy
from ..services import progress as services
from ..templatetags.workplans import board_colour, board_label


@dataclass
class ReportItem:
    """A report on a page with its period's name and what the user may do to it."""

    report: ProgressReport
    label: str
    can_change: bool = False
    can_review: bool = False


@dataclass
class PeriodState:
    """One period a unit reports for: its report (pending, accepted, or the last returned one)."""

    period: Period
    status: str  # accepted, submitted, returned, open (nothing sent in)
    overdue: bool  # its deadline passed without a pending or accepted report
    report: ProgressReport | None = None


@dataclass
class UnitCard:
    """A unit's standing on a task: its periods, what is missing or returned, its reports."""

    state: selectors.UnitState
    periods: list[PeriodState]  # newest first
    missing: list[Period]
    returned: list[ReportItem]
    reports: list[ReportItem]  # newest first
    latest: ReportItem | None
    can_report: bool

    @property
    def assignment(self) -> Assignment:
        return self.state.assignment

    @property
    def unit(self) -> Unit:
        return self.state.assignment.unit


@dataclass
class TaskCard:
    task: Task
    board_status: str
    units: list[UnitCard] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return board_label(self.board_status)

    @property
    def status_css(self) -> str:
        return board_colour(self.board_status)


def report_item(user, report: ProgressReport, plan: Plan) -> ReportItem:
    pending = report.status == ReportStatus.SUBMITTED
    return ReportItem(report, period_label(plan.rhythm, report.period),
                      can_change=pending and report_policy.can(user, "change", report),
                      can_review=pending and report_policy.can(user, "review", report))


def unit_card(user, plan: Plan, state: selectors.UnitState, today: datetime.date) -> UnitCard:
    a = state.assignment
    for r in state.reports:
        r.assignment = a  # the policies read the plan through it; spare a query per report
    active = {r.period: r for r in state.reports if r.status in ACTIVE_REPORT}
    returned = {r.period: r for r in state.returned}
    missing = set(state.missing)
    periods = []
    for no in services.reportable_periods(a, today):
        report = active.get(no) or returned.get(no)
        status = report.status if report else "open"
        periods.append(PeriodState(period(plan.rhythm, no, plan.grace_days), status, no in missing, report))
    items = {r.pk: report_item(user, r, plan) for r in state.reports}
    can_report = (a.done_on is None and any(p.status not in ACTIVE_REPORT for p in periods)
                  and assignment_policy.can(user, "report", a))
    return UnitCard(
        state, periods,
        missing=[period(plan.rhythm, no, plan.grace_days) for no in state.missing],
        returned=[items[r.pk] for r in reversed(state.returned)],
        reports=[items[r.pk] for r in reversed(state.reports)],
        latest=items[state.latest.pk] if state.latest else None,
        can_report=can_report,
    )


def task_card(user, row: selectors.TaskRow, today: datetime.date) -> TaskCard:
    plan = row.task.plan
    return TaskCard(row.task, row.board_status, [unit_card(user, plan, s, today) for s in row.units])


def prefetch_files(cards: list[TaskCard]) -> None:
    prefetch_related_objects([r.report for c in cards for u in c.units for r in u.reports], "files")
