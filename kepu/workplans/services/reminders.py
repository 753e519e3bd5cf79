"""Reminders to the liaisons of the responsible units: before a reporting deadline (UPCOMING),
after it passed without a report (OVERDUE) and once a task's due date passed unfinished (TASK_DUE).

What is due comes from the periods and the overdue scan (`selectors.overdue_scan`) over every plan
still running or ended within the last `SCAN_DAYS_AFTER_END` days. Each reminder is one `Reminder`
row (assignment, period, kind), inserted before anything is sent: the row is the claim. Two
schedulers that find the same reminder both try to insert it; the unique constraint lets one of
them through (the other waits for the first one's transaction on PostgreSQL, then fails, rolls back
its savepoint and skips it). So any number of `kepu remind` runs, on any number of machines, send
each reminder once. An OVERDUE reminder is claimed for the assignment's most recent missing period:
a unit is reminded once per missed period, again when the next period is missed.

A liaison gets one notification per plan, unit and kind of a run, listing the tasks, while each
assignment keeps its own claim row (with the number of users notified and e-mailed).

Units without a liaison are not claimed: nobody could be told, and once a liaison is appointed the
next run reminds them of what is still due. They are listed in the result on every run (the command
prints them for the plan owners) until a liaison is appointed or the item is no longer due.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kepu.core.import_helpers import in_chunks
from kepu.core.notifications import notify
from kepu.orgs.models import Unit

from ..models import ACTIVE_REPORT, Assignment, Plan, ProgressReport, Reminder, ReminderKind, Task
from ..periods import last_due_no, period, period_label
from ..selectors import MISSING, TASK_LATE, overdue_scan
from .progress import liaisons_of

# Plans that ended this many days ago are still scanned: late reports are still chased.
SCAN_DAYS_AFTER_END = 90
# At most this many task numbers in a title; the body lists every task.
TITLE_NUMBERS = 8


@dataclass(frozen=True)
class _Due:
    assignment_id: int
    task_id: int
    plan_id: int
    unit_id: int
    kind: str
    period: int  # 0 for TASK_DUE
    deadline: datetime.date


@dataclass
class ReminderItem:
    """One assignment's reminder inside a group."""

    assignment_id: int
    task: Task
    period: int
    deadline: datetime.date


@dataclass
class ReminderGroup:
    """What one notification tells the liaisons of one unit about one plan."""

    plan: Plan
    unit: Unit
    kind: str
    items: list[ReminderItem]
    notified: int = 0  # users notified (in a dry run: the liaisons who would be)
    emailed: int = 0

    @property
    def task_numbers(self) -> list[str]:
        return [i.task.number for i in self.items]


@dataclass
class ReminderResult:
    today: datetime.date
    dry_run: bool = False
    sent: list[ReminderGroup] = field(default_factory=list)  # (would be) sent
    no_liaison: list[ReminderGroup] = field(default_factory=list)  # due, but nobody to tell: not claimed
    already: int = 0  # reminders an earlier run (or another scheduler, just now) sent

    def counts(self) -> dict[str, int]:
        """Reminders (assignments) sent per kind."""
        out = dict.fromkeys(ReminderKind.values, 0)
        for g in self.sent:
            out[g.kind] += len(g.items)
        return out

    @property
    def notified(self) -> int:
        return sum(g.notified for g in self.sent)

    @property
    def emailed(self) -> int:
        return sum(g.emailed for g in self.sent)


def send_reminders(*, today: datetime.date | None = None, now: datetime.datetime | None = None,
                   dry_run: bool = False) -> ReminderResult:
    """Claim and send every reminder due on `today` (default: the local date of `now`) that no run
    sent before; a dry run returns what would be sent and writes nothing."""
    today = today or timezone.localdate(now or timezone.now())
    plans = Plan.objects.filter(ends_on__gte=today - datetime.timedelta(days=SCAN_DAYS_AFTER_END))
    by_id = plans.in_bulk()
    result = ReminderResult(today, dry_run)
    due, result.already = _unclaimed(_upcoming(by_id, today) + _overdue(plans, by_id, today))
    if not due:
        return result
    tasks: dict[int, Task] = {}
    for chunk in in_chunks({d.task_id for d in due}):
        tasks.update(Task.objects.in_bulk(chunk))
    units = Unit.objects.in_bulk({d.unit_id for d in due})
    grouped: dict[tuple[int, int, str], list[_Due]] = defaultdict(list)
    for d in due:
        grouped[(d.plan_id, d.unit_id, d.kind)].append(d)
    liaisons: dict[int, list] = {}
    with translation.override(settings.LANGUAGE_CODE):
        # The same order in every scheduler: claims are taken in one order, so two runs never deadlock.
        for (plan_id, unit_id, kind), rows in sorted(grouped.items()):
            group = ReminderGroup(by_id[plan_id], units[unit_id], kind, [
                ReminderItem(d.assignment_id, tasks[d.task_id], d.period, d.deadline)
                for d in sorted(rows, key=lambda d: d.assignment_id)])
            if unit_id not in liaisons:
                liaisons[unit_id] = liaisons_of([unit_id])
            users = liaisons[unit_id]
            if not users:
                result.no_liaison.append(group)
            elif dry_run:
                group.notified = len({u.pk for u in users})
                result.sent.append(group)
            else:
                wanted = len(group.items)
                if _claim_and_send(group, users):
                    result.sent.append(group)
                result.already += wanted - len(group.items)
    return result


# --- what is due -------------------------------------------------------------------------------------


def _upcoming(plans: dict[int, Plan], today: datetime.date) -> list[_Due]:
    """Open assignments whose report for a period with a deadline in the next `remind_days` days is
    missing; one query per rhythm, grace days and reminder days (and period) over all plans."""
    groups: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for plan in plans.values():
        groups[(plan.rhythm, plan.grace_days, plan.remind_days)].append(plan.pk)
    out: list[_Due] = []
    for (rhythm, grace, remind), plan_ids in groups.items():
        until = today + datetime.timedelta(days=remind)
        no = last_due_no(rhythm, grace, today) + 1  # the first period whose deadline is today or later
        while (current := period(rhythm, no, grace)).deadline <= until:
            reported = ProgressReport.objects.filter(assignment=OuterRef("pk"), period=no, status__in=ACTIVE_REPORT)
            rows = (Assignment.objects
                    .filter(task__plan_id__in=plan_ids, done_on__isnull=True, task__first_period__lte=no,
                            task__plan__last_period__gte=no)
                    .exclude(Exists(reported))
                    .values_list("pk", "task_id", "task__plan_id", "unit_id"))
            out += [_Due(pk, task, plan, unit, ReminderKind.UPCOMING, no, current.deadline)
                    for pk, task, plan, unit in rows]
            no += 1
    return out


def _overdue(plans, by_id: dict[int, Plan], today: datetime.date) -> list[_Due]:
    """From the overdue scan: each assignment's most recent missing period, and tasks past due."""
    items = overdue_scan(plans, today)
    missing = [i for i in items if i.kind == MISSING]
    task_ids = {i.task_id for i in items}
    tasks: dict[int, tuple[int, datetime.date | None]] = {}
    for chunk in in_chunks(task_ids):
        tasks.update((pk, (first, due_on)) for pk, first, due_on in
                     Task.objects.filter(pk__in=chunk).values_list("pk", "first_period", "due_on"))

    def last_due(plan_id: int) -> int:
        plan = by_id[plan_id]
        return min(last_due_no(plan.rhythm, plan.grace_days, today), plan.last_period)

    # Active reports are read only for the assignments that sent some in; without any, the
    # latest due period is the one missing.
    partly = [i.assignment_id for i in missing if i.missing < last_due(i.plan_id) - tasks[i.task_id][0] + 1]
    reported: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(partly):
        for assignment_id, no in ProgressReport.objects.filter(
                assignment_id__in=chunk, status__in=ACTIVE_REPORT).values_list("assignment_id", "period"):
            reported[assignment_id].add(no)
    out: list[_Due] = []
    for i in missing:
        plan, first = by_id[i.plan_id], tasks[i.task_id][0]
        no = last_due(i.plan_id)
        while no >= first and no in reported[i.assignment_id]:
            no -= 1
        if no >= first:
            out.append(_Due(i.assignment_id, i.task_id, i.plan_id, i.unit_id, ReminderKind.OVERDUE, no,
                            period(plan.rhythm, no, plan.grace_days).deadline))
    out += [_Due(i.assignment_id, i.task_id, i.plan_id, i.unit_id, ReminderKind.TASK_DUE, 0, tasks[i.task_id][1])
            for i in items if i.kind == TASK_LATE]
    return out


def _unclaimed(due: list[_Due]) -> tuple[list[_Due], int]:
    """The reminders not sent yet, and how many were: one query per kind and period (there are few)."""
    keys: dict[tuple[str, int], list[int]] = defaultdict(list)
    for d in due:
        keys[(d.kind, d.period)].append(d.assignment_id)
    claimed: set[tuple[int, int, str]] = set()
    for (kind, no), assignment_ids in keys.items():
        for chunk in in_chunks(assignment_ids):
            claimed.update((a, no, kind) for a in Reminder.objects.filter(
                kind=kind, period=no, assignment_id__in=chunk).values_list("assignment_id", flat=True))
    fresh = [d for d in due if (d.assignment_id, d.period, d.kind) not in claimed]
    return fresh, len(due) - len(fresh)


# --- sending -------------------------------------------------------------------------------------------


def _claim_and_send(group: ReminderGroup, users: list) -> bool:
    """Claim each reminder of the group (skipping those another run holds), then notify the
    liaisons of the claimed ones, all in one transaction; `group.items` keeps the claimed ones."""
    try:
        with transaction.atomic():
            claimed: list[tuple[ReminderItem, int]] = []
            for item in group.items:
                try:
                    with transaction.atomic():  # a savepoint: a lost claim undoes only itself
                        row = Reminder.objects.create(assignment_id=item.assignment_id, period=item.period,
                                                      kind=group.kind)
                except IntegrityError:  # another scheduler sent it
                    continue
                claimed.append((item, row.pk))
            group.items = [item for item, _pk in claimed]
            if not claimed:
                return False
            title, body, url = reminder_message(group)
            group.notified, group.emailed = notify(users=users, title=title, body=body, url=url, email=True)
            Reminder.objects.filter(pk__in=[pk for _item, pk in claimed]).update(
                notified=group.notified, emailed=group.emailed)
    except IntegrityError:  # an assignment deleted meanwhile (its foreign key is checked at the commit)
        group.items = []
        return False
    return True


def _numbers(group: ReminderGroup) -> str:
    numbers = group.task_numbers
    if len(numbers) > TITLE_NUMBERS:
        return _("第 %(numbers)s 等 %(count)d 项任务") % {"numbers": "、".join(numbers[:TITLE_NUMBERS]),
                                                          "count": len(numbers)}
    return _("第 %(numbers)s 项任务") % {"numbers": "、".join(numbers)}


def reminder_message(group: ReminderGroup) -> tuple[str, str, str]:
    """The title, body and link of a group's notification (and e-mail), in the active language."""
    plan, kind = group.plan, group.kind
    when = {(i.period, i.deadline) for i in group.items}
    one_period = len(when) == 1 and kind != ReminderKind.TASK_DUE
    values = {"plan": plan.title[:60], "tasks": _numbers(group), "unit": group.unit.name}
    if one_period:
        no, deadline = next(iter(when))
        values.update(period=period_label(plan.rhythm, no), deadline=deadline.isoformat())
    if kind == ReminderKind.UPCOMING:
        title = (_("报送提醒：《%(plan)s》%(tasks)s %(period)s进展将于 %(deadline)s 截止") if one_period
                 else _("报送提醒：《%(plan)s》%(tasks)s的进展即将截止"))
        intro = _("%(unit)s：《%(plan)s》以下任务本期进展尚未报送，请在截止日期前报送：")
        outro = _("请登录科普平台，在“我的任务”中报送进展。")
    elif kind == ReminderKind.OVERDUE:
        title = (_("逾期提醒：《%(plan)s》%(tasks)s %(period)s进展逾期未报送（截止 %(deadline)s）") if one_period
                 else _("逾期提醒：《%(plan)s》%(tasks)s的进展逾期未报送"))
        intro = _("%(unit)s：《%(plan)s》以下任务的进展已超过报送截止日期，尚未报送：")
        outro = _("请尽快登录科普平台补报；逾期情况将列入督查通报。")
    else:
        title = _("超期提醒：《%(plan)s》%(tasks)s已超过完成时限")
        intro = _("%(unit)s：《%(plan)s》以下任务已超过完成时限，贵单位尚未完成：")
        outro = _("请尽快完成并报送进展（完成进度 100%%）；已完成的，请报送完成情况。")
    lines = []
    for item in group.items:
        text = item.task.text.strip().replace("\n", " ")
        text = text if len(text) <= 60 else text[:60] + "…"
        if kind == ReminderKind.TASK_DUE:
            line = _("· 第 %(number)s 项（完成时限 %(deadline)s）：%(text)s")
        else:
            line = _("· 第 %(number)s 项（%(period)s，截止 %(deadline)s）：%(text)s")
        lines.append(line % {"number": item.task.number, "deadline": item.deadline.isoformat(), "text": text,
                             "period": period_label(plan.rhythm, item.period) if item.period else ""})
    body = "\n".join([intro % values, *lines, "", outro % values])
    if len(group.items) == 1:
        url = reverse("workplans:task_detail", args=[group.items[0].task.pk])
    else:
        url = reverse("workplans:my_tasks")
    return title % values, body, url
