"""Progress: units report per period, the plan's owners accept or return, deliverables get done."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.models import Role, RoleAssignment
from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict
from kepu.core.notifications import notify
from kepu.core.records import ATTACHMENT_TYPES, file_attach, file_remove
from kepu.orgs.models import Unit

from ..models import (
    ACTIVE_REPORT,
    Assignment,
    Deliverable,
    DeliverableFile,
    ProgressReport,
    ReportFile,
    ReportStatus,
    Task,
    TaskStatus,
)
from ..periods import period, period_label, period_no
from ..policies import (
    assignment_policy,
    deliverable_file_policy,
    deliverable_policy,
    report_file_policy,
    report_policy,
)

MAX_FILES = 10


def liaisons_of(unit_ids) -> list:
    """The active users who are liaisons of these units."""
    return [a.user for a in RoleAssignment.objects.filter(role=Role.UNIT_LIAISON, unit_id__in=unit_ids,
                                                          user__is_active=True).select_related("user")]


def refresh_task(task: Task) -> None:
    """The task's status and percentage from its assignments: done when every unit is done."""
    rows = list(Assignment.objects.filter(task=task).values_list("percent", "done_on"))
    reported = ProgressReport.objects.filter(assignment__task=task, status__in=ACTIVE_REPORT).exists()
    if rows and all(done for _p, done in rows):
        status = TaskStatus.DONE
    elif reported or any(p for p, _d in rows):
        status = TaskStatus.IN_PROGRESS
    else:
        status = TaskStatus.NOT_STARTED
    percent = round(Assignment.objects.filter(task=task).aggregate(a=Avg("percent"))["a"] or 0)
    Task.objects.filter(pk=task.pk).update(status=status, percent=percent)
    task.status, task.percent = status, percent


def reportable_periods(assignment: Assignment, today: datetime.date) -> list[int]:
    """The periods a unit may report for now: from the task's first period to the current one
    (never past the plan's last), newest first."""
    plan = assignment.task.plan
    last = min(period_no(plan.rhythm, today), plan.last_period)
    return list(range(last, assignment.task.first_period - 1, -1))


def _check_report(assignment: Assignment, *, period_no_: int, text: str, percent, reported_on, today) -> None:
    errors = {}
    if period_no_ not in reportable_periods(assignment, today):
        errors["period"] = _("该任务本期不需要报送，或报送期次尚未开始。")
    if not (text or "").strip():
        errors["text"] = _("请填写进展情况。")
    if percent is None or not 0 <= int(percent) <= 100:
        errors["percent"] = _("完成进度应为 0 到 100 之间的整数。")
    if reported_on is None or reported_on > today:
        errors["reported_on"] = _("进展日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)


def _attach(actor, report: ProgressReport, uploads) -> None:
    if report.files.count() + len(uploads) > MAX_FILES:
        raise ValidationError({"files": _("每次报送最多 %(n)d 个附件。") % {"n": MAX_FILES}})
    for upload in uploads:
        file_attach(actor=actor, policy=report_file_policy, file=ReportFile(report=report), upload=upload,
                    action="workplans.report", allowed=ATTACHMENT_TYPES)


@transaction.atomic
def report_submit(*, actor, assignment: Assignment, period: int, text: str, percent: int,
                  reported_on: datetime.date, uploads=(), now=None, is_demo: bool = False) -> ProgressReport:
    """A unit's progress on a task for one period (one pending or accepted report per period)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    assignment = Assignment.objects.select_related("task__plan__region", "unit").get(pk=assignment.pk)
    report = ProgressReport(assignment=assignment, period=period, text=(text or "").strip(), percent=percent,
                            reported_on=reported_on, submitted_at=now, is_demo=is_demo,
                            submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    report_policy.check(actor, "add", report)
    if assignment.done_on:
        raise Conflict(_("该单位的这项任务已完成，无需再报送。"), code="done")
    _check_report(assignment, period_no_=period, text=text, percent=percent, reported_on=reported_on, today=today)
    plan = assignment.task.plan
    report.late = today > _period(plan, period).deadline
    report.full_clean(validate_constraints=False)  # the one-per-period rule answers below
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same unit's report for the period, sent at the same moment
        raise Conflict(_("本期进展已经报送，请勿重复报送；如需修改，请在原报送中修改。"), code="duplicate") from None
    _attach(actor, report, uploads)
    refresh_task(assignment.task)
    log_action(actor=actor, action="workplans.report.submitted", obj=report,
               changes={"task": assignment.task.number, "unit": assignment.unit_id, "period": period,
                        "percent": percent, "late": report.late})
    return report


def _period(plan, no: int):
    return period(plan.rhythm, no, plan.grace_days)


def _locked_row(report: ProgressReport) -> ProgressReport:
    """The report, locked for this transaction; a report deleted meanwhile is a conflict."""
    row = (ProgressReport.objects.select_for_update(of=("self",))
           .select_related("assignment__task__plan", "assignment__unit")
           .filter(pk=report.pk).first())
    if row is None:
        raise Conflict(_("该进展报送已被撤回或删除，请刷新页面。"), code="gone")
    return row


@transaction.atomic
def report_update(*, actor, report: ProgressReport, unchanged_since=None, uploads=(), **fields) -> ProgressReport:
    """Change a report that has not been decided yet (text, percentage, date, more files)."""
    unknown = set(fields) - {"text", "percent", "reported_on"}
    if unknown:
        raise TypeError(f"report_update does not take {sorted(unknown)}")
    report_policy.check(actor, "change", report)
    report = _locked_row(report)
    check_unchanged(report, unchanged_since)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("该进展报送已审核，不能再修改。"), code="decided")
    merged = {"text": report.text, "percent": report.percent, "reported_on": report.reported_on, **fields}
    _check_report(report.assignment, period_no_=report.period, today=timezone.localdate(), **merged)
    changes = apply_changes(report, {**fields, **({"text": fields["text"].strip()} if "text" in fields else {})})
    if changes:
        report.full_clean()
        report.save()
    _attach(actor, report, uploads)
    if changes or uploads:
        log_action(actor=actor, action="workplans.report.updated", obj=report,
                   changes={**changes, **({"files": len(uploads)} if uploads else {})})
    return report


@transaction.atomic
def report_remove_file(*, actor, file: ReportFile) -> None:
    report = _locked_row(file.report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("该进展报送已审核，不能再修改。"), code="decided")
    file_remove(actor=actor, policy=report_file_policy, file=file, action="workplans.report")


@transaction.atomic
def report_withdraw(*, actor, report: ProgressReport) -> None:
    """Take back a report that has not been decided (its period is then open again)."""
    report_policy.check(actor, "change", report)
    report = _locked_row(report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("该进展报送已审核，不能撤回。"), code="decided")
    files = list(report.files.all())
    log_action(actor=actor, action="workplans.report.withdrawn", obj=report,
               changes={"task": report.assignment.task.number, "period": report.period})
    task = report.assignment.task
    report.delete()
    for f in files:
        transaction.on_commit(lambda f=f: f.file.delete(save=False))
    refresh_task(task)


@transaction.atomic
def report_review(*, actor, report: ProgressReport, accept: bool, comment: str = "") -> ProgressReport:
    """Accept a report (the unit's progress becomes its percentage; 100 % marks the unit done) or
    return it with a reason (the unit's liaisons are told, and report the period again)."""
    report_policy.check(actor, "review", report)
    report = _locked_row(report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("该进展报送已由他人审核（%(status)s），请刷新页面。") % {"status": report.get_status_display()},
                       code="decided")
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("退回时请写明退回原因。")})
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    report.review_comment = comment[:500]
    report.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    report.reviewed_at = timezone.now()
    report.save()
    assignment = Assignment.objects.select_for_update().get(pk=report.assignment_id)
    if accept:
        latest = (ProgressReport.objects.filter(assignment=assignment, status=ReportStatus.ACCEPTED)
                  .order_by("-period", "-reported_on", "-id").first())
        assignment.percent = latest.percent
        assignment.done_on = latest.reported_on if latest.percent >= 100 else None
        assignment.save(update_fields=["percent", "done_on"])
    task = report.assignment.task
    refresh_task(task)
    log_action(actor=actor, action="workplans.report.accepted" if accept else "workplans.report.returned",
               obj=report, changes={"comment": report.review_comment})
    if not accept:
        plan = task.plan
        notify(users=liaisons_of([assignment.unit_id]),
               title=_("进展报送被退回：%(plan)s 任务 %(number)s") % {"plan": plan.title[:60], "number": task.number},
               body=_("%(period)s的进展报送被退回，原因：%(comment)s。请修改后重新报送。")
               % {"period": period_label(plan.rhythm, report.period), "comment": report.review_comment},
               url=reverse("workplans:task_detail", args=[task.pk]), email=True)
    return report


# --- deliverables --------------------------------------------------------------------------------------


@transaction.atomic
def deliverable_complete(*, actor, deliverable: Deliverable, unit: Unit, done_on: datetime.date, note: str = "",
                         uploads=()) -> Deliverable:
    """Mark a deliverable done by one of the task's units, with at least one evidence file."""
    deliverable_policy.check(actor, "complete", deliverable)
    deliverable = Deliverable.objects.select_for_update(of=("self",)).select_related("task__plan").get(
        pk=deliverable.pk)
    if deliverable.done_on:
        raise Conflict(_("该成果已标记完成。"), code="done")
    errors = {}
    if not Assignment.objects.filter(task_id=deliverable.task_id, unit=unit).exists():
        errors["unit"] = _("该单位不承担这项任务。")
    if done_on is None or done_on > timezone.localdate():
        errors["done_on"] = _("完成日期不能晚于今天。")
    if not uploads and not deliverable.files.exists():
        errors["files"] = _("请上传至少一份佐证材料。")
    if errors:
        raise ValidationError(errors)
    deliverable.done_on, deliverable.done_unit, deliverable.note = done_on, unit, (note or "").strip()[:500]
    deliverable.done_by = actor if getattr(actor, "is_authenticated", False) else None
    deliverable.save()
    for upload in uploads:
        file_attach(actor=actor, policy=deliverable_file_policy, file=DeliverableFile(deliverable=deliverable),
                    upload=upload, action="workplans.deliverable", allowed=ATTACHMENT_TYPES)
    log_action(actor=actor, action="workplans.deliverable.completed", obj=deliverable,
               changes={"unit": unit.pk, "done_on": str(done_on)})
    return deliverable


@transaction.atomic
def deliverable_reopen(*, actor, deliverable: Deliverable, reason: str) -> Deliverable:
    """The plan's owners take back a deliverable marked done (its evidence stays)."""
    deliverable_policy.check(actor, "change", deliverable)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明重新打开的原因。")})
    deliverable = Deliverable.objects.select_for_update(of=("self",)).get(pk=deliverable.pk)
    if not deliverable.done_on:
        raise Conflict(_("该成果尚未完成。"), code="not_done")
    deliverable.done_on, deliverable.done_unit, deliverable.done_by = None, None, None
    deliverable.save()
    log_action(actor=actor, action="workplans.deliverable.reopened", obj=deliverable, changes={"reason": reason})
    return deliverable


def assignment_for(*, actor, task: Task, unit: Unit) -> Assignment:
    """The assignment through which `actor` reports for `unit` on `task` (404-like when none)."""
    assignment = Assignment.objects.select_related("task__plan", "unit").filter(task=task, unit=unit).first()
    if assignment is None:
        raise ValidationError({"unit": _("该单位不承担这项任务。")})
    assignment_policy.check(actor, "report", assignment)
    return assignment
