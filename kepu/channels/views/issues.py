"""The issue log of the science columns: the list for a region and year with the week-by-week strip
and the media_weekly_columns value above it, adding, editing and deleting issues and their files
(downloaded only through the issue's scope check), and the Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.measures import get_measure
from kepu.core.records import serve_stored_file
from kepu.core.views_common import CappedPaginator, staff_required
from kepu.regions.querysets import subtree_q

from .. import selectors, services
from ..forms import IssueFilesForm, IssueFilterForm, IssueForm
from ..models import ColumnIssue
from ..policies import column_issue_policy, column_policy
from .common import (
    PAGE_SIZE,
    confirm_delete,
    covers,
    error_text,
    page_region,
    save_form,
    shown_percent,
    year_choices,
)

MEASURE = "media_weekly_columns"
COLUMN_CHOICES = 300


def _list_url(issue: ColumnIssue) -> str:
    return reverse("channels:issues") + "?" + urlencode({"region": issue.column.outlet.region.code,
                                                         "year": issue.iso_year, "column": issue.column_id})


def _filtered(request):
    """The filter form, the region and year of the page, and the issues the user sees there."""
    form = IssueFilterForm(request.GET, user=request.user)
    region = page_region(request, form)
    if not form.is_valid():
        return form, region, timezone.localdate().year, ColumnIssue.objects.none()
    year = form.cleaned_data["year"]
    return form, region, year, selectors.issue_list(request.user, region=region, year=year, column=form.column_obj)


def _weekly(user, region, year: int, column) -> dict | None:
    """The measure and the strip it counts, for a region the user's scope holds entirely."""
    if not covers(user, region):
        return None
    measure = get_measure(MEASURE)
    value = measure.compute([region], year)[region.code]
    weeks = selectors.week_strip(region, year)
    return {
        "label": str(measure.label), "value": value, "shown": shown_percent(value, digits=1), "weeks": weeks,
        "column_weeks": selectors.week_strip(region, year, column) if column is not None else None,
    }


def _column_choices(user, region):
    """The columns the filter offers: those the user sees in the region."""
    qs = column_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="outlet__region_path"))
    return qs.select_related("outlet").order_by("outlet__name", "name")[:COLUMN_CHOICES]


@staff_required
def issue_list(request):
    user = request.user
    form, region, year, qs = _filtered(request)
    page = CappedPaginator(qs.prefetch_related("files"), PAGE_SIZE).get_page(request.GET.get("page"))
    weekly = _weekly(user, region, year, form.column_obj) if form.is_valid() else None
    query = {"region": region.code if region else "", "year": year}
    if form.column_obj is not None:
        query["column"] = form.column_obj.pk
    for issue in page:
        issue.can_change = column_issue_policy.can(user, "change", issue)
    return render(request, "channels/issues/list.html", {
        "form": form, "errors": form.error_list(), "region": region, "year": year, "years": year_choices(),
        "column": form.column_obj, "page": page, "weekly": weekly, "export_query": urlencode(query),
        "columns": _column_choices(user, region),
        "can_add": column_issue_policy.can(user, "add"),
    })


@staff_required
def issue_export(request):
    form, region, year, qs = _filtered(request)
    if not form.is_valid():
        messages.error(request, _("未导出：%(errors)s") % {"errors": "；".join(form.error_list())})
        return redirect(reverse("channels:issues") + "?" + request.GET.urlencode())
    rows = [[i.date, i.iso_week, i.column.outlet.region.name, i.column.outlet.name, i.column.name, i.title, i.url,
             i.file_count] for i in qs.annotate(file_count=Count("files"))]
    sheets = [Sheet(_("刊播记录"), [_("刊播日期"), _("周次"), _("所属区划"), _("媒体"), _("栏目"), _("标题"), _("链接"),
                                  _("材料数")], rows, {0: "yyyy-mm-dd"})]
    weekly = _weekly(request.user, region, year, form.column_obj)
    if weekly is not None:
        value = weekly["value"]
        sheets.insert(0, Sheet(_("汇总"), [_("区域"), _("年度"), weekly["label"], _("有刊播的周数"), _("计入的周数"),
                                         _("说明")],
                               [[region.name, year, value.value, value.numerator, value.denominator,
                                 weekly["shown"].reason]], {2: "0.0%"}))
        column_weeks = weekly["column_weeks"]
        headers = [_("周次"), _("起始日期"), _("截止日期"), _("刊播期数"), _("计入比例")]
        if column_weeks is not None:
            headers.append(_("本栏目期数"))
        week_rows = []
        for i, w in enumerate(weekly["weeks"]):
            row = [w.number, w.monday, w.sunday, w.issues, _("是") if w.counted else _("否（尚未到）")]
            if column_weeks is not None:
                row.append(column_weeks[i].issues)
            week_rows.append(row)
        sheets.append(Sheet(_("每周刊播"), headers, week_rows, {1: "yyyy-mm-dd", 2: "yyyy-mm-dd"}))
    name = region.name if region else _("全部")
    return xlsx_response(workbook(sheets), _("媒体科普栏目刊播记录-%(region)s-%(year)d.xlsx") % {"region": name,
                                                                                             "year": year})


# --- add, edit, delete ------------------------------------------------------------------------------

ISSUE_REFUSED = gettext_lazy("您不能为该栏目登记刊播记录。")


def _attach(request, issue: ColumnIssue, uploads, description: str = "") -> bool:
    """Store each upload through the service; a refused file is named in a message. All stored?"""
    stored = 0
    for upload in uploads:
        try:
            services.issue_file_add(actor=request.user, issue=issue, upload=upload, description=description)
        except (ValidationError, KepuError) as exc:
            messages.error(request, _("“%(name)s”未上传：%(reason)s") % {"name": upload.name, "reason": error_text(exc)})
        else:
            stored += 1
    if stored:
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": stored})
    return stored == len(uploads)


@staff_required
def issue_create(request):
    user = request.user
    column_issue_policy.check(user, "add")
    raw = request.GET.get("column", "")
    preset = column_policy.visible_to(user).filter(pk=int(raw)).first() if raw.isdigit() else None
    form = IssueForm(request.POST or None, request.FILES or None, user=user, column=preset)
    if request.method == "POST" and form.is_valid():
        column = form.cleaned_data["column"]
        issue = save_form(form, lambda: services.issue_create(actor=user, column=column, **form.service_fields()),
                          refused_field="column", refused=ISSUE_REFUSED)
        if issue is not None:
            messages.success(request, _("已登记刊播记录“%(title)s”。") % {"title": issue.title})
            if not _attach(request, issue, form.cleaned_data["files"]):
                return redirect("channels:issue_edit", pk=issue.pk)
            return redirect(_list_url(issue))
    return render(request, "channels/form.html", {"form": form, "title": _("登记刊播记录"), "tab": "outlets",
                                                  "back": reverse("channels:issues")})


@staff_required
def issue_edit(request, pk):
    user = request.user
    issue = column_issue_policy.get_visible(user, pk=pk)
    column_issue_policy.check(user, "change", issue)
    form = IssueForm(request.POST or None, user=user, instance=issue)
    if request.method == "POST" and form.is_valid():
        saved = save_form(form, lambda: services.issue_update(actor=user, issue=issue, **form.service_fields()),
                          refused_field="", refused=ISSUE_REFUSED)
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect(_list_url(saved))
    return render(request, "channels/issues/edit.html", {
        "form": form, "issue": issue, "files": issue.files.all(), "files_form": IssueFilesForm(),
        "back": _list_url(issue), "tab": "outlets"})


@staff_required
def issue_delete(request, pk):
    issue = column_issue_policy.get_visible(request.user, pk=pk)
    column_issue_policy.check(request.user, "delete", issue)
    files = issue.files.count()
    return confirm_delete(request, obj=issue, what=_("刊播记录"), done=_list_url(issue), back=_list_url(issue),
                          consequences=[_("同时删除它的 %(n)d 个材料文件。") % {"n": files}] if files else [],
                          delete=lambda: services.issue_delete(actor=request.user, issue=issue))


@staff_required
@require_POST
def issue_file_add(request, pk):
    issue = column_issue_policy.get_visible(request.user, pk=pk)
    column_issue_policy.check(request.user, "change", issue)
    form = IssueFilesForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("未上传：%(reason)s") % {"reason": error})
    else:
        _attach(request, issue, form.cleaned_data["files"], form.cleaned_data["description"])
    return redirect("channels:issue_edit", pk=issue.pk)


def _file(request, pk, file_pk):
    issue = column_issue_policy.get_visible(request.user, pk=pk)
    return issue, get_object_or_404(issue.files.all(), pk=file_pk)


@staff_required
def issue_file(request, pk, file_pk):
    """A file of an issue, through the issue's scope check (files are never served from a public URL)."""
    _issue, item = _file(request, pk, file_pk)
    return serve_stored_file(item)


@staff_required
@require_POST
def issue_file_delete(request, pk, file_pk):
    issue, item = _file(request, pk, file_pk)
    column_issue_policy.check(request.user, "change", issue)
    try:
        services.issue_file_remove(actor=request.user, file=item)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": item.original_name})
    return redirect("channels:issue_edit", pk=issue.pk)
