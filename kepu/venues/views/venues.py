"""The venue list (filters, counts by type, certifications coming due), its Excel export, and
adding, editing and deleting a venue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import selectors, services
from ..forms import VenueFilterForm, VenueForm, region_options
from ..models import Venue
from ..policies import venue_policy

PAGE_SIZE = 50
EXPIRING_SHOWN = 20
EXPORT_CAP = 50_000


def filter_form(request) -> VenueFilterForm:
    """The list filters; without a `region` parameter the list starts at the user's working region."""
    data = request.GET
    if "region" not in data:
        working = working_region(request)
        if working is not None:
            data = data.copy()
            data["region"] = working.code
    return VenueFilterForm(data, user=request.user)


def _query(form: VenueFilterForm, *drop: str) -> str:
    """The filters as a query string, without the page (and without `drop`)."""
    query = form.data.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return query.urlencode()


def certification_labels(certs) -> str:
    return "；".join(f"{c}（{c.get_level_display()}，{c.year}）" for c in certs)


@staff_required
def venue_list(request):
    user = request.user
    form = filter_form(request)
    today = timezone.localdate()
    if form.is_valid():
        kwargs = form.selector_kwargs()
        qs = selectors.venue_list(user, **kwargs)
        counts = selectors.type_counts(selectors.venue_list(user, **{**kwargs, "type": ""}))
    else:
        qs, counts = Venue.objects.none(), []
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    held = selectors.held_certifications([v.pk for v in page], form.year_value)
    for venue in page:
        venue.held = held.get(venue.pk, [])
        venue.in_use_now = (venue.opened_on is None or venue.opened_on <= today) and (
            venue.closed_on is None or venue.closed_on > today)
    context = {
        "page": page, "form": form, "errors": form.error_list(), "year": form.year_value,
        "type_counts": counts, "type_total": sum(n for _t, _l, n in counts),
        "selected_type": form.cleaned_data.get("type", "") if form.is_valid() else "",
        "type_query": _query(form, "type"), "export_query": _query(form),
    }
    if request.htmx:
        return render(request, "venues/partials/_results.html", context)
    expiring = selectors.expiring_certifications(user, region=form.region_obj if form.is_valid() else None,
                                                 today=today)
    shown = list(expiring[: EXPIRING_SHOWN + 1])
    for cert in shown:
        cert.days_left = (cert.due - today).days
        cert.due_is_expiry = cert.due == cert.valid_until
    context.update({
        "expiring": shown[:EXPIRING_SHOWN], "expiring_more": len(shown) > EXPIRING_SHOWN,
        "expiring_days": selectors.EXPIRY_WINDOW_DAYS, "can_create": venue_policy.can(user, "add"),
        "years": range(today.year + 1, 2014, -1),
    })
    return render(request, "venues/list.html", context)


@staff_required
def venue_export(request):
    form = filter_form(request)
    back = reverse("venues:list") + "?" + _query(form)
    if not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": "；".join(form.error_list())})
        return redirect(back)
    qs = selectors.venue_list(request.user, **form.selector_kwargs())
    if qs.order_by()[: EXPORT_CAP + 1].count() > EXPORT_CAP:
        messages.error(request, _("符合条件的阵地超过 %(n)s 个，请缩小范围后再导出。") % {"n": f"{EXPORT_CAP:,}"})
        return redirect(back)
    year = form.year_value
    held = selectors.held_certifications(qs.values("pk"), year)
    rows = []
    for v in qs.order_by("region_path", "type", "name").iterator(chunk_size=2000):
        rows.append([v.name, v.get_type_display(), v.region.name, v.region.code, v.unit.full_name if v.unit else "",
                     v.address, v.longitude, v.latitude, v.opening_hours, v.floor_area, v.exhibition_area,
                     v.capacity, _("是") if v.is_public else _("否"), v.opened_on, v.closed_on,
                     certification_labels(held.get(v.pk, []))])
    headers = [_("名称"), _("类型"), _("所属区划"), _("区划代码"), _("运营单位"), _("地址"), _("经度"), _("纬度"),
               _("开放时间"), _("建筑面积（平方米）"), _("展教面积（平方米）"), _("容纳人数"), _("向公众开放"),
               _("建成（启用）日期"), _("停用日期"), _("%(year)d 年有效的认定") % {"year": year}]
    sheet = Sheet(_("科普阵地"), headers, rows, formats={13: "yyyy-mm-dd", 14: "yyyy-mm-dd"})
    filename = _("科普阵地-%(day)s.xlsx") % {"day": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(workbook([sheet]), filename)


# --- add, edit, delete --------------------------------------------------------------------------------


def _place_refused(form) -> None:
    form.add_error("region_code", _("您不能在该区划登记这个阵地：请填写您管理范围内的区划代码，或选择您负责的单位。"))


def _form_page(request, form, title, venue=None):
    return render(request, "venues/form.html", {"form": form, "title": title, "venue": venue,
                                                "region_options": region_options(request.user)},
                  status=400 if form.is_bound and form.errors else 200)


@staff_required
def venue_create(request):
    venue_policy.check(request.user, "add")
    form = VenueForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(actor=request.user, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已登记阵地“%(name)s”。") % {"name": venue.name})
            return redirect("venues:detail", pk=venue.pk)
    return _form_page(request, form, _("新增阵地"))


@staff_required
def venue_edit(request, pk):
    venue = venue_policy.get_visible(request.user, pk=pk)
    venue_policy.check(request.user, "change", venue)
    # The form validates on its own copy: what it sets must not reach the service's permission check.
    form = VenueForm(request.POST or None, user=request.user, instance=Venue.objects.get(pk=venue.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(actor=request.user, venue=venue, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("venues:detail", pk=venue.pk)
    return _form_page(request, form, _("编辑阵地"), venue)


@staff_required
def venue_delete(request, pk):
    venue = venue_policy.get_visible(request.user, pk=pk)
    venue_policy.check(request.user, "delete", venue)
    if request.method == "POST":
        try:
            services.venue_delete(actor=request.user, venue=venue)
        except KepuError as exc:
            messages.error(request, exc.message)
            return redirect("venues:detail", pk=venue.pk)
        messages.success(request, _("已删除阵地“%(name)s”。") % {"name": venue.name})
        return redirect("venues:list")
    return render(request, "venues/delete.html", {
        "venue": venue, "certifications": venue.certifications.count(),
        "figures": venue.visitor_figures.count(), "photos": venue.photos.count()})


urlpatterns = [
    path("", venue_list, name="list"),
    path("export.xlsx", venue_export, name="export"),
    path("new/", venue_create, name="create"),
    path("<int:pk>/edit/", venue_edit, name="edit"),
    path("<int:pk>/delete/", venue_delete, name="delete"),
]
