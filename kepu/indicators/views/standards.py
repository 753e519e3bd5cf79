"""Staff pages of indicator standards: the list, one standard's tree, importing a standard file,
copying a standard for another region to adapt, and editing or dropping an indicator."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import services
from ..forms_standards import IndicatorForm, StandardCopyForm, StandardImportForm
from ..models import Indicator, Kind, Op, Standard, Target
from ..policies import assessment_policy, standard_policy
from ..selectors import MeasureInfo, measure_info
from ..standards import StandardFileError, StandardSpec
from ..values import format_value

PAGE_SIZE = 50
KIND_COLOURS = {Kind.EVIDENCE: "primary", Kind.MEASURE: "success", Kind.VETO: "danger"}


# --- list ---------------------------------------------------------------------------------------------


@staff_required
def standard_list(request):
    user = request.user
    leaves = Count("indicators", filter=~Q(indicators__kind=Kind.GROUP), distinct=True)
    qs = (standard_policy.visible_to(user).select_related("region", "based_on")
          .annotate(leaf_count=leaves).order_by("-period_end", "code"))
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the assessments the user may see are counted.
    counts = dict(assessment_policy.visible_to(user).filter(standard__in=[s.pk for s in page])
                  .order_by().values_list("standard").annotate(n=Count("pk")))
    for standard in page:
        standard.assessment_count = counts.get(standard.pk, 0)
        standard.can_copy = standard_policy.can(user, "copy", standard)
    return render(request, "indicators/standard_list.html", {
        "page": page, "can_import": standard_policy.can(user, "add")})


# --- detail -------------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    info: MeasureInfo

    @property
    def op_label(self) -> str:
        return Op(self.target.op).label

    @property
    def value_text(self) -> str:
        return format_value(self.target.value, self.info.unit)


def _tree(standard: Standard) -> list[Indicator]:
    """The indicators depth-first (their stored order), each leaf with `target_rows`."""
    infos: dict[str, MeasureInfo] = {}
    nodes = list(standard.indicators.order_by("order").prefetch_related("targets"))
    for node in nodes:
        node.target_rows = []
        for target in node.targets.all():
            if target.measure not in infos:
                infos[target.measure] = measure_info(standard, target.measure)
            node.target_rows.append(TargetRow(target, infos[target.measure]))
        node.kind_colour = KIND_COLOURS.get(node.kind, "secondary")
    return nodes


def _visible_standard(request, pk) -> Standard:
    return standard_policy.get_visible(request.user, pk=pk)


@staff_required
def standard_detail(request, pk):
    user = request.user
    standard = _visible_standard(request, pk)
    nodes = _tree(standard)
    today = timezone.localdate()
    phases = list(standard.phases.all())
    for phase in phases:
        phase.current = phase.start <= today <= phase.end
        phase.past = phase.end < today
    assessments = (assessment_policy.visible_to(user).filter(standard=standard).select_related("region")
                   .order_by("region__path", "-year"))
    return render(request, "indicators/standard_detail.html", {
        "standard": standard, "nodes": nodes, "phases": phases,
        "leaf_count": sum(1 for n in nodes if n.is_leaf),
        "target_count": sum(len(n.target_rows) for n in nodes),
        "adaptations": standard.adaptations.select_related("region").order_by("code"),
        "assessments": assessments,
        "can_change": standard_policy.can(user, "change", standard),
        "can_copy": standard_policy.can(user, "copy", standard),
    })


# --- import -------------------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What loading a valid file would do."""

    spec: StandardSpec
    existing: Standard | None
    region_name: str

    @property
    def leaf_count(self) -> int:
        return sum(1 for i in self.spec.indicators if i.kind != Kind.GROUP)

    @property
    def target_count(self) -> int:
        return sum(len(i.targets) for i in self.spec.indicators)

    @property
    def unchanged(self) -> bool:
        return self.existing is not None and self.existing.source_digest == self.spec.digest


class _DryRun(Exception):
    """Raised inside the dry run's transaction so that nothing it wrote stays."""


def _region_name(spec: StandardSpec) -> str:
    from kepu.regions.models import Region

    if not spec.region_code:
        return _("全平台通用")
    region = Region.objects.filter(code=spec.region_code).first()
    return region.name if region else spec.region_code


@staff_required
@require_http_methods(["GET", "POST"])
def standard_import(request):
    user = request.user
    standard_policy.check(user, "add")
    form = StandardImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        spec = form.spec
        existing = Standard.objects.filter(code=spec.code).first()
        preview = ImportPreview(spec, existing, _region_name(spec))
        dry_run = form.cleaned_data["dry_run"]
        try:
            # The dry run goes through the same service (every check it makes), then rolls back.
            with transaction.atomic():
                standard, created = services.standard_load(actor=user, spec=spec)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            context.update({"preview": preview, "dry_run": True})
        except StandardFileError as exc:
            form.file_errors = list(exc.errors)
            status = 400
        except PermissionDenied:
            form.file_errors = [_("您不能导入或更新属于“%(region)s”的标准：只能导入您管理的区划的标准。")
                                % {"region": preview.region_name}]
            status = 403
        except ValidationError as exc:
            form.file_errors = [str(m) for m in exc.messages]
            status = 400
        else:
            if created:
                messages.success(request, _("已导入标准“%(title)s”：%(n)d 项指标。") % {
                    "title": standard.title, "n": len(spec.indicators)})
            elif preview.unchanged:
                messages.info(request, _("标准“%(title)s”与文件相同，没有变化。") % {"title": standard.title})
            else:
                messages.success(request, _("已按文件更新标准“%(title)s”。") % {"title": standard.title})
            return redirect("indicators:standard_detail", pk=standard.pk)
    elif request.method == "POST":
        status = 400
    context["file_errors"] = form.file_errors
    return render(request, "indicators/standard_import.html", context, status=status)


# --- copy ---------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def standard_copy(request, pk):
    user = request.user
    source = _visible_standard(request, pk)
    standard_policy.check(user, "copy", source)
    form = StandardCopyForm(request.POST or None, source=source, user=user, default_region=working_region(request))
    if not form.fields["region"].choices:
        raise PermissionDenied  # administers no region a standard could belong to
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.standard_copy(actor=user, standard=source, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("region", _("您不能为这个区划建立标准。"))
        else:
            messages.success(request, _("已复制为“%(title)s”，可以按本区情况修改指标。") % {"title": copy.title})
            return redirect("indicators:standard_detail", pk=copy.pk)
    return render(request, "indicators/standard_copy.html", {"form": form, "source": source},
                  status=400 if form.is_bound and form.errors else 200)


# --- indicators ---------------------------------------------------------------------------------------


def _changeable_indicator(request, pk, indicator_pk) -> tuple[Standard, Indicator]:
    standard = _visible_standard(request, pk)
    indicator = standard.indicators.filter(pk=indicator_pk).first()
    if indicator is None:
        raise Http404
    standard_policy.check(request.user, "change", standard)
    return standard, indicator


def _indicator_anchor(standard: Standard, indicator: Indicator) -> str:
    return reverse("indicators:standard_detail", args=[standard.pk]) + f"#indicator-{indicator.pk}"


def _map_target_errors(form: IndicatorForm, target: Target, exc: ValidationError) -> None:
    fields = {"op": f"target_{target.pk}_op", "value": f"target_{target.pk}_value"}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(fields.get(name), errors)
    else:
        form.add_error(fields["value"], exc.messages)


@transaction.atomic
def _save_indicator(user, indicator: Indicator, form: IndicatorForm) -> None:
    """The indicator and its targets together: a refused target keeps the indicator unchanged too."""
    services.indicator_update(actor=user, indicator=indicator, **form.indicator_fields())
    for target, op, value in form.target_values():
        try:
            services.target_update(actor=user, target=target, op=op, value=value)
        except ValidationError as exc:
            _map_target_errors(form, target, exc)
            raise


@staff_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk, indicator_pk):
    standard, indicator = _changeable_indicator(request, pk, indicator_pk)
    form = IndicatorForm(request.POST or None, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            _save_indicator(request.user, indicator, form)
        except (ValidationError, KepuError) as exc:
            if not form.errors:  # target errors are on their fields already
                add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存指标 %(code)s。") % {"code": indicator.code})
            return redirect(_indicator_anchor(standard, indicator))
    return render(request, "indicators/indicator_form.html", {
        "form": form, "standard": standard, "indicator": indicator},
        status=400 if form.is_bound and form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def indicator_delete(request, pk, indicator_pk):
    standard, indicator = _changeable_indicator(request, pk, indicator_pk)
    if request.method == "POST":
        try:
            services.indicator_delete(actor=request.user, indicator=indicator)
        except KepuError as exc:
            messages.error(request, exc.message)
            return redirect(_indicator_anchor(standard, indicator))
        messages.success(request, _("已删除指标 %(code)s。") % {"code": indicator.code})
        return redirect("indicators:standard_detail", pk=standard.pk)
    below = list(standard.indicators.filter(parent=indicator).order_by("order")) if not indicator.is_leaf else []
    return render(request, "indicators/indicator_delete.html", {
        "standard": standard, "indicator": indicator, "children": below,
        "used": indicator.submissions.exists()})


urlpatterns = [
    path("standards/", standard_list, name="standard_list"),
    path("standards/import/", standard_import, name="standard_import"),
    path("standards/<int:pk>/", standard_detail, name="standard_detail"),
    path("standards/<int:pk>/copy/", standard_copy, name="standard_copy"),
    path("standards/<int:pk>/indicators/<int:indicator_pk>/edit/", indicator_edit, name="indicator_edit"),
    path("standards/<int:pk>/indicators/<int:indicator_pk>/delete/", indicator_delete, name="indicator_delete"),
]
