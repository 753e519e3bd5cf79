"""Agriculture-related towns and their 农技协 (B1.5): the towns of a region with why each counts as
agriculture-related and which association covers it, the override by region admins, and the
association list with entering, editing and deleting."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.regions.models import Level, Region
from kepu.regions.policies import region_policy
from kepu.regions.services import region_update

from .. import base_selectors as selectors
from ..base_forms import (
    AgriOverrideForm,
    AgriTownFilterForm,
    AssociationFilterForm,
    AssociationForm,
)
from ..policies import rural_association_policy
from ..profile_services import association_create, association_delete, association_update
from .common import (
    PAGE_SIZE,
    CappedPaginator,
    back_to,
    choose_region_and_year,
    export_refused,
    measure_figure,
    page_context,
    staff_required,
    working_region,
)


def agri_reason(town: Region) -> str:
    """Why the town is (or is not) agriculture-related, in the words of agri_related_q."""
    if town.agri_related_override is True:
        return _("人工认定")
    if town.agri_related_override is False:
        return _("人工认定为非涉农")
    if town.rural_villages:
        return _("含乡村（2xx）村 %(n)d 个") % {"n": town.rural_villages}
    if town.urban_rural_code.startswith("2"):
        return _("本镇（街）城乡分类代码为乡村（%(code)s）") % {"code": town.urban_rural_code}
    if not town.villages:
        return _("未登记下辖村（社区），也未人工认定")
    return _("无乡村（2xx）村")


def _filtered(request, region, year):
    form = AgriTownFilterForm(request.GET)
    f = form.values()
    return form, selectors.agri_towns(request.user, region, year, agri=f["agri"], covered=f["covered"])


@staff_required
def agri_town_list(request):
    user = request.user
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    towns = list(page)
    associations = selectors.associations_by_town(towns, year)
    rows = [{"town": t, "reason": agri_reason(t), "associations": associations.get(t.path, []),
             "can_change": region_policy.can(user, "change", t),
             "override": AgriOverrideForm.value_of(t.agri_related_override)} for t in towns]
    return render(request, "orgs/base/agri_towns.html", {
        **page_context(request, region, year),
        "form": form, "errors": form.error_list(), "page": page, "rows": rows,
        "totals": selectors.agri_totals(user, region, year),
        "figure": measure_figure(user, "agri_town_association_ratio", region, year),
        "override_choices": AgriOverrideForm.base_fields["agri"].choices,
        "can_add": rural_association_policy.can(user, "add"),
    })


@staff_required
def agri_town_export(request):
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    refused = export_refused(request, form, qs, "basedata:agri_towns")
    if refused is not None:
        return refused
    towns = list(qs)
    associations = selectors.associations_by_town(towns, year)
    rows = []
    for t in towns:
        alive = associations.get(t.path, [])
        rows.append([t.code, t.name, t.urban_rural_code, _("是") if t.is_agri else _("否"), agri_reason(t),
                     _("是") if t.covered else _("否"), len(alive), "、".join(a.name for a in alive),
                     sum(a.members for a in alive), sum(1 for a in alive if a.on_smart_platform)])
    sheet = Sheet(_("涉农镇与农技协"), [_("区划代码"), _("镇（街）"), _("城乡分类代码"), _("涉农"), _("认定依据"),
                                   _("建有农技协"), _("农技协个数"), _("农技协名称"), _("会员数"), _("入驻智慧农技协平台个数")],
                  rows)
    return xlsx_response(workbook([sheet]), _("涉农镇与农技协-%(region)s-%(year)d.xlsx") % {"region": region.name,
                                                                                      "year": year})


@staff_required
@require_POST
def agri_override(request, code: str):
    """A region admin decides whether a town is agriculture-related (or leaves it to the class codes)."""
    town = region_policy.get_visible(request.user, code=code, level=Level.TOWN)
    region_policy.check(request.user, "change", town)
    form = AgriOverrideForm(request.POST)
    back = back_to(request, reverse("basedata:agri_towns") + "?" + urlencode({"region": town.parent.code}))
    if not form.is_valid():
        messages.error(request, _("未保存：请选择“是”“否”或“按城乡分类代码”。"))
        return redirect(back)
    try:
        region_update(actor=request.user, region=town, agri_related_override=form.override,
                      unchanged_since=form.cleaned_data["loaded_at"])
    except KepuError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已将 %(town)s 的涉农认定改为“%(value)s”。")
                         % {"town": town.name, "value": dict(form.fields["agri"].choices)[form.cleaned_data["agri"]]})
    return redirect(back)


# --- 农技协 ----------------------------------------------------------------------------------------------


def _associations(request):
    form = AssociationFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, rural_association_policy.visible_to(request.user).none()
    data = form.cleaned_data
    region = form.region_obj
    if region is None and not data["region"]:
        region = working_region(request)
    return form, selectors.association_list(request.user, region=region, year=data["year"],
                                            platform=data["platform"], query=data["q"])


@staff_required
def association_list(request):
    form, qs = _associations(request)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    for association in page:
        association.can_change = rural_association_policy.can(user, "change", association)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "orgs/base/associations.html", {
        "form": form, "errors": form.error_list(), "page": page, "query": query.urlencode(),
        "can_add": rural_association_policy.can(user, "add"), "here": request.get_full_path(),
    })


@staff_required
def association_export(request):
    form, qs = _associations(request)
    refused = export_refused(request, form, qs, "basedata:associations")
    if refused is not None:
        return refused
    rows = [[a.region.code, a.region.name, a.name, a.unit.full_name if a.unit else "", a.founded_on, a.dissolved_on,
             a.members, _("是") if a.on_smart_platform else _("否"), a.industry, a.contact_name]
            for a in qs.iterator(chunk_size=2000)]
    sheet = Sheet(_("农技协"), [_("区划代码"), _("所在区域"), _("名称"), _("对应单位"), _("成立日期"), _("注销日期"),
                              _("会员数"), _("已入驻智慧农技协平台"), _("产业领域"), _("联系人")], rows,
                  formats={4: "yyyy-mm-dd", 5: "yyyy-mm-dd"})
    log_action(actor=request.user, action="rural_association.exported", changes={"rows": len(rows)})
    return xlsx_response(workbook([sheet]), _("农技协.xlsx"))


def _place_refused(form) -> None:
    form.add_error("region_code", _("您不能在所填区域登记农技协：请填写您管理范围内的镇（街）或村（社区）代码，或选择您负责的单位。"))


def _list_url(association=None) -> str:
    url = reverse("basedata:associations")
    return url + "?" + urlencode({"region": association.region.code}) if association else url


@staff_required
def association_create_view(request):
    user = request.user
    rural_association_policy.check(user, "add")
    form = AssociationForm(request.POST or None, user=user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        fields.pop("unchanged_since", None)
        try:
            association = association_create(actor=user, **fields)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已登记农技协“%(name)s”。") % {"name": association.name})
            return redirect(back_to(request, _list_url(association)))
    return render(request, "orgs/base/association_form.html",
                  {"form": form, "title": _("登记农技协"), "back": back_to(request, _list_url())},
                  status=400 if form.errors else 200)


@staff_required
def association_edit(request, pk: int):
    user = request.user
    association = rural_association_policy.get_visible(user, pk=pk)
    rural_association_policy.check(user, "change", association)
    form = AssociationForm(request.POST or None, user=user, instance=association)
    if request.method == "POST" and form.is_valid():
        try:
            association_update(actor=user, association=association, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect(back_to(request, _list_url(association)))
    return render(request, "orgs/base/association_form.html",
                  {"form": form, "association": association, "title": _("编辑农技协"),
                   "can_delete": rural_association_policy.can(user, "delete", association),
                   "back": back_to(request, _list_url(association))},
                  status=400 if form.errors else 200)


@staff_required
@require_POST
def association_delete_view(request, pk: int):
    user = request.user
    association = rural_association_policy.get_visible(user, pk=pk)
    rural_association_policy.check(user, "delete", association)
    back = _list_url(association)
    try:
        association_delete(actor=user, association=association)
    except KepuError as exc:
        messages.error(request, exc.message)
        return redirect("basedata:association_edit", pk=pk)
    messages.success(request, _("已删除农技协“%(name)s”。") % {"name": association.name})
    return redirect(back)


urlpatterns = [
    path("agri-towns/export.xlsx", agri_town_export, name="agri_towns_export"),
    path("agri-towns/<str:code>/override/", agri_override, name="agri_override"),
    path("associations/", association_list, name="associations"),
    path("associations/export.xlsx", association_export, name="associations_export"),
    path("associations/new/", association_create_view, name="association_create"),
    path("associations/<int:pk>/edit/", association_edit, name="association_edit"),
    path("associations/<int:pk>/delete/", association_delete_view, name="association_delete"),
]
