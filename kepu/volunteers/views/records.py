"""Staff pages of service records: the list with totals, entering and correcting hours, approving
and rejecting them, and the hours export (volunteer number and name, never an ID number)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator

from .. import selectors, services
from ..exports import records_sheet
from ..forms import (
    RecordEditForm,
    RecordFilterForm,
    RecordForm,
    RejectForm,
    VerifyForm,
    managed_teams,
)
from ..models import RecordSource, RecordStatus, ServiceRecord
from ..policies import record_policy
from .roster import query_without, staff_or_leader_required, team_options

PAGE_SIZE = 50
EXPORT_CAP = 100_000


def _back(request, default: str) -> str:
    """The page to return to (`next`, when it is one of ours), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _filtered(request):
    form = RecordFilterForm(request.GET, user=request.user)
    if form.is_valid():
        return form, selectors.record_list(request.user, **form.selector_kwargs())
    return form, ServiceRecord.objects.none()


@staff_or_leader_required
def record_list(request):
    user = request.user
    form, qs = _filtered(request)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.can_verify = record.status != RecordStatus.REJECTED and record_policy.can(user, "verify", record)
        record.can_change = record_policy.can(user, "change", record)
    context = {
        "page": page, "form": form, "errors": form.error_list(), "totals": selectors.record_totals(qs),
        "team_options": team_options(user, form.team_obj), "years": range(timezone.localdate().year, 2019, -1),
        "can_create": managed_teams(user).exists(), "any_pending": any(
            r.status == RecordStatus.PENDING and r.can_verify for r in page),
        "export_query": query_without(request, "page"), "here": request.get_full_path(),
        "verify_form": VerifyForm(),
    }
    template = "volunteers/records/partials/_results.html" if request.htmx else "volunteers/records/list.html"
    return render(request, template, context)


@staff_or_leader_required
def record_create(request):
    user = request.user
    if not managed_teams(user).exists():
        raise PermissionDenied
    initial = {"date": timezone.localdate(), "team": request.GET.get("team", ""),
               "volunteer_number": request.GET.get("volunteer", "")[:20]}
    form = RecordForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        team = form.cleaned_data["team"]
        try:
            record = services.record_create(actor=user, volunteer=form.volunteer, team=team,
                                            verify=form.cleaned_data["verify"], source=RecordSource.MANUAL,
                                            **form.record_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            if record.status == RecordStatus.VERIFIED:
                messages.success(request, _("已录入并认定 %(name)s 的服务时长 %(hours)s 小时。")
                                 % {"name": record.volunteer.name, "hours": record.hours})
            else:
                messages.success(request, _("已录入 %(name)s 的服务时长 %(hours)s 小时，待审核。")
                                 % {"name": record.volunteer.name, "hours": record.hours})
            return redirect(reverse("volunteers:records") + f"?team={team.pk}")
    return render(request, "volunteers/records/form.html", {"form": form, "title": _("录入服务时长")})


@staff_or_leader_required
def record_edit(request, pk):
    record = record_policy.get_visible(request.user, pk=pk)
    record_policy.check(request.user, "change", record)
    form = RecordEditForm(request.POST or None, instance=record)
    back = _back(request, reverse("volunteers:records") + f"?volunteer={record.volunteer_id}")
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(actor=request.user, record=record, **form.record_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(back)
    return render(request, "volunteers/records/form.html", {"form": form, "record": record, "back": back,
                                                            "title": _("修改服务记录")})


@staff_or_leader_required
@require_POST
def records_verify(request):
    """Approve the pending records ticked on the list (those the user may verify; others are skipped)."""
    user = request.user
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    back = _back(request, reverse("volunteers:records"))
    if not ids:
        messages.error(request, _("请先勾选要认定的记录。"))
        return redirect(back)
    form = VerifyForm(request.POST)
    quality = form.cleaned_data["quality"] if form.is_valid() else ""
    pending = list(record_policy.visible_to(user).filter(pk__in=ids, status=RecordStatus.PENDING)
                   .select_related("team"))
    allowed = [r for r in pending if record_policy.can(user, "verify", r)]
    try:
        done = services.records_verify(actor=user, records=allowed, quality=quality) if allowed else 0
    except KepuError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("已认定 %(n)d 条记录。") % {"n": done})
    if len(ids) > done:
        messages.warning(request, _("%(n)d 条记录未认定：已处理过，或不在您的审核范围内。") % {"n": len(ids) - done})
    return redirect(back)


@staff_or_leader_required
@require_POST
def record_reject(request, pk):
    record = record_policy.get_visible(request.user, pk=pk)
    record_policy.check(request.user, "verify", record)
    back = _back(request, reverse("volunteers:records"))
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未驳回：请填写驳回原因（不超过 200 字）。"))
        return redirect(back)
    try:
        services.record_reject(actor=request.user, record=record, reason=form.cleaned_data["reason"])
    except KepuError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("未驳回：%(e)s") % {"e": "；".join(exc.messages)})
    else:
        messages.success(request, _("已驳回 %(name)s %(date)s 的服务记录。")
                         % {"name": record.volunteer.name, "date": record.date.isoformat()})
    return redirect(back)


@staff_or_leader_required
def records_export(request):
    form, qs = _filtered(request)
    back = reverse("volunteers:records") + ("?" + request.GET.urlencode() if request.GET else "")
    if not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": "；".join(form.error_list())})
        return redirect(back)
    if qs.order_by()[: EXPORT_CAP + 1].count() > EXPORT_CAP:
        messages.error(request, _("符合条件的记录超过 %(n)s 条，请缩小范围后再导出。") % {"n": f"{EXPORT_CAP:,}"})
        return redirect(back)
    sheet = records_sheet(qs.order_by("date", "id").iterator(chunk_size=2000))
    log_action(actor=request.user, action="service_record.exported",
               scope_path=form.region_obj.path if form.region_obj else "",
               changes={"rows": len(sheet.rows), "filters": {k: str(v) for k, v in form.cleaned_data.items()
                                                             if v not in (None, "")}})
    filename = _("志愿服务记录-%(day)s.xlsx") % {"day": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(workbook([sheet]), filename)


urlpatterns = [
    path("records/", record_list, name="records"),
    path("records/new/", record_create, name="record_create"),
    path("records/verify/", records_verify, name="records_verify"),
    path("records/export.xlsx", records_export, name="records_export"),
    path("records/<int:pk>/edit/", record_edit, name="record_edit"),
    path("records/<int:pk>/reject/", record_reject, name="record_reject"),
]
