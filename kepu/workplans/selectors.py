"""Reads for the pages, the API, the reports and the reminder command.

Overdue is computed here, never stored: for a unit that has not finished its task, every period
whose deadline has passed without a pending or accepted report (`MISSING`), and the task itself
once its due date has passed (`TASK_LATE`). `overdue_scan` finds them over many plans in a few
queries; the per-plan reads (`board`, `unit_stats`, `bulletin`) load one plan's reports at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from kepu.accounts.models import Role, RoleAssignment
from kepu.accounts.scope import scope_of

from .models import (
    ACTIVE_REPORT,
    Assignment,
    Plan,
    ProgressReport,
    ReportStatus,
    Section,
    Task,
    TaskStatus,
)
from .periods import Period, last_due_no, period, period_no
from .policies import assignment_policy, plan_policy, report_policy, task_policy

MISSING = "missing"  # a period's report is missing after its deadline
TASK_LATE = "task_late"  # the task's due date passed and the unit has not finished
RETURNED = "returned"  # the period's report was returned and not sent in again


def plan_periods(plan: Plan) -> list[Period]:
    """Every reporting period of the plan, oldest first."""
    return [period(plan.rhythm, no, plan.grace_days)
            for no in range(period_no(plan.rhythm, plan.starts_on), plan.last_period + 1)]


def due_periods(plan: Plan, task: Task, today: datetime.date) -> list[int]:
    """The periods of `task` whose deadline has passed by `today`."""
    last = min(last_due_no(plan.rhythm, plan.grace_days, today), plan.last_period)
    return list(range(task.first_period, last + 1))


# --- one plan -----------------------------------------------------------------------------------------


@dataclass
class UnitState:
    """One unit's standing on one task."""

    assignment: Assignment
    reports: list[ProgressReport]  # every report of the assignment, oldest first
    missing: list[int]  # due periods without a pending or accepted report
    returned: list[ProgressReport]  # returned reports whose period has no newer report
    late_task: bool

    @property
    def unit(self):
        return self.assignment.unit

    @property
    def latest(self) -> ProgressReport | None:
        active = [r for r in self.reports if r.status in ACTIVE_REPORT]
        return active[-1] if active else None

    @property
    def overdue(self) -> bool:
        return bool(self.missing or self.late_task)

    @property
    def pending(self) -> list[ProgressReport]:
        return [r for r in self.reports if r.status == ReportStatus.SUBMITTED]


@dataclass
class TaskRow:
    task: Task
    units: list[UnitState]

    @property
    def overdue(self) -> bool:
        return any(u.overdue for u in self.units)

    @property
    def returned(self) -> bool:
        return any(u.returned for u in self.units)

    @property
    def latest(self) -> ProgressReport | None:
        reports = [u.latest for u in self.units if u.latest]
        return max(reports, key=lambda r: (r.reported_on, r.submitted_at)) if reports else None

    @property
    def board_status(self) -> str:
        """What the board colours: overdue and returned before the stored status."""
        if self.task.status == TaskStatus.DONE:
            return TaskStatus.DONE
        if self.overdue:
            return "overdue"
        if self.returned:
            return "returned"
        return self.task.status


@dataclass
class SectionRows:
    section: Section | None
    rows: list[TaskRow] = field(default_factory=list)
    children: list[SectionRows] = field(default_factory=list)

    def all_rows(self) -> list[TaskRow]:
        return self.rows + [r for c in self.children for r in c.all_rows()]


def _unit_states(plan: Plan, assignments: list[Assignment], today: datetime.date) -> dict[int, list[UnitState]]:
    reports: dict[int, list[ProgressReport]] = defaultdict(list)
    for r in (ProgressReport.objects.filter(assignment__in=[a.pk for a in assignments])
              .order_by("period", "submitted_at", "id")):
        reports[r.assignment_id].append(r)
    out: dict[int, list[UnitState]] = defaultdict(list)
    for a in assignments:
        mine = reports.get(a.pk, [])
        active = {r.period for r in mine if r.status in ACTIVE_REPORT}
        returned = [r for r in mine if r.status == ReportStatus.RETURNED and r.period not in active]
        done = a.done_on is not None
        missing = [] if done else [no for no in due_periods(plan, a.task, today) if no not in active]
        late = not done and a.task.due_on is not None and a.task.due_on < today
        out[a.task_id].append(UnitState(a, mine, missing, returned, late))
    return out


def task_rows(plan: Plan, user, *, unit_id: int | None = None, today: datetime.date | None = None,
              tasks=None) -> list[TaskRow]:
    """The plan's tasks the user may see (a liaison: its units' tasks), each with its units' state."""
    today = today or timezone.localdate()
    if tasks is None:
        tasks = task_policy.visible_to(user).filter(plan=plan)
    if unit_id:
        tasks = tasks.filter(assignments__unit_id=unit_id)
    tasks = list(tasks.select_related("lead_unit__region", "section").order_by("order", "id").distinct())
    by_id = {t.pk: t for t in tasks}
    assignments = list(assignment_policy.visible_to(user).filter(task_id__in=by_id)
                       .select_related("unit__region").order_by("task_id", "-lead", "unit__name"))
    for a in assignments:
        a.task = by_id[a.task_id]
    states = _unit_states(plan, assignments, today)
    return [TaskRow(t, states.get(t.pk, [])) for t in tasks]


def board(plan: Plan, user, *, unit_id: int | None = None, status: str = "",
          today: datetime.date | None = None, rows: list[TaskRow] | None = None) -> list[SectionRows]:
    """The plan board: sections (and their parts) with their task rows, filtered by unit and by
    board status (done, overdue, returned, in_progress, not_started); `rows` when the caller has
    them already (task_rows of the same plan, user and unit)."""
    if rows is None:
        rows = task_rows(plan, user, unit_id=unit_id, today=today)
    if status:
        rows = [r for r in rows if r.board_status == status]
    sections = list(plan.sections.order_by("order"))
    groups = {s.pk: SectionRows(s) for s in sections}
    top: list[SectionRows] = []
    for s in sections:
        (groups[s.parent_id].children if s.parent_id in groups else top).append(groups[s.pk])
    loose = SectionRows(None)
    for row in rows:
        groups.get(row.task.section_id, loose).rows.append(row)
    out = [g for g in top if g.all_rows()]
    return out + ([loose] if loose.rows else [])


def board_counts(rows: list[TaskRow]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.board_status] += 1
    counts["total"] = len(rows)
    return dict(counts)


# --- many plans -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    assignment_id: int
    task_id: int
    plan_id: int
    unit_id: int
    kind: str  # MISSING or TASK_LATE
    missing: int = 0  # how many periods are missing


def overdue_scan(plans, today: datetime.date | None = None, *, user=None) -> list[OverdueItem]:
    """Every unit with overdue work in `plans` (a queryset): the periods missing after their
    deadline, and tasks past their due date; with `user`, only the units whose work the user sees
    (a liaison: its own). A few queries for any number of plans: plans with the same rhythm and
    grace days share their last due period."""
    today = today or timezone.localdate()
    assignments = assignment_policy.visible_to(user)
    items: list[OverdueItem] = []
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, rhythm, grace in plans.values_list("pk", "rhythm", "grace_days"):
        groups[(rhythm, grace)].append(pk)
    for (rhythm, grace), plan_ids in groups.items():
        last_due = last_due_no(rhythm, grace, today)
        open_ = assignments.filter(task__plan_id__in=plan_ids, done_on__isnull=True)
        due_last = Least(Value(last_due), F("task__plan__last_period"), output_field=IntegerField())
        reported = (ProgressReport.objects
                    .filter(assignment=OuterRef("pk"), status__in=ACTIVE_REPORT,
                            period__gte=OuterRef("task__first_period"), period__lte=OuterRef("due_last"))
                    .order_by().values("assignment").annotate(n=Count("pk")).values("n"))
        rows = (open_.annotate(due_last=due_last)
                .annotate(due=F("due_last") - F("task__first_period") + 1,
                          reported=Coalesce(Subquery(reported, output_field=IntegerField()), 0))
                .filter(due__gt=F("reported")).order_by()
                .values_list("pk", "task_id", "task__plan_id", "unit_id", "due", "reported"))
        items += [OverdueItem(pk, task, plan, unit, MISSING, due - done) for pk, task, plan, unit, due, done in rows]
    late = (assignments.filter(task__plan__in=plans, done_on__isnull=True, task__due_on__lt=today)
            .values_list("pk", "task_id", "task__plan_id", "unit_id"))
    items += [OverdueItem(pk, task, plan, unit, TASK_LATE) for pk, task, plan, unit in late]
    return items


def overdue_task_ids(plans, today: datetime.date | None = None, *, user=None) -> set[int]:
    return {i.task_id for i in overdue_scan(plans, today, user=user)}


# --- a unit's work --------------------------------------------------------------------------------------


def my_tasks(user, today: datetime.date | None = None) -> list[TaskRow]:
    """The tasks of the user's liaison units across the plans, the overdue and returned first."""
    units = scope_of(user).unit_ids({Role.UNIT_LIAISON})
    if not units:
        return []
    today = today or timezone.localdate()
    out: list[TaskRow] = []
    tasks = task_policy.visible_to(user).filter(assignments__unit_id__in=units).distinct()
    for plan in Plan.objects.filter(pk__in=tasks.values("plan_id")).select_related("region"):
        rows = task_rows(plan, user, tasks=tasks.filter(plan=plan), today=today)
        for row in rows:
            row.task.plan = plan
            row.units = [u for u in row.units if u.assignment.unit_id in units]
        out += rows
    order = {"overdue": 0, "returned": 1, TaskStatus.IN_PROGRESS: 2, TaskStatus.NOT_STARTED: 3, TaskStatus.DONE: 4}
    return sorted(out, key=lambda r: (order.get(r.board_status, 5), r.task.due_on or datetime.date.max,
                                      r.task.plan_id, r.task.order))


# --- statistics and supervision -------------------------------------------------------------------------


@dataclass
class UnitStats:
    unit: object
    tasks: int = 0
    done: int = 0
    on_time: int = 0  # reports sent in by the deadline (pending or accepted)
    late: int = 0  # reports sent in after the deadline
    returned: int = 0  # reports returned
    missing: int = 0  # due periods without a report
    late_tasks: int = 0  # tasks past their due date, not done
    has_liaison: bool = True  # someone receives the unit's reminders

    @property
    def on_time_rate(self) -> float | None:
        sent = self.on_time + self.late
        return self.on_time / sent if sent else None


def unit_stats(plan: Plan, user, today: datetime.date | None = None) -> list[UnitStats]:
    """Per unit of the plan: tasks, done, reports on time / late / returned, missing periods."""
    stats: dict[int, UnitStats] = {}
    for row in task_rows(plan, user, today=today):
        for state in row.units:
            s = stats.setdefault(state.unit.pk, UnitStats(state.unit))
            s.tasks += 1
            s.done += state.assignment.done_on is not None
            s.on_time += sum(1 for r in state.reports if r.status in ACTIVE_REPORT and not r.late)
            s.late += sum(1 for r in state.reports if r.status in ACTIVE_REPORT and r.late)
            s.returned += sum(1 for r in state.reports if r.status == ReportStatus.RETURNED)
            s.missing += len(state.missing)
            s.late_tasks += state.late_task
    with_liaison = set(RoleAssignment.objects.filter(role=Role.UNIT_LIAISON, unit_id__in=stats, user__is_active=True)
                       .values_list("unit_id", flat=True))
    for unit_id, s in stats.items():
        s.has_liaison = unit_id in with_liaison
    return sorted(stats.values(), key=lambda s: (-(s.missing + s.late_tasks + s.returned), s.unit.name))


@dataclass
class BulletinEntry:
    """A unit named in the supervision bulletin, with what it owes."""

    unit: object
    missing: list[tuple[Task, list[int]]] = field(default_factory=list)  # task, missing periods
    late_tasks: list[Task] = field(default_factory=list)
    returned: list[tuple[Task, ProgressReport]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(p) for _t, p in self.missing) + len(self.late_tasks) + len(self.returned)


def bulletin(plan: Plan, user, today: datetime.date | None = None) -> list[BulletinEntry]:
    """The units with overdue or returned items on `today`, the most items first (督查通报)."""
    entries: dict[int, BulletinEntry] = {}
    for row in task_rows(plan, user, today=today):
        for state in row.units:
            if not (state.missing or state.late_task or state.returned):
                continue
            entry = entries.setdefault(state.unit.pk, BulletinEntry(state.unit))
            if state.missing:
                entry.missing.append((row.task, state.missing))
            if state.late_task:
                entry.late_tasks.append(row.task)
            entry.returned += [(row.task, r) for r in state.returned]
    return sorted(entries.values(), key=lambda e: (-e.count, e.unit.name))


def task_statuses(plan: Plan, user) -> list[tuple[int, str]]:
    """(task id, stored status) of the plan's tasks the user sees."""
    return list(task_policy.visible_to(user).filter(plan=plan).values_list("pk", "status"))


def in_year_q(year: int) -> Q:
    """Plans of the year, and plans without one whose dates span it."""
    return Q(year=year) | Q(year__isnull=True, starts_on__year__lte=year, ends_on__year__gte=year)


def visible_plans(user, *, region=None, year: int | None = None):
    """Plans the user sees, newest first."""
    qs = plan_policy.visible_to(user).select_related("region")
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if year:
        qs = qs.filter(in_year_q(year))
    return qs.order_by("-starts_on", "code")


def plan_with_counts(plans, user):
    """Plans annotated with the counts of their tasks the user sees (a liaison: its units'), by status."""
    visible = Q(tasks__in=task_policy.visible_to(user).values("pk"))
    return plans.annotate(
        task_total=Count("tasks", filter=visible, distinct=True),
        task_done=Count("tasks", filter=visible & Q(tasks__status=TaskStatus.DONE), distinct=True),
    )


def pending_reports(plan: Plan, user):
    """Reports of the plan waiting for a decision, oldest first."""
    return (report_policy.visible_to(user).filter(assignment__task__plan=plan, status=ReportStatus.SUBMITTED)
            .select_related("assignment__task", "assignment__unit").prefetch_related(Prefetch("files"))
            .order_by("submitted_at", "id"))


def latest_reports(user, tasks: list[Task]) -> dict[int, ProgressReport]:
    """Per task, its latest pending or accepted report among those the user sees (two queries)."""
    reports = (report_policy.visible_to(user).filter(assignment__task=OuterRef("pk"), status__in=ACTIVE_REPORT)
               .order_by("-reported_on", "-submitted_at", "-id").values("pk")[:1])
    pairs = dict(Task.objects.filter(pk__in=[t.pk for t in tasks]).annotate(latest=Subquery(reports))
                 .filter(latest__isnull=False).values_list("pk", "latest"))
    found = ProgressReport.objects.in_bulk(pairs.values())
    return {task: found[report] for task, report in pairs.items() if report in found}
