"""The assessment pages: the list, a new assessment, the scorecard (status, values against targets,
the records behind each number, who answers for what), and the self-assessment's life: refresh,
submit (a snapshot), reopen, the report text, and the changes since the last snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import selectors, services
from ..forms import AssessmentCreateForm, AssessmentFilterForm, NarrativesForm, ReopenForm
from ..models import Assessment, AssessmentStatus, Indicator, Op, Status, SubmissionStatus
from ..policies import assessment_policy
from ..values import format_value

PAGE_SIZE = 50
MANY_UNITS = 5  # more units than this are folded into a count with a list to open


def _visible(request, pk) -> Assessment:
    """The assessment if the user may see it (else 404), with what every page shows of it."""
    qs = assessment_policy.visible_to(request.user).select_related("region", "standard", "submitted_by")
    try:
        return qs.get(pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def _detail(assessment: Assessment) -> str:
    return reverse("indicators:assessment_detail", args=[assessment.pk])


def _detail_base(assessment: Assessment) -> str:
    """The address of an indicator's page with `{}` for its code (one reverse() for the whole tree)."""
    return reverse("indicators:indicator_detail", args=[assessment.pk, "CODE"]).replace("CODE", "{}")


# --- the list -----------------------------------------------------------------------------------------


@staff_required
def assessment_list(request):
    user = request.user
    form = AssessmentFilterForm(request.GET, user=user)
    qs = (assessment_policy.visible_to(user).select_related("region", "standard")
          .order_by("-year", "region__path", "standard__code", "pk"))
    qs = form.filter(qs) if form.is_valid() else qs.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "indicators/assessment_list.html", {
        "form": form, "errors": form.error_list(), "page": page,
        "can_create": assessment_policy.can(user, "add"),
    })


# --- a new assessment ---------------------------------------------------------------------------------


@staff_required
def assessment_create(request):
    assessment_policy.check(request.user, "add")
    form = AssessmentCreateForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(actor=request.user, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新建评估：%(title)s。") % {"title": assessment})
            return redirect(_detail(assessment))
    return render(request, "indicators/assessment_form.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)


# --- the scorecard ------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    """A target of a leaf as shown: its result, the operator in print, and where its value comes from."""

    result: selectors.TargetResult
    op_label: str
    value_url: str = ""  # the records behind a computed value, or the submission of a manual one


@dataclass
class TreeRow:
    """A row of the scorecard: a group (with its counts) or a leaf (with its result)."""

    node: Indicator
    result: selectors.IndicatorResult | None = None
    met: int = 0
    total: int = 0
    detail_url: str = ""
    units_folded: bool = False
    targets: list[TargetRow] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.result is None


OP_LABELS = dict(Op.choices)


def _value_url(target: selectors.TargetResult, detail_url: str) -> str:
    if target.source == "manual" and target.submission is not None:
        return f"{detail_url}#submission-{target.submission.pk}"
    return target.records_url


def tree_rows(card: selectors.Scorecard, status: str = "") -> list[TreeRow]:
    """The tree depth first; with `status`, only the leaves in that status and the groups above them."""
    rows = {n.pk: TreeRow(n, card.results.get(n.code)) for n in card.nodes}
    parents = {n.pk: n.parent_id for n in card.nodes}
    base = _detail_base(card.assessment)
    shown: set[int] = set()
    for row in rows.values():
        if row.result is None:
            continue
        row.detail_url = base.format(quote(row.node.code))
        row.targets = [TargetRow(t, OP_LABELS.get(t.op, t.op), _value_url(t, row.detail_url))
                       for t in row.result.targets]
        row.units_folded = len(row.result.lead_units) + len(row.result.units) > MANY_UNITS
        keep = not status or row.result.status == status
        up = parents[row.node.pk]
        while up is not None:
            group = rows[up]
            group.total += 1
            group.met += row.result.status == Status.MET
            if keep:
                shown.add(up)
            up = parents[up]
        if keep:
            shown.add(row.node.pk)
    return [rows[n.pk] for n in card.nodes if n.pk in shown]


def chart_data(card: selectors.Scorecard) -> dict:
    """Met and not-yet-met leaves per level-1 indicator, for the bar chart."""
    return {
        "labels": [f"{g.indicator.code} {g.indicator.title}" for g in card.groups],
        "met": [g.met for g in card.groups],
        "rest": [g.total - g.met for g in card.groups],
        "names": {"met": _("达标"), "rest": _("未达标或待完成")},
    }


@staff_required
def assessment_detail(request, pk):
    user = request.user
    assessment = _visible(request, pk)
    card = selectors.scorecard(assessment)
    services.store_summary(assessment, card)
    status = request.GET.get("status", "").strip()
    if status and status not in Status.values:
        messages.error(request, _("状态筛选：“%(value)s”不是有效的状态，已显示全部指标。") % {"value": status[:20]})
        status = ""
    by_status = card.by_status
    not_met = card.total - card.met
    can_change = assessment_policy.can(user, "change", assessment)
    return render(request, "indicators/assessment_detail.html", {
        "assessment": assessment, "card": card, "rows": tree_rows(card, status), "status": status,
        "status_chips": [(s.value, s.label, by_status[s.value]) for s in Status],
        "not_met": not_met, "chart": chart_data(card), "readiness": round(card.readiness * 100, 1),
        "snapshot": assessment.snapshots.select_related("taken_by").first(),
        "snapshot_count": assessment.snapshots.count(),
        "can_change": can_change, "submitted": assessment.status == AssessmentStatus.SUBMITTED,
    })


def _error_text(exc: ValidationError | KepuError) -> str:
    return exc.message if isinstance(exc, KepuError) else "；".join(exc.messages)


def _write(request, pk) -> Assessment:
    assessment = _visible(request, pk)
    assessment_policy.check(request.user, "change", assessment)
    return assessment


@staff_required
@require_POST
def assessment_refresh(request, pk):
    assessment = _write(request, pk)
    try:
        card = services.assessment_refresh(actor=request.user, assessment=assessment)
    except (ValidationError, KepuError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已刷新：达标 %(met)d / %(total)d 项，责任单位已按标准重新匹配。")
                         % {"met": card.met, "total": card.total})
    return redirect(_detail(assessment))


@staff_required
@require_POST
def assessment_submit(request, pk):
    assessment = _write(request, pk)
    try:
        snapshot = services.assessment_submit(actor=request.user, assessment=assessment)
    except (ValidationError, KepuError) as exc:
        messages.error(request, _error_text(exc))
    else:
        summary = snapshot.data.get("summary", {})
        messages.success(request, _("已提交自评并保存快照：达标 %(met)s / %(total)s 项。此后的变化可在“变化”页查看。")
                         % {"met": summary.get("met", 0), "total": summary.get("total", 0)})
    return redirect(_detail(assessment))


@staff_required
def assessment_reopen(request, pk):
    assessment = _write(request, pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_reopen(actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"])
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已退回修改，评估恢复为“自评中”。"))
            return redirect(_detail(assessment))
    return render(request, "indicators/assessment_reopen.html", {"assessment": assessment, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@staff_required
def assessment_narratives(request, pk):
    assessment = _write(request, pk)
    sections = list(assessment.standard.indicators.filter(parent__isnull=True).order_by("order"))
    form = NarrativesForm(request.POST or None, instance=assessment, sections=sections)
    if request.method == "POST" and form.is_valid():
        try:
            services.narratives_update(actor=request.user, assessment=assessment, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("报告文字已保存。"))
            return redirect(_detail(assessment))
    return render(request, "indicators/assessment_narratives.html", {"assessment": assessment, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


# --- changes since the snapshot -----------------------------------------------------------------------


@dataclass
class ChangeGroup:
    code: str
    title: str
    detail_url: str
    lines: list[str] = field(default_factory=list)


def _value_text(raw: str, unit: str) -> str:
    if raw in ("", None):
        return "—"
    try:
        return format_value(Decimal(raw), unit)
    except (InvalidOperation, TypeError, ValueError):
        return str(raw)


def _status_text(value: str) -> str:
    return Status(value).label if value in Status.values else (value or "—")


def _submission_status_text(value: str) -> str:
    return SubmissionStatus(value).label if value in SubmissionStatus.values else (value or "—")


def describe(change: selectors.Change, standard) -> str:
    """One change in words, e.g. 状态：达标 → 未达标."""
    if change.what == "status":
        if not change.before:
            return _("新增指标（%(status)s）") % {"status": _status_text(change.after)}
        return _("状态：%(before)s → %(after)s") % {"before": _status_text(change.before),
                                                 "after": _status_text(change.after)}
    if change.what == "value":
        info = selectors.measure_info(standard, change.measure)
        return _("数值（%(label)s）：%(before)s → %(after)s") % {
            "label": info.label, "before": _value_text(change.before, info.unit),
            "after": _value_text(change.after, info.unit)}
    if change.what == "evidence_added":
        return _("新增佐证：%(text)s") % {"text": change.after}
    if change.what == "evidence_removed":
        return _("撤回佐证：%(text)s") % {"text": change.before}
    if change.what == "evidence_status":
        return _("佐证状态变化（%(text)s）：%(before)s → %(after)s") % {
            "text": change.measure, "before": _submission_status_text(change.before),
            "after": _submission_status_text(change.after)}
    return f"{change.what}: {change.before} → {change.after}"


def change_groups(changes: list[selectors.Change], card: selectors.Scorecard) -> list[ChangeGroup]:
    """The changes per indicator, in the order of the tree."""
    base = _detail_base(card.assessment)
    order = {n.code: i for i, n in enumerate(card.nodes)}
    groups: dict[str, ChangeGroup] = {}
    for change in changes:
        if change.code not in groups:
            result = card.results.get(change.code)
            title = result.indicator.title if result else ""
            groups[change.code] = ChangeGroup(change.code, title, base.format(quote(change.code)) if result else "")
        groups[change.code].lines.append(describe(change, card.assessment.standard))
    return sorted(groups.values(), key=lambda g: order.get(g.code, len(order)))


@staff_required
def assessment_changes(request, pk):
    assessment = _visible(request, pk)
    snapshots = list(assessment.snapshots.select_related("taken_by")[:50])
    latest = snapshots[0] if snapshots else None
    groups = []
    if latest is not None:
        card = selectors.scorecard(assessment)
        groups = change_groups(selectors.differences(latest.data, card), card)
    older = [(s, s.data.get("summary", {})) for s in snapshots[1:]]
    return render(request, "indicators/assessment_changes.html", {
        "assessment": assessment, "snapshot": latest, "snapshot_summary": latest.data.get("summary", {})
        if latest else {}, "groups": groups, "older": older,
    })


urlpatterns = [
    path("", assessment_list, name="assessment_list"),
    path("assessments/new/", assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/refresh/", assessment_refresh, name="assessment_refresh"),
    path("assessments/<int:pk>/submit/", assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/reopen/", assessment_reopen, name="assessment_reopen"),
    path("assessments/<int:pk>/changes/", assessment_changes, name="assessment_changes"),
    path("assessments/<int:pk>/report-text/", assessment_narratives, name="assessment_narratives"),
]
