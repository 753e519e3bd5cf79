"""A task and the progress on it: detail, a liaison's tasks, reports and their review, deliverables.

Every write is a POST through the services (services/progress.py); their refusals show on the form
(ValidationError), as a message (Conflict), or as 403 (PermissionDenied). What the user may not see
answers 404: a liaison sees only the tasks its units answer for, and of those only its units' reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.accounts.models import Role
from kepu.accounts.scope import scope_of
from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.records import serve_stored_file
from kepu.core.views_common import staff_required
from kepu.orgs.models import Unit

from .. import selectors
from ..forms_progress import (
    DeliverableCompleteForm,
    ReopenForm,
    ReportEditForm,
    ReportForm,
    ReviewForm,
)
from ..models import (
    ACTIVE_REPORT,
    Assignment,
    Deliverable,
    ProgressReport,
    ReportStatus,
    Task,
)
from ..periods import Period, period, period_label
from ..policies import (
    assignment_policy,
    deliverable_file_policy,
    deliverable_policy,
    plan_policy,
    report_file_policy,
    report_policy,
    task_policy,
)
from ..services import progress as services
from . import cards


def _task(request, pk: int) -> Task:
    rows = task_policy.visible_to(request.user).select_related("plan__region", "section__parent",
                                                               "lead_unit__region")
    return get_object_or_404(rows, pk=pk)


def _report(request, pk: int) -> ProgressReport:
    rows = report_policy.visible_to(request.user).select_related("assignment__task__plan__region",
                                                                 "assignment__unit__region")
    return get_object_or_404(rows, pk=pk)


def _deliverable(request, pk: int) -> Deliverable:
    rows = deliverable_policy.visible_to(request.user).select_related("task__plan__region", "done_unit__region")
    return get_object_or_404(rows, pk=pk)


def _task_url(task_id: int, anchor: str = "") -> str:
    return reverse("workplans:task_detail", args=[task_id]) + (f"#{anchor}" if anchor else "")


def _next_url(request, default: str) -> str:
    """Where to go back to: a `next` on this site (the reviews page, a liaison's tasks), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _form_errors(form, exc: ValidationError | KepuError) -> None:
    """A service's refusal on the form; a file refused for its content goes on the files field."""
    if isinstance(exc, ValidationError) and not hasattr(exc, "error_dict") and "files" in form.fields:
        form.add_error("files", exc)
    else:
        add_service_errors(form, exc)


# --- a liaison's tasks --------------------------------------------------------------------------------


@staff_required
def my_tasks(request):
    """The tasks of the user's units across the plans: what is missing, what was returned, the latest."""
    user = request.user
    today = timezone.localdate()
    shown = [cards.task_card(user, row, today) for row in selectors.my_tasks(user, today=today)]
    cards.prefetch_files(shown)
    units = scope_of(user).unit_ids({Role.UNIT_LIAISON})
    return render(request, "workplans/my_tasks.html", {
        "cards": shown, "is_liaison": bool(units), "today": today,
        "missing_total": sum(len(u.missing) for c in shown for u in c.units),
        "returned_total": sum(len(u.returned) for c in shown for u in c.units),
    })


# --- a task -------------------------------------------------------------------------------------------


@dataclass
class DeliverableItem:
    deliverable: Deliverable
    can_complete: bool
    can_reopen: bool


@staff_required
def task_detail(request, pk):
    """A task: its text, units, deliverables, milestones and indicators, and each visible unit's reports."""
    user = request.user
    task = _task(request, pk)
    plan = task.plan
    today = timezone.localdate()
    rows = selectors.task_rows(plan, user, tasks=Task.objects.filter(pk=task.pk), today=today)
    row = rows[0]
    row.task = task  # with its plan, section and lead unit already read
    for state in row.units:
        state.assignment.task = task
    card = cards.task_card(user, row, today)
    cards.prefetch_files([card])
    assignments = list(Assignment.objects.filter(task=task).select_related("unit__region").order_by("-lead", "id"))
    deliverables = []
    for d in task.deliverables.select_related("done_unit__region").prefetch_related("files"):
        d.task = task
        deliverables.append(DeliverableItem(
            d, can_complete=d.done_on is None and deliverable_policy.can(user, "complete", d),
            can_reopen=d.done_on is not None and deliverable_policy.can(user, "change", d)))
    is_owner = plan_policy.owns(user, plan)
    return render(request, "workplans/task_detail.html", {
        "task": task, "plan": plan, "card": card,
        "lead_units": [a.unit for a in assignments if a.lead],
        "other_units": [a.unit for a in assignments if not a.lead],
        "deliverables": deliverables, "milestones": task.milestones.all(),
        "is_owner": is_owner, "can_change": is_owner,  # can_change: the indicator links box (views/links.py)
        "can_review": plan_policy.can(user, "review", plan), "today": today,
    })


# --- reports ------------------------------------------------------------------------------------------


def _reporting_assignments(user, task: Task) -> list[Assignment]:
    """The task's units the user may report for: a liaison its own, the plan's owners any of them."""
    rows = list(Assignment.objects.filter(task=task).select_related("unit__region").order_by("-lead", "unit__name"))
    for a in rows:
        a.task = task
    return [a for a in rows if assignment_policy.can(user, "report", a)]


def _period_options(assignment: Assignment, today: datetime.date) -> tuple[list[Period], set[int]]:
    """The periods the unit may report for (newest first) and those already sent in."""
    plan = assignment.task.plan
    taken = set(ProgressReport.objects.filter(assignment=assignment, status__in=ACTIVE_REPORT)
                .values_list("period", flat=True))
    return [period(plan.rhythm, no, plan.grace_days) for no in services.reportable_periods(assignment, today)], taken


@staff_required
def report_create(request, pk):
    """Send in a unit's progress for one period (`?unit=` chooses the unit when there are several)."""
    user = request.user
    task = _task(request, pk)
    assignments = _reporting_assignments(user, task)
    if not assignments:
        raise PermissionDenied
    chosen = None
    raw = (request.GET.get("unit") or "").strip()
    if raw:
        chosen = next((a for a in assignments if str(a.unit_id) == raw), None)
        if chosen is None:
            messages.error(request, _("责任单位：所选单位不承担这项任务，或您不能为其报送，请重新选择。"))
    elif len(assignments) == 1:
        chosen = assignments[0]
    context = {"task": task, "plan": task.plan, "assignments": assignments, "assignment": chosen, "mode": "create"}
    if chosen is None:  # the plan's owners (or a liaison of several units) choose the unit first
        return render(request, "workplans/report_form.html", context, status=400 if request.method == "POST" else 200)
    today = timezone.localdate()
    periods, taken = _period_options(chosen, today)
    posting = request.method == "POST"
    form = ReportForm(request.POST if posting else None, request.FILES if posting else None,
                      periods=periods, taken=taken, percent=chosen.percent)
    blocked = ""
    if chosen.done_on:
        blocked = _("该单位的这项任务已完成，无需再报送。")
    elif not periods:
        blocked = _("这项任务的报送期次尚未开始，目前无需报送。")
    elif not {p.no for p in periods} - taken:
        blocked = _("各期进展均已报送；如需修改，请在待审核的报送中修改。")
    status = 200
    if posting:  # the service decides even when the page says there is nothing to report
        status = 400
        if form.is_valid():
            try:
                report = services.report_submit(actor=user, assignment=chosen, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                _form_errors(form, exc)
                if isinstance(exc, KepuError):
                    status = exc.status
            else:
                messages.success(request, _("已报送%(period)s的进展，等待审核。")
                                 % {"period": period_label(task.plan.rhythm, report.period)})
                return redirect(_next_url(request, _task_url(task.pk, f"unit-{chosen.unit_id}")))
    context.update(form=form, blocked=blocked, next=_next_url(request, ""))
    return render(request, "workplans/report_form.html", context, status=status)


@staff_required
def report_edit(request, pk):
    """Correct a report that has not been decided yet (text, percentage, date, more files)."""
    user = request.user
    report = _report(request, pk)
    report_policy.check(user, "change", report)
    task = report.assignment.task
    posting = request.method == "POST"
    form = ReportEditForm(request.POST if posting else None, request.FILES if posting else None, instance=report)
    blocked = "" if report.status == ReportStatus.SUBMITTED else _(
        "该进展报送已审核（%(status)s），不能再修改。") % {"status": report.get_status_display()}
    status = 200
    if posting:
        status = 409 if blocked else 400
        if not blocked and form.is_valid():
            try:
                services.report_update(actor=user, report=report, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                _form_errors(form, exc)
                if isinstance(exc, KepuError):
                    status = exc.status
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(_task_url(task.pk, f"report-{report.pk}"))
    return render(request, "workplans/report_form.html", {
        "task": task, "plan": task.plan, "assignment": report.assignment, "report": report, "mode": "edit",
        "label": period_label(task.plan.rhythm, report.period), "form": form, "blocked": blocked,
        "files": report.files.all(), "can_remove_files": not blocked,
    }, status=status)


def _confirm(request, report: ProgressReport, *, action: str, form=None, blocked: str = "", status: int = 200):
    task = report.assignment.task
    return render(request, "workplans/report_confirm.html", {
        "report": report, "task": task, "plan": task.plan, "action": action, "form": form, "blocked": blocked,
        "label": period_label(task.plan.rhythm, report.period), "files": report.files.all(),
        "back": _next_url(request, _task_url(task.pk, f"report-{report.pk}")),
    }, status=status)


@staff_required
def report_withdraw(request, pk):
    """Take back a report that has not been decided (its period is open again)."""
    user = request.user
    report = _report(request, pk)
    report_policy.check(user, "change", report)
    task = report.assignment.task
    if request.method != "POST":
        blocked = "" if report.status == ReportStatus.SUBMITTED else _("该进展报送已审核，不能撤回。")
        return _confirm(request, report, action="withdraw", blocked=blocked)
    try:
        services.report_withdraw(actor=user, report=report)
    except KepuError as exc:
        messages.error(request, exc.message)
        return redirect(_task_url(task.pk, f"report-{report.pk}"))
    messages.success(request, _("已撤回%(period)s的进展报送。") % {"period": period_label(task.plan.rhythm, report.period)})
    return redirect(_task_url(task.pk, f"unit-{report.assignment.unit_id}"))


@staff_required
def report_review(request, pk):
    """Accept or return (with a reason) a pending report; from the reviews page (htmx) only its row changes."""
    user = request.user
    report = _report(request, pk)
    report_policy.check(user, "review", report)
    task = report.assignment.task
    back = _next_url(request, _task_url(task.pk, f"report-{report.pk}"))
    decided = report.status != ReportStatus.SUBMITTED
    if request.method != "POST":
        blocked = _("该进展报送已审核（%(status)s），无需再审。") % {"status": report.get_status_display()} if decided else ""
        return _confirm(request, report, action="review", form=ReviewForm(), blocked=blocked)
    form = ReviewForm(request.POST)
    notice, error = "", ""
    if form.is_valid():
        try:
            report = services.report_review(actor=user, report=report, accept=form.accept,
                                            comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except KepuError as exc:
            error = exc.message
            report.refresh_from_db()
        else:
            label = period_label(task.plan.rhythm, report.period)
            notice = (_("已采纳%(unit)s %(period)s的进展。") if form.accept else _("已退回%(unit)s %(period)s的进展。")) % {
                "unit": report.assignment.unit.full_name, "period": label}
    if request.htmx:  # the reviews page: the row shows its new state, or the refusal
        item = cards.report_item(user, report, task.plan)
        return render(request, "workplans/partials/_report_item.html", {
            "item": item, "show_task": True, "inline": True, "review_form": form if form.errors else None,
            "notice": notice, "error": error, "next": back})
    if notice:
        messages.success(request, notice)
        return redirect(back)
    if error:
        messages.error(request, error)
        return redirect(back)
    return _confirm(request, report, action="review", form=form, status=400)


# --- files --------------------------------------------------------------------------------------------


@staff_required
def report_file(request, pk):
    """A report's file, for those who see the report (never from a public media URL)."""
    item = report_file_policy.get_visible(request.user, pk=pk)
    return serve_stored_file(item, inline_types=())


@staff_required
@require_POST
def report_file_remove(request, pk):
    user = request.user
    item = get_object_or_404(report_file_policy.visible_to(user).select_related("report__assignment__task__plan"),
                             pk=pk)
    report_file_policy.check(user, "change", item)
    try:
        services.report_remove_file(actor=user, file=item)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": item.original_name})
    return redirect("workplans:report_edit", pk=item.report_id)


@staff_required
def deliverable_file(request, pk):
    """A deliverable's evidence, for those who see its task."""
    item = deliverable_file_policy.get_visible(request.user, pk=pk)
    return serve_stored_file(item, inline_types=())


# --- the reviews of a plan ----------------------------------------------------------------------------


@staff_required
def plan_reviews(request, pk):
    """The plan's reports waiting for a decision, oldest first, with the forms to accept or return them."""
    user = request.user
    plan = plan_policy.get_visible(user, pk=pk)
    plan_policy.check(user, "review", plan)
    items = []
    for r in selectors.pending_reports(plan, user).select_related("assignment__unit__region"):
        r.assignment.task.plan = plan
        items.append(cards.report_item(user, r, plan))
    return render(request, "workplans/plan_reviews.html", {
        "plan": plan, "items": items, "late": sum(1 for i in items if i.report.late),
        "next": reverse("workplans:plan_reviews", args=[plan.pk]),
    })


# --- deliverables -------------------------------------------------------------------------------------


@staff_required
def deliverable_complete(request, pk):
    """Mark a deliverable done by one of the task's units, with evidence."""
    user = request.user
    deliverable = _deliverable(request, pk)
    deliverable_policy.check(user, "complete", deliverable)
    task = deliverable.task
    unit_ids = Assignment.objects.filter(task=task).values_list("unit_id", flat=True)
    if not deliverable_policy.can(user, "change", deliverable):  # a liaison: only its own units
        unit_ids = unit_ids.filter(unit_id__in=scope_of(user).unit_ids({Role.UNIT_LIAISON}))
    units = Unit.objects.filter(pk__in=unit_ids).select_related("region").order_by("name")
    posting = request.method == "POST"
    form = DeliverableCompleteForm(request.POST if posting else None, request.FILES if posting else None,
                                   units=units)
    blocked = _("该成果已标记完成。") if deliverable.done_on else ""
    status = 200
    if posting:
        status = 409 if blocked else 400
        if not blocked and form.is_valid():
            try:
                services.deliverable_complete(actor=user, deliverable=deliverable, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                _form_errors(form, exc)
                if isinstance(exc, KepuError):
                    status = exc.status
            else:
                messages.success(request, _("已将成果“%(name)s”标记为完成。") % {"name": deliverable.name})
                return redirect(_task_url(task.pk, f"deliverable-{deliverable.pk}"))
    return render(request, "workplans/deliverable_complete.html", {
        "deliverable": deliverable, "task": task, "plan": task.plan, "action": "complete", "form": form,
        "blocked": blocked, "files": deliverable.files.all(),
    }, status=status)


@staff_required
def deliverable_reopen(request, pk):
    """The plan's owners take back a deliverable marked done, with a reason (its evidence stays)."""
    user = request.user
    deliverable = _deliverable(request, pk)
    deliverable_policy.check(user, "change", deliverable)
    task = deliverable.task
    posting = request.method == "POST"
    form = ReopenForm(request.POST if posting else None)
    blocked = "" if deliverable.done_on else _("该成果尚未完成。")
    status = 200
    if posting:
        status = 409 if blocked else 400
        if not blocked and form.is_valid():
            try:
                services.deliverable_reopen(actor=user, deliverable=deliverable, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except KepuError as exc:
                messages.error(request, exc.message)
                return redirect(_task_url(task.pk, f"deliverable-{deliverable.pk}"))
            else:
                messages.success(request, _("已重新打开成果“%(name)s”。") % {"name": deliverable.name})
                return redirect(_task_url(task.pk, f"deliverable-{deliverable.pk}"))
    return render(request, "workplans/deliverable_complete.html", {
        "deliverable": deliverable, "task": task, "plan": task.plan, "action": "reopen", "form": form,
        "blocked": blocked, "files": deliverable.files.all(),
    }, status=status)


urlpatterns = [
    path("mine/", my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/report/", report_create, name="report_create"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/withdraw/", report_withdraw, name="report_withdraw"),
    path("reports/<int:pk>/review/", report_review, name="report_review"),
    path("reports/files/<int:pk>/", report_file, name="report_file"),
    path("reports/files/<int:pk>/remove/", report_file_remove, name="report_file_remove"),
    path("plans/<int:pk>/reviews/", plan_reviews, name="plan_reviews"),
    path("deliverables/<int:pk>/complete/", deliverable_complete, name="deliverable_complete"),
    path("deliverables/<int:pk>/reopen/", deliverable_reopen, name="deliverable_reopen"),
    path("deliverables/files/<int:pk>/", deliverable_file, name="deliverable_file"),
]
