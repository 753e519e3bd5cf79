"""站栏员 coverage village by village: which of the science station, the board and the village
science officer each village lacks, with the measure's figure, officers appointed and removed by
the region admins over the village, and the table as Excel. Phone numbers are shown masked only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.accounts.models import Role, RoleAssignment
from kepu.accounts.policies import role_assignment_policy
from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.measures import get_measure, reason_text
from kepu.core.pii import mask_phone
from kepu.core.views_common import (
    FIRST_YEAR,
    CappedPaginator,
    choose_region_and_year,
    region_staff_required,
)
from kepu.regions.models import Level, Region
from kepu.regions.selectors import covered_regions

from .. import selectors
from ..forms import OfficerForm
from ..officers import officers_of, village_officer_appoint, village_officer_remove
from . import back_to, error_lines

MEASURE = "village_station_board_officer_coverage"
PAGE_SIZE = 100


def _officer_label(assignment: RoleAssignment) -> str:
    user = assignment.user
    name = user.display_name or user.username
    return f"{name}（{mask_phone(user.phone)}）" if user.phone else name


def _may_appoint(user, village: Region) -> bool:
    return role_assignment_policy.can(user, "grant", RoleAssignment(role=Role.VILLAGE_OFFICER, region=village))


def _chosen(request):
    region, year = choose_region_and_year(request, covered_regions(request.user))
    return region, year, request.GET.get("incomplete") == "1"


@region_staff_required
def coverage(request):
    user = request.user
    region, year, incomplete = _chosen(request)
    totals = selectors.coverage_totals(selectors.coverage_villages(region, year))
    value = get_measure(MEASURE).compute([region], year)[region.code]
    page = CappedPaginator(selectors.coverage_villages(region, year, incomplete=incomplete), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    officers = officers_of(list(page))
    for village in page:
        village.officers = [(a.pk, _officer_label(a)) for a in officers.get(village.pk, [])]
        village.can_appoint = _may_appoint(user, village)
    this_year = timezone.localdate().year
    query = {"region": region.code, "year": year}
    return render(request, "venues/coverage.html", {
        "region": region, "year": year, "incomplete": incomplete, "page": page, "totals": totals,
        "incomplete_count": totals["n"] - totals["covered"], "value": value,
        "value_percent": f"{value.value * 100:.2f}%" if value.value is not None else "",
        "reason": reason_text(value.reason) if value.value is None else "",
        "years": range(this_year + 1, FIRST_YEAR - 1, -1),
        "breadcrumbs": covered_regions(user).filter(path__in=region.ancestor_paths())
        .exclude(pk=region.pk).order_by("depth"),
        "export_query": urlencode({**query, **({"incomplete": "1"} if incomplete else {})}),
        "here": request.get_full_path(), "officer_form": OfficerForm(),
        "list_url": reverse("venues:list") + "?" + urlencode({**query, "in_use": "1"}),
    })


@region_staff_required
def coverage_export(request):
    region, year, incomplete = _chosen(request)
    villages = selectors.coverage_villages(region, year, incomplete=incomplete)
    yes, no = _("有"), _("缺")
    rows = []
    # In chunks, each with its own officer lookup (a bounded IN list on every database).
    chunk: list[Region] = []

    def flush():
        officers = officers_of(chunk)
        for v in chunk:
            names = "、".join(_officer_label(a) for a in officers.get(v.pk, []))
            rows.append([v.code, v.name, v.parent.name if v.parent_id else "", v.get_kind_display(),
                         yes if v.has_station else no, yes if v.has_board else no, names or no,
                         _("是") if v.has_station and v.has_board and v.has_officer else _("否")])
        chunk.clear()

    for village in villages.iterator(chunk_size=1000):
        chunk.append(village)
        if len(chunk) >= 1000:
            flush()
    flush()
    headers = [_("区划代码"), _("村（社区）"), _("乡镇（街道）"), _("类型"), _("科普活动室（站）"), _("科普画廊（宣传栏）"),
               _("村级科普员"), _("站栏员齐全")]
    sheet = Sheet(_("站栏员覆盖"), headers, rows)
    log_action(actor=request.user, action="venue_coverage.exported", scope_path=region.path,
               changes={"rows": len(rows), "year": year, "incomplete": incomplete, "phones": "masked"})
    filename = _("站栏员覆盖-%(region)s-%(year)d.xlsx") % {"region": region.name, "year": year}
    return xlsx_response(workbook([sheet]), filename)


def _village(request, pk) -> Region:
    village = covered_regions(request.user).filter(pk=pk, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    return village


@region_staff_required
@require_POST
def officer_appoint(request, pk):
    village = _village(request, pk)
    if not _may_appoint(request.user, village):
        raise PermissionDenied
    back = back_to(request, reverse("venues:coverage") + "?" + urlencode({"region": village.code}))
    form = OfficerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未任命（%(village)s）：%(errors)s") % {"village": village.name,
                                                                    "errors": "；".join(error_lines(form))})
        return redirect(back)
    try:
        assignment = village_officer_appoint(actor=request.user, village=village, name=form.cleaned_data["name"],
                                             phone=form.cleaned_data["phone"])
    except ValidationError as exc:
        messages.error(request, _("未任命（%(village)s）：%(errors)s") % {"village": village.name,
                                                                    "errors": "；".join(exc.messages)})
    except KepuError as exc:
        messages.error(request, _("未任命（%(village)s）：%(errors)s") % {"village": village.name, "errors": exc.message})
    else:
        messages.success(request, _("已任命 %(who)s 为%(village)s的村级科普员。")
                         % {"who": _officer_label(assignment), "village": village.name})
    return redirect(back)


@region_staff_required
@require_POST
def officer_remove(request, pk):
    assignment = (RoleAssignment.objects.filter(
        pk=pk, role=Role.VILLAGE_OFFICER, region__in=covered_regions(request.user))
        .select_related("user", "region").first())
    if assignment is None:
        raise Http404
    role_assignment_policy.check(request.user, "revoke", assignment)
    village = assignment.region
    back = back_to(request, reverse("venues:coverage") + "?" + urlencode({"region": village.code}))
    label = _officer_label(assignment)
    try:
        village_officer_remove(actor=request.user, assignment=assignment)
    except (ValidationError, KepuError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else exc.message)
    else:
        messages.success(request, _("已取消 %(who)s 的%(village)s村级科普员任命。") % {"who": label, "village": village.name})
    return redirect(back)


urlpatterns = [
    path("coverage/", coverage, name="coverage"),
    path("coverage/export.xlsx", coverage_export, name="coverage_export"),
    path("coverage/villages/<int:pk>/officers/", officer_appoint, name="officer_appoint"),
    path("coverage/officers/<int:pk>/remove/", officer_remove, name="officer_remove"),
]
