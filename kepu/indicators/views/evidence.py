"""The evidence pages: an indicator of an assessment with its result and its submissions (send in
evidence or a value no record computes, approve or return, unlock), correcting and withdrawing a
submission, its files (served only through the scope check), and a liaison's indicators across
assessments.

Every write is a POST through the services; their refusals show on the form (ValidationError), as
a message (Conflict), or as 403 (PermissionDenied). What the user may not see answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kepu.accounts.models import Role
from kepu.accounts.scope import scope_of
from kepu.core.errors import KepuError
from kepu.core.evidence import evidence_offers
from kepu.core.forms import add_service_errors
from kepu.core.records import serve_stored_file
from kepu.core.views_common import staff_required
from kepu.orgs.models import Unit

from .. import selectors, services
from ..forms_evidence import ReviewForm, SubmissionEditForm, SubmissionForm, UnlockForm
from ..models import (
    Assessment,
    Indicator,
    Kind,
    Op,
    Submission,
    SubmissionStatus,
)
from ..policies import (
    assessment_policy,
    evidence_file_policy,
    responsible_unit_ids,
    submission_policy,
)
from ..values import format_value


def _assessment(request, pk: int) -> Assessment:
    return get_object_or_404(assessment_policy.visible_to(request.user).select_related("standard", "region"), pk=pk)


def _leaf(assessment: Assessment, code: str) -> Indicator:
    return get_object_or_404(assessment.standard.indicators.exclude(kind=Kind.GROUP), code=code)


def _submission(request, pk: int) -> Submission:
    rows = submission_policy.visible_to(request.user).select_related(
        "assessment__standard", "assessment__region", "indicator", "unit")
    return get_object_or_404(rows, pk=pk)


def detail_url(assessment_id: int, code: str, anchor: str = "") -> str:
    url = reverse("indicators:indicator_detail", args=[assessment_id, code])
    return url + (f"#{anchor}" if anchor else "")


def _back(submission: Submission) -> str:
    return detail_url(submission.assessment_id, submission.indicator.code, f"submission-{submission.pk}")


# --- the indicator page -------------------------------------------------------------------------------


@dataclass
class Item:
    """A submission on the page with what the user may do to it."""

    submission: Submission
    can_review: bool = False
    can_unlock: bool = False
    can_change: bool = False
    carried_from: int | None = None  # the year of an earlier assessment whose evidence still counts
    measure_label: str = ""
    value_text: str = ""


def _items(user, result, assessment: Assessment) -> list[Item]:
    targets = {t.measure: t for t in result.targets}
    items = []
    for s in reversed(result.submissions):  # newest first
        s.assessment = assessment  # the policy reads its region; spare a query per row
        item = Item(
            s,
            can_review=s.status == SubmissionStatus.SUBMITTED and submission_policy.can(user, "review", s),
            can_unlock=s.locked and submission_policy.can(user, "unlock", s),
            can_change=not s.locked and submission_policy.can(user, "change", s),
        )
        if s.measure:
            target = targets.get(s.measure)
            item.measure_label = target.label if target else s.measure
            item.value_text = format_value(s.value, target.unit if target else "")
        items.append(item)
    return items


def _senders(user, assessment: Assessment, indicator: Indicator, result) -> tuple[QuerySet[Unit], bool]:
    """The units the user may send in for, and whether one must be chosen: liaisons send in for
    their units that answer for the indicator; region admins for any of its units, or for none."""
    ids = responsible_unit_ids(user, assessment, indicator)
    as_admin = submission_policy.can(user, "add", Submission(assessment=assessment, indicator=indicator))
    if as_admin:
        ids |= {u.pk for u in [*result.lead_units, *result.units]}
    return Unit.objects.filter(pk__in=ids).order_by("name"), not as_admin


class OfferedEvidenceForm(SubmissionForm):
    """Files other apps offer for the indicator (core.evidence), ticked and sent in as a submission."""

    OFFERED = "offered"

    offered = forms.MultipleChoiceField(label=_lazy("选择材料"), widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _lazy("请至少选择一份材料。"),
                                                        "invalid_choice": _lazy("所选材料已不存在，请刷新页面后重新选择。")})

    def __init__(self, *args, offers, **kwargs):
        kwargs.setdefault("auto_id", "offered_%s")
        super().__init__(*args, **kwargs)
        self.kind = self.OFFERED
        self.initial["form"] = self.OFFERED
        self.offers = offers
        del self.fields["files"]
        self.fields["offered"].choices = [(o.key, o.name) for o in offers]
        description = self.fields["description"]
        description.required = False
        description.help_text = _lazy("留空则为“引用工作任务 … 的佐证材料”")

    def chosen(self) -> set[str]:
        return set(self.data.getlist("offered")) if self.is_bound else set()

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"keys": data["offered"], "unit": data.get("unit"), "description": data["description"],
                "period_start": data["period_start"], "period_end": data["period_end"]}


def _send_offered(request, form: OfferedEvidenceForm | None, assessment: Assessment, indicator: Indicator):
    """Send in the ticked offered files: a redirect when done, None when the form shows why not."""
    if form is None:
        messages.error(request, _("没有可引用的材料，或您无权引用。"))
        return redirect(detail_url(assessment.pk, indicator.code))
    if form.is_valid():
        try:
            submission = services.submission_from_offers(actor=request.user, assessment=assessment,
                                                         indicator=indicator, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已引用所选材料报送“%(code)s”的佐证材料，等待审核。") % {"code": indicator.code})
            return redirect(detail_url(assessment.pk, indicator.code, f"submission-{submission.pk}"))
    return None


@staff_required
def indicator_detail(request, pk, code):
    """An indicator's result in the assessment, its submissions, and the forms to send in more."""
    user = request.user
    assessment = _assessment(request, pk)
    indicator = _leaf(assessment, code)
    result = selectors.scorecard(assessment).results[indicator.code]
    for t in result.targets:
        t.op_label = Op(t.op).label
    units, unit_required = _senders(user, assessment, indicator, result)
    may_send = bool(units) or not unit_required
    # A value can be entered for the targets no record computes.
    targets = [t for t in result.targets if t.source != "computed"]
    posted = request.POST.get("form") if request.method == "POST" else None
    if request.method == "POST" and not may_send:
        raise PermissionDenied

    def build(kind: str):
        bound = posted == kind or (kind == SubmissionForm.EVIDENCE and posted not in (
            None, SubmissionForm.VALUE, OfferedEvidenceForm.OFFERED))
        return SubmissionForm(request.POST if bound else None, request.FILES if bound else None,
                              assessment=assessment, units=units, unit_required=unit_required,
                              targets=targets if kind == SubmissionForm.VALUE else ())

    evidence_form = build(SubmissionForm.EVIDENCE) if may_send else None
    value_form = build(SubmissionForm.VALUE) if may_send and targets else None
    # Files of other apps (a linked work-plan task's reports) offered as evidence.
    offers = evidence_offers(assessment=assessment, indicator=indicator, user=user) if may_send else []
    offered_form = OfferedEvidenceForm(request.POST if posted == OfferedEvidenceForm.OFFERED else None,
                                       assessment=assessment, units=units, unit_required=unit_required,
                                       offers=offers) if offers else None
    status = 200
    if request.method == "POST" and posted == OfferedEvidenceForm.OFFERED:
        done = _send_offered(request, offered_form, assessment, indicator)
        if done:
            return done
        status = 400
    elif request.method == "POST":
        form = value_form if posted == SubmissionForm.VALUE else evidence_form
        if form is None:  # a value for an indicator that has none to enter
            messages.error(request, _("该指标的数值均由平台根据记录计算，无需填报。"))
            return redirect(detail_url(assessment.pk, indicator.code))
        if form.is_valid():
            try:
                submission = services.submission_create(actor=user, assessment=assessment, indicator=indicator,
                                                        **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已报送“%(code)s”的佐证材料，等待审核。") % {"code": indicator.code})
                return redirect(detail_url(assessment.pk, indicator.code, f"submission-{submission.pk}"))
        status = 400
    carried = [Item(s, carried_from=s.assessment.year) for s in result.carried]
    return render(request, "indicators/indicator_detail.html", {
        "assessment": assessment, "indicator": indicator, "result": result,
        "items": _items(user, result, assessment), "carried": carried,
        "evidence_form": evidence_form, "value_form": value_form, "posted": posted, "offered_form": offered_form,
        "review_form": ReviewForm(), "unlock_form": UnlockForm(),
    }, status=status)


# --- one submission -----------------------------------------------------------------------------------


def _confirm(request, submission: Submission, *, action: str, form=None, blocked: str = "", status: int = 200):
    return render(request, "indicators/submission_confirm.html", {
        "submission": submission, "action": action, "form": form, "blocked": blocked,
        "files": submission.files.all(), "back": _back(submission)}, status=status)


@staff_required
def submission_edit(request, pk):
    """Correct a submission before it is approved; a returned one goes back for review."""
    user = request.user
    submission = _submission(request, pk)
    submission_policy.check(user, "change", submission)
    ratio = bool(submission.measure) and selectors.measure_info(
        submission.assessment.standard, submission.measure).unit == "ratio"
    posting = request.method == "POST"
    form = SubmissionEditForm(request.POST if posting else None, request.FILES if posting else None,
                              instance=submission, ratio=ratio)
    status = 200
    if posting:
        status = 400
        if form.is_valid():
            was = submission.status
            try:
                row = services.submission_update(actor=user, submission=submission, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
                status = exc.status if isinstance(exc, KepuError) else 400
            else:
                if was == SubmissionStatus.RETURNED and row.status == SubmissionStatus.SUBMITTED:
                    messages.success(request, _("已修改并重新提交审核。"))
                else:
                    messages.success(request, _("已保存。"))
                return redirect(_back(row))
    return render(request, "indicators/submission_form.html", {
        "submission": submission, "form": form, "files": submission.files.all(), "back": _back(submission),
        "can_remove_files": not submission.locked,
    }, status=status)


@staff_required
def submission_review(request, pk):
    """Approve (and lock) or return with a comment."""
    user = request.user
    submission = _submission(request, pk)
    submission_policy.check(user, "review", submission)
    if submission.status != SubmissionStatus.SUBMITTED:
        blocked = _("该报送已审核（%(status)s），无需再审。") % {"status": submission.get_status_display()}
        return _confirm(request, submission, action="review", blocked=blocked,
                        status=409 if request.method == "POST" else 200)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.submission_review(actor=user, submission=submission, approve=form.approve,
                                             comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except KepuError as exc:
            messages.error(request, exc.message)
            return redirect(_back(submission))
        else:
            if row.locked:
                messages.success(request, _("已通过“%(code)s”的报送，材料已锁定。") % {"code": submission.indicator.code})
            else:
                messages.success(request, _("已退回“%(code)s”的报送。") % {"code": submission.indicator.code})
            return redirect(_back(submission))
    return _confirm(request, submission, action="review", form=form, status=400 if form.is_bound else 200)


@staff_required
def submission_unlock(request, pk):
    """Reopen an approved submission for changes (an audited admin action)."""
    user = request.user
    submission = _submission(request, pk)
    submission_policy.check(user, "unlock", submission)
    if not submission.locked:
        return _confirm(request, submission, action="unlock", blocked=_("该报送未锁定。"),
                        status=409 if request.method == "POST" else 200)
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_unlock(actor=user, submission=submission, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except KepuError as exc:
            messages.error(request, exc.message)
            return redirect(_back(submission))
        else:
            messages.success(request, _("已解除锁定，该报送回到待审核状态。"))
            return redirect(_back(submission))
    return _confirm(request, submission, action="unlock", form=form, status=400 if form.is_bound else 200)


@staff_required
def submission_withdraw(request, pk):
    """Take back a submission that is not approved (with its files)."""
    user = request.user
    submission = _submission(request, pk)
    submission_policy.check(user, "change", submission)
    after = detail_url(submission.assessment_id, submission.indicator.code)
    if request.method != "POST":
        blocked = _("该报送已审核通过并锁定，不能撤回。") if submission.locked else ""
        return _confirm(request, submission, action="withdraw", blocked=blocked)
    try:
        services.submission_withdraw(actor=user, submission=submission)
    except KepuError as exc:
        messages.error(request, exc.message)
        return redirect(_back(submission))
    messages.success(request, _("已撤回报送“%(description)s”。") % {"description": submission.description[:40]})
    return redirect(after)


# --- files --------------------------------------------------------------------------------------------


@staff_required
def evidence_file(request, pk):
    """An evidence file, for those who see its assessment (never from a public media URL)."""
    item = get_object_or_404(evidence_file_policy.visible_to(request.user), pk=pk)
    return serve_stored_file(item, inline_types=())  # always a download: filename*=UTF-8''… for Chinese names


@staff_required
@require_POST
def evidence_file_remove(request, pk):
    user = request.user
    rows = evidence_file_policy.visible_to(user).select_related("submission__assessment", "submission__indicator")
    item = get_object_or_404(rows, pk=pk)
    evidence_file_policy.check(user, "change", item)
    try:
        services.submission_remove_file(actor=user, file=item)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除文件“%(name)s”。") % {"name": item.original_name})
    return redirect("indicators:submission_edit", pk=item.submission_id)


# --- a liaison's indicators ---------------------------------------------------------------------------


@staff_required
def my_indicators(request):
    """What the user's units answer for: what is due, what was sent back, what waits for review."""
    show = request.GET.get("show", "todo")
    if show not in ("todo", "all"):
        show = "todo"
    groups = selectors.unit_duties(request.user)
    total = sum(len(g.duties) for g in groups)
    due = sum(g.due for g in groups)
    shown = groups
    if show == "todo":
        shown = [selectors.AssessmentDuties(g.assessment, [d for d in g.duties if d.due]) for g in shown]
        shown = [g for g in shown if g.duties]
    units = scope_of(request.user).unit_ids({Role.UNIT_LIAISON})
    return render(request, "indicators/my_indicators.html", {
        "groups": shown, "show": show, "total": total, "due": due, "is_liaison": bool(units),
        "several_units": len(units) > 1,
    })


urlpatterns = [
    path("assessments/<int:pk>/indicators/<str:code>/", indicator_detail, name="indicator_detail"),
    path("submissions/<int:pk>/edit/", submission_edit, name="submission_edit"),
    path("submissions/<int:pk>/review/", submission_review, name="submission_review"),
    path("submissions/<int:pk>/unlock/", submission_unlock, name="submission_unlock"),
    path("submissions/<int:pk>/withdraw/", submission_withdraw, name="submission_withdraw"),
    path("files/<int:pk>/", evidence_file, name="evidence_file"),
    path("files/<int:pk>/remove/", evidence_file_remove, name="evidence_file_remove"),
    path("mine/", my_indicators, name="my_indicators"),
]
