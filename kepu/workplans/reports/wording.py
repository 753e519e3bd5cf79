"""What the progress report, the tracking sheet and the bulletin share: the rows limited to one unit,
the counts, unit names, the problems of a unit and the sentences that name them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kepu.core.word import chinese_date

from ..models import ACTIVE_REPORT, Plan, ReportStatus, TaskStatus
from ..periods import period, period_label
from ..selectors import SectionRows, TaskRow
from ..templatetags.workplans import BOARD_STATUSES

MISSING, TASK_LATE, RETURNED = "missing", "task_late", "returned"
PROBLEM_LABELS = {
    MISSING: gettext_lazy("逾期未报送"),
    TASK_LATE: gettext_lazy("超期未完成"),
    RETURNED: gettext_lazy("退回未改"),
}


def status_label(status: str) -> str:
    return str(BOARD_STATUSES[status][1]) if status in BOARD_STATUSES else status


def unit_label(unit, plan: Plan) -> str:
    """区教委 in its own region's plan; 永川区教委 in a plan of the city."""
    return unit.name if unit.region_id == plan.region_id else unit.full_name


def issuer_of(plan: Plan) -> str:
    """Who signs the plan's documents: its issuer, else its lead unit, else its region."""
    if plan.issuer:
        return plan.issuer
    if plan.issuer_unit_id:
        return plan.issuer_unit.full_name
    return plan.region.name


def for_unit(rows: list[TaskRow], unit_id: int | None) -> list[TaskRow]:
    """The rows with only `unit_id`'s state (the status and latest progress are then the unit's own)."""
    if not unit_id:
        return rows
    return [TaskRow(r.task, [s for s in r.units if s.assignment.unit_id == unit_id]) for r in rows]


def sections_for_unit(groups: list[SectionRows], unit_id: int | None) -> list[SectionRows]:
    for group in groups:
        group.rows = for_unit(group.rows, unit_id)
        sections_for_unit(group.children, unit_id)
    return groups


def lead_text(task) -> str:
    if task.lead_unit_id:
        return task.lead_unit.name
    return "、".join((task.unit_names or {}).get("lead", []))


def responsible_text(row: TaskRow) -> str:
    """The responsible units as the plan writes them (各责任单位 stays so), else the assigned units."""
    names = (row.task.unit_names or {}).get("responsible")
    if names:
        return "、".join(names)
    return "、".join(s.unit.name for s in row.units if not s.assignment.lead)


def percent_of(row: TaskRow, unit_id: int | None) -> int:
    """The task's completion: the unit's own in a unit's report, else the task's."""
    if unit_id and row.units:
        return row.units[0].assignment.percent
    return row.task.percent


def latest_unit(row: TaskRow):
    """The unit whose report is the row's latest progress."""
    latest = row.latest
    return next((s.unit for s in row.units if latest in s.reports), None) if latest else None


@dataclass
class Counts:
    """The basic situation of a progress report."""

    tasks: int = 0
    lead: int = 0  # tasks the unit leads (a unit's report)
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    missing: int = 0


def count(rows: list[TaskRow]) -> Counts:
    c = Counts(tasks=len(rows))
    for row in rows:
        c.done += row.task.status == TaskStatus.DONE
        c.in_progress += row.task.status == TaskStatus.IN_PROGRESS
        c.not_started += row.task.status == TaskStatus.NOT_STARTED
        c.overdue += row.board_status == "overdue"
        for state in row.units:
            c.lead += state.assignment.lead
            c.on_time += sum(1 for r in state.reports if r.status in ACTIVE_REPORT and not r.late)
            c.late += sum(1 for r in state.reports if r.status in ACTIVE_REPORT and r.late)
            c.returned += sum(1 for r in state.reports if r.status == ReportStatus.RETURNED)
            c.missing += len(state.missing)
    return c


# --- problems (the bulletin, and a task's problems in the progress report) -----------------------------


@dataclass
class Problem:
    unit: object
    task: object
    kind: str  # MISSING, TASK_LATE or RETURNED
    period: int | None = None
    deadline: datetime.date | None = None
    days: int | None = None  # days past the deadline
    comment: str = ""

    @property
    def label(self) -> str:
        return str(PROBLEM_LABELS[self.kind])

    def period_text(self, plan: Plan) -> str:
        return period_label(plan.rhythm, self.period) if self.period is not None else ""


def _past(deadline: datetime.date | None, today: datetime.date) -> int | None:
    return (today - deadline).days if deadline and deadline < today else None


def missing_problem(plan: Plan, unit, task, no: int, today: datetime.date) -> Problem:
    deadline = period(plan.rhythm, no, plan.grace_days).deadline
    return Problem(unit, task, MISSING, no, deadline, _past(deadline, today))


def late_problem(unit, task, today: datetime.date) -> Problem:
    return Problem(unit, task, TASK_LATE, None, task.due_on, _past(task.due_on, today))


def returned_problem(plan: Plan, unit, task, report, today: datetime.date) -> Problem:
    deadline = period(plan.rhythm, report.period, plan.grace_days).deadline
    return Problem(unit, task, RETURNED, report.period, deadline, _past(deadline, today), report.review_comment)


def task_problems(plan: Plan, unit, task, *, missing: list[int], late: bool, returned: list,
                  today: datetime.date) -> list[Problem]:
    """What one unit owes on one task: missing periods, the task past due, returned reports. A period
    whose report was returned is named once, as returned (the selectors count it as missing too)."""
    sent_back = {r.period for r in returned}
    return ([missing_problem(plan, unit, task, no, today) for no in missing if no not in sent_back]
            + ([late_problem(unit, task, today)] if late else [])
            + [returned_problem(plan, unit, task, r, today) for r in returned])


def state_problems(plan: Plan, task, state, today: datetime.date) -> list[Problem]:
    """The problems of a selectors.UnitState."""
    return task_problems(plan, state.unit, task, missing=state.missing, late=state.late_task,
                         returned=state.returned, today=today)


def problem_phrases(plan: Plan, problems: list[Problem], *, name_task: bool = True) -> list[str]:
    """The problems of one unit in words. Tasks missing the same periods share a phrase: 任务 1、5 的
    2022 年第二季度进展逾期未报送（截止2022年7月10日）; without `name_task` (the problems of one task)
    the phrases leave out the task."""
    by_task: dict[int, list[Problem]] = {}
    for p in problems:
        if p.kind == MISSING:
            by_task.setdefault(p.task.pk, []).append(p)
    groups: dict[tuple[int, ...], list] = {}  # the same missing periods → their tasks
    for missing in by_task.values():
        groups.setdefault(tuple(q.period for q in missing), []).append(missing)
    phrases, said = [], set()
    for p in problems:
        if p.kind == MISSING:
            key = tuple(q.period for q in by_task[p.task.pk])
            if key in said:
                continue
            said.add(key)
            first = groups[key][0]
            values = {"tasks": "、".join(m[0].task.number for m in groups[key]),
                      "periods": "、".join(q.period_text(plan) for q in first),
                      "deadlines": "、".join(chinese_date(q.deadline) for q in first)}
            phrase = (_("任务 %(tasks)s 的 %(periods)s进展逾期未报送（截止%(deadlines)s）") if name_task
                      else _("%(periods)s进展逾期未报送（截止%(deadlines)s）")) % values
        elif p.kind == TASK_LATE:
            values = {"task": p.task.number, "date": chinese_date(p.deadline)}
            phrase = (_("任务 %(task)s 已超过完成时限（%(date)s）仍未完成") if name_task
                      else _("已超过完成时限（%(date)s）仍未完成")) % values
        else:
            values = {"task": p.task.number, "period": p.period_text(plan)}
            phrase = (_("任务 %(task)s 的 %(period)s进展被退回后未重新报送") if name_task
                      else _("%(period)s进展被退回后未重新报送")) % values
            if p.comment:
                phrase += _("（审核意见：%(comment)s）") % {"comment": p.comment.rstrip("。")}
        phrases.append(phrase)
    return phrases


@dataclass
class BulletinUnit:
    """A unit named in the bulletin with its problems, task by task."""

    unit: object
    label: str
    problems: list[Problem]

    def _count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    @property
    def missing(self) -> int:
        return self._count(MISSING)

    @property
    def late_tasks(self) -> int:
        return self._count(TASK_LATE)

    @property
    def returned(self) -> int:
        return self._count(RETURNED)

    @property
    def total(self) -> int:
        return len(self.problems)

    @property
    def rows(self) -> list[list[Problem]]:
        """The problems as the page lists them: a task's missing periods together, the others alone."""
        out: list[list[Problem]] = []
        for p in self.problems:  # sorted by task, then kind
            last = out[-1][0] if out else None
            if p.kind == MISSING and last is not None and last.kind == MISSING and last.task.pk == p.task.pk:
                out[-1].append(p)
            else:
                out.append([p])
        return out


@dataclass
class Bulletin:
    """The 督查通报 of a plan on a date: the units with overdue or returned items, and the task counts."""

    plan: Plan
    today: datetime.date
    units: list[BulletinUnit]
    statuses: dict[str, int] = field(default_factory=dict)  # board status → tasks, and "total"

    @property
    def missing(self) -> int:
        return sum(u.missing for u in self.units)

    @property
    def late_tasks(self) -> int:
        return sum(u.late_tasks for u in self.units)

    @property
    def returned(self) -> int:
        return sum(u.returned for u in self.units)

    @property
    def total(self) -> int:
        return sum(u.total for u in self.units)

    @property
    def problems(self) -> list[Problem]:
        return [p for u in self.units for p in u.problems]


def bulletin_unit(plan: Plan, entry, today: datetime.date) -> BulletinUnit:
    """A selectors.BulletinEntry as the documents show it."""
    tasks = {t.pk: t for t, _p in entry.missing} | {t.pk: t for t in entry.late_tasks} | {
        t.pk: t for t, _r in entry.returned}
    missing = {t.pk: periods for t, periods in entry.missing}
    late = {t.pk for t in entry.late_tasks}
    returned: dict[int, list] = {}
    for t, report in entry.returned:
        returned.setdefault(t.pk, []).append(report)
    problems = [p for task in sorted(tasks.values(), key=lambda t: (t.order, t.pk))
                for p in task_problems(plan, entry.unit, task, missing=missing.get(task.pk, []),
                                       late=task.pk in late, returned=returned.get(task.pk, []), today=today)]
    return BulletinUnit(entry.unit, unit_label(entry.unit, plan), problems)


def bulletin_statuses(task_statuses, entries) -> dict[str, int]:
    """Tasks by board status, from their stored status and the bulletin's entries (overdue before
    returned, as selectors.TaskRow.board_status)."""
    overdue = {t.pk for e in entries for t, _p in e.missing} | {t.pk for e in entries for t in e.late_tasks}
    returned = {t.pk for e in entries for t, _r in e.returned}
    counts = dict.fromkeys(BOARD_STATUSES, 0)
    total = 0
    for pk, status in task_statuses:
        total += 1
        if status != TaskStatus.DONE and pk in overdue:
            status = "overdue"
        elif status != TaskStatus.DONE and pk in returned:
            status = "returned"
        counts[status] = counts.get(status, 0) + 1
    counts["total"] = total
    return counts
