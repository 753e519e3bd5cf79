"""School profiles (B1.4, B3.4): every primary and secondary school of a region with its profile of
the year, the two measures at the top, editing one school's profile, and the Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.forms import add_service_errors

from .. import base_selectors as selectors
from ..base_forms import SchoolFilterForm, SchoolProfileForm
from ..models import SchoolProfile
from ..policies import school_profile_policy
from ..profile_services import SCHOOL_PROFILE_FIELDS, school_profile_set
from .common import (
    PAGE_SIZE,
    CappedPaginator,
    back_to,
    choose_region_and_year,
    export_refused,
    measure_figure,
    page_context,
    staff_required,
    year_choices,
)

PROFILE_VALUES = [name for name in selectors.PROFILE_COLUMNS if name not in ("id", "updated_at")]


def _filtered(request, region, year):
    form = SchoolFilterForm(request.GET)
    f = form.values()
    qs = selectors.school_rows(request.user, region, year, district_run=f["district_run"], compliant=f["compliant"],
                               room=f["room"], missing=f["missing"], query=f["q"] or "")
    return form, qs


def _profile_of(school, year: int) -> SchoolProfile:
    """The row's profile as an (unsaved) object, from the columns the list query joined in."""
    profile = SchoolProfile(unit=school, region=school.region, year=year)
    if school.p_id is not None:
        profile.pk = school.p_id
        profile.updated_at = school.p_updated_at
        for name in PROFILE_VALUES:
            setattr(profile, name, getattr(school, f"p_{name}"))
    return profile


@staff_required
def school_list(request):
    user = request.user
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for school in page:
        profile = _profile_of(school, year)
        rows.append({"school": school, "profile": profile if profile.pk else None,
                     "can_edit": school_profile_policy.can(user, "change" if profile.pk else "add", profile)})
    totals = selectors.school_totals(user, region, year)
    figures = [measure_figure(user, "school_science_staff_compliance", region, year),
               measure_figure(user, "school_tech_room_ratio", region, year)]
    return render(request, "orgs/base/schools.html", {
        **page_context(request, region, year),
        "form": form, "errors": form.error_list(), "page": page, "rows": rows, "totals": totals,
        "figures": figures, "can_import": school_profile_policy.can(user, "add"),
    })


@staff_required
def school_export(request):
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    refused = export_refused(request, form, qs, "basedata:schools")
    if refused is not None:
        return refused
    rows = []
    for school in qs.iterator(chunk_size=2000):
        p = _profile_of(school, year)
        filled = p.pk is not None
        rows.append([school.region.code, school.region.name, school.full_name, school.get_type_display(), year,
                     _("已填报") if filled else _("未填报"),
                     *([_("是") if p.district_run else _("否"), p.science_teachers, p.tutors_full_time,
                        p.tutors_part_time, _("是") if p.staff_compliant else _("否"),
                        _("有") if p.has_tech_room else _("无"), p.get_feature_level_display(), p.note]
                       if filled else ["", None, None, None, _("否"), "", "", ""])])
    sheet = Sheet(_("中小学科普情况"), [_("区划代码"), _("所在区域"), _("学校"), _("类型"), _("年度"), _("填报情况"),
                                   _("区属学校"), _("科学教师人数"), _("专职科技辅导员人数"), _("兼职科技辅导员人数"),
                                   _("配齐科学教师或科技辅导员"), _("科技活动室"), _("科技特色学校级别"), _("备注")], rows)
    log_action(actor=request.user, action="school_profile.exported", scope_path=region.path,
               changes={"rows": len(rows), "year": year})
    return xlsx_response(workbook([sheet]), _("中小学科普情况-%(region)s-%(year)d.xlsx") % {"region": region.name,
                                                                                     "year": year})


@staff_required
def school_profile_edit(request, pk: int, year: int):
    """Enter or correct one school's profile for a year; `?copy=1` starts from its latest earlier one."""
    if year not in year_choices():
        raise Http404
    user = request.user
    school = get_object_or_404(selectors.visible_schools(user).select_related("region"), pk=pk)
    profile = SchoolProfile.objects.filter(unit=school, year=year).first()
    target = profile or SchoolProfile(unit=school, region=school.region, year=year)
    school_profile_policy.check(user, "change" if profile else "add", target)
    previous = selectors.previous_profile(school, year)
    copied = previous if profile is None and previous is not None and request.GET.get("copy") == "1" else None
    initial = {name: getattr(copied, name) for name in SCHOOL_PROFILE_FIELDS} if copied else None
    form = SchoolProfileForm(request.POST or None, instance=target, initial=initial)
    back = back_to(request, reverse("basedata:schools") + "?" + urlencode({"region": school.region.code,
                                                                            "year": year}))
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        unchanged_since = fields.pop("unchanged_since")
        try:
            school_profile_set(actor=user, unit=school, year=year, unchanged_since=unchanged_since, **fields)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(school)s %(year)d 年的科普情况。") % {"school": school.full_name,
                                                                                  "year": year})
            return redirect(back)
    return render(request, "orgs/base/school_form.html", {
        "form": form, "school": school, "year": year, "profile": profile, "previous": previous,
        "copied": copied, "back": back,
    }, status=400 if form.errors else 200)


urlpatterns = [
    path("schools/export.xlsx", school_export, name="schools_export"),
    path("schools/<int:pk>/<int:year>/", school_profile_edit, name="school_profile"),
]
