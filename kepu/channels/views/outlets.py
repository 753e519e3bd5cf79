"""Media outlets and their science columns: the list (with each column's issues in the year and its
last issue), and creating, editing and deleting outlets and columns."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import selectors, services
from ..forms import ColumnForm, OutletFilterForm, OutletForm
from ..models import Column, ColumnIssue, MediaOutlet
from ..policies import column_policy, outlet_policy
from .common import PAGE_SIZE, confirm_delete, page_region, save_form, year_choices

OUTLET_REFUSED = gettext_lazy("您不能在所填区域以该单位的名义登记媒体：请填写您工作范围内的区划代码，或选择您负责的单位。")


def _list_url(region_code: str = "") -> str:
    return reverse("channels:outlets") + ("?" + urlencode({"region": region_code}) if region_code else "")


@staff_required
def outlet_list(request):
    user = request.user
    form = OutletFilterForm(request.GET, user=user)
    region = page_region(request, form)
    if form.is_valid():
        year = form.cleaned_data["year"]
        qs = selectors.outlet_list(user, region=region, query=form.cleaned_data["q"])
    else:
        year, qs = timezone.localdate().year, MediaOutlet.objects.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    outlets = selectors.with_columns(page, year)
    for outlet in outlets:
        outlet.can_change = outlet_policy.can(user, "change", outlet)
    return render(request, "channels/outlets/list.html", {
        "form": form, "errors": form.error_list(), "region": region, "year": year, "years": year_choices(),
        "page": page, "outlets": outlets, "can_add": outlet_policy.can(user, "add"),
    })


@staff_required
def outlet_create(request):
    outlet_policy.check(request.user, "add")
    form = OutletForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        outlet = save_form(form, lambda: services.outlet_create(actor=request.user, **form.service_fields()),
                           refused_field="region_code", refused=OUTLET_REFUSED)
        if outlet is not None:
            messages.success(request, _("已登记媒体“%(name)s”，请继续添加它的科普栏目。") % {"name": outlet.name})
            return redirect("channels:column_create", pk=outlet.pk)
    return render(request, "channels/form.html", {"form": form, "title": _("登记媒体"), "back": _list_url(),
                                                  "tab": "outlets"})


@staff_required
def outlet_edit(request, pk):
    outlet = outlet_policy.get_visible(request.user, pk=pk)
    outlet_policy.check(request.user, "change", outlet)
    form = OutletForm(request.POST or None, user=request.user, instance=outlet)
    back = _list_url(outlet.region.code)
    if request.method == "POST" and form.is_valid():
        saved = save_form(form, lambda: services.outlet_update(actor=request.user, outlet=outlet,
                                                               **form.service_fields()),
                          refused_field="region_code", refused=OUTLET_REFUSED)
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect(_list_url(saved.region.code))
    return render(request, "channels/form.html", {"form": form, "title": _("编辑媒体"), "subject": outlet,
                                                  "back": back, "tab": "outlets"})


@staff_required
def outlet_delete(request, pk):
    outlet = outlet_policy.get_visible(request.user, pk=pk)
    outlet_policy.check(request.user, "delete", outlet)
    columns = outlet.columns.count()
    issues = ColumnIssue.objects.filter(column__outlet=outlet).count()
    consequences = []
    if columns:
        consequences.append(_("同时删除它的 %(columns)d 个科普栏目和 %(issues)d 期刊播记录（含材料）。")
                            % {"columns": columns, "issues": issues})
    return confirm_delete(request, obj=outlet, what=_("媒体"), consequences=consequences,
                          delete=lambda: services.outlet_delete(actor=request.user, outlet=outlet),
                          done=_list_url(outlet.region.code), back=_list_url(outlet.region.code))


# --- columns ----------------------------------------------------------------------------------------


@staff_required
def column_create(request, pk):
    outlet = outlet_policy.get_visible(request.user, pk=pk)
    column_policy.check(request.user, "add", Column(outlet=outlet))
    form = ColumnForm(request.POST or None)
    back = _list_url(outlet.region.code)
    if request.method == "POST" and form.is_valid():
        column = save_form(form, lambda: services.column_create(actor=request.user, outlet=outlet,
                                                                **form.service_fields()),
                           refused_field="", refused=_("您不能为该媒体添加栏目。"))
        if column is not None:
            messages.success(request, _("已添加栏目《%(name)s》。") % {"name": column.name})
            return redirect(back)
    return render(request, "channels/form.html", {"form": form, "title": _("添加科普栏目"), "subject": outlet,
                                                  "back": back, "tab": "outlets"})


@staff_required
def column_edit(request, pk):
    column = column_policy.get_visible(request.user, pk=pk)
    column_policy.check(request.user, "change", column)
    form = ColumnForm(request.POST or None, instance=column)
    back = _list_url(column.outlet.region.code)
    if request.method == "POST" and form.is_valid():
        saved = save_form(form, lambda: services.column_update(actor=request.user, column=column,
                                                               **form.service_fields()),
                          refused_field="", refused=_("您不能修改该栏目。"))
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect(back)
    return render(request, "channels/form.html", {"form": form, "title": _("编辑科普栏目"), "subject": column,
                                                  "back": back, "tab": "outlets"})


@staff_required
def column_delete(request, pk):
    column = column_policy.get_visible(request.user, pk=pk)
    column_policy.check(request.user, "delete", column)
    issues = column.issues.count()
    back = _list_url(column.outlet.region.code)
    consequences = [_("同时删除它的 %(issues)d 期刊播记录（含材料）。") % {"issues": issues}] if issues else []
    return confirm_delete(request, obj=column, what=_("科普栏目"), consequences=consequences,
                          delete=lambda: services.column_delete(actor=request.user, column=column),
                          done=back, back=back)

