"""Science-popularization funding (B2.1): the records of a region and year with totals by the national
statistics' groups and by use, the fiscal money per resident, entering and editing records, and their
documents (served only through a view that checks the record's visibility)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.core.records import INLINE_TYPES as BASE_INLINE_TYPES
from kepu.core.records import serve_stored_file

from .. import base_selectors as selectors
from ..base_forms import DocumentForm, FundingFilterForm, FundingForm
from ..models import STATISTICS_GROUP, FundingSource
from ..policies import funding_document_policy, funding_policy
from ..profile_services import (
    funding_create,
    funding_delete,
    funding_document_add,
    funding_document_remove,
    funding_update,
)
from .common import (
    PAGE_SIZE,
    CappedPaginator,
    back_to,
    choose_region_and_year,
    export_refused,
    measure_figure,
    money,
    page_context,
    staff_required,
    working_region,
)

INLINE_TYPES = BASE_INLINE_TYPES | {"application/pdf"}


def _filtered(request, region, year):
    form = FundingFilterForm(request.GET)
    f = form.values()
    return form, selectors.funding_list(request.user, region, year, source=f["source"] or "", use=f["use"] or "")


@staff_required
def funding_list(request):
    user = request.user
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    page = CappedPaginator(selectors.with_document_counts(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.can_change = funding_policy.can(user, "change", record)
        record.amounts = (money(record.budgeted), money(record.received))
    totals = selectors.funding_totals(qs)
    for row in [*totals["groups"], *totals["uses"], totals["total"]]:
        row["amounts"] = (money(row["budgeted"]), money(row["received"]))
    return render(request, "orgs/base/funding.html", {
        **page_context(request, region, year),
        "form": form, "errors": form.error_list(), "page": page, "totals": totals,
        "figure": measure_figure(user, "fiscal_funding_per_capita", region, year),
        "can_add": funding_policy.can(user, "add"),
    })


@staff_required
def funding_export(request):
    region, year = choose_region_and_year(request)
    form, qs = _filtered(request, region, year)
    refused = export_refused(request, form, qs, "basedata:funding")
    if refused is not None:
        return refused
    rows = [[r.region.code, r.region.name, r.unit.full_name if r.unit else "", r.year,
             str(STATISTICS_GROUP[FundingSource(r.source)]), r.get_source_display(), r.get_use_display(), r.budgeted,
             r.received, r.purpose, r.document_number, r.note] for r in qs.iterator(chunk_size=2000)]
    totals = selectors.funding_totals(qs)
    summary = [[g["label"], g["n"], g["budgeted"], g["received"]] for g in totals["groups"]]
    summary.append([_("合计"), totals["total"]["n"], totals["total"]["budgeted"], totals["total"]["received"]])
    money = {7: "#,##0.00", 8: "#,##0.00"}
    sheets = [Sheet(_("科普经费"), [_("区划代码"), _("所属区划"), _("单位"), _("年度"), _("经费类别"), _("来源"),
                                   _("使用方向"), _("预算金额（元）"), _("到位金额（元）"), _("用途"), _("预算文号"),
                                   _("备注")], rows, money),
              Sheet(_("按经费类别汇总"), [_("经费类别"), _("记录数"), _("预算金额（元）"), _("到位金额（元）")], summary,
                    {2: "#,##0.00", 3: "#,##0.00"})]
    log_action(actor=request.user, action="funding.exported", scope_path=region.path,
               changes={"rows": len(rows), "year": year})
    return xlsx_response(workbook(sheets), _("科普经费-%(region)s-%(year)d.xlsx") % {"region": region.name,
                                                                                "year": year})


def _place_refused(form) -> None:
    form.add_error("region_code", _("您不能在所填区域登记科普经费：请填写您管理范围内的区划代码，或选择您负责的单位。"))


def _list_url(record=None) -> str:
    url = reverse("basedata:funding")
    return url + "?" + urlencode({"region": record.region.code, "year": record.year}) if record else url


@staff_required
def funding_create_view(request):
    user = request.user
    funding_policy.check(user, "add")
    region, year = choose_region_and_year(request) if request.GET.get("region") else (working_region(request), None)
    form = FundingForm(request.POST or None, user=user, default_region=region, default_year=year)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        fields.pop("unchanged_since", None)
        try:
            record = funding_create(actor=user, **fields)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已登记科普经费。可在下方上传预算文件或拨付凭证。"))
            return redirect("basedata:funding_detail", pk=record.pk)
    return render(request, "orgs/base/funding_form.html",
                  {"form": form, "title": _("登记科普经费"), "back": back_to(request, _list_url())},
                  status=400 if form.errors else 200)


@staff_required
def funding_detail(request, pk: int):
    user = request.user
    record = funding_policy.get_visible(user, pk=pk)
    can_change = funding_policy.can(user, "change", record)
    return render(request, "orgs/base/funding_detail.html", {
        "record": record, "amounts": (money(record.budgeted), money(record.received)), "group": STATISTICS_GROUP[FundingSource(record.source)],
        "documents": record.documents.select_related("uploaded_by"),
        "can_change": can_change, "can_delete": funding_policy.can(user, "delete", record),
        "document_form": DocumentForm() if can_change else None,
        "back": _list_url(record),
    })


@staff_required
def funding_edit(request, pk: int):
    user = request.user
    record = funding_policy.get_visible(user, pk=pk)
    funding_policy.check(user, "change", record)
    form = FundingForm(request.POST or None, user=user, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            funding_update(actor=user, record=record, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("basedata:funding_detail", pk=record.pk)
    return render(request, "orgs/base/funding_form.html",
                  {"form": form, "record": record, "title": _("编辑科普经费"),
                   "back": reverse("basedata:funding_detail", args=[record.pk])},
                  status=400 if form.errors else 200)


@staff_required
@require_POST
def funding_delete_view(request, pk: int):
    user = request.user
    record = funding_policy.get_visible(user, pk=pk)
    funding_policy.check(user, "delete", record)
    back = _list_url(record)
    try:
        funding_delete(actor=user, record=record)
    except KepuError as exc:
        messages.error(request, exc.message)
        return redirect("basedata:funding_detail", pk=pk)
    messages.success(request, _("已删除该经费记录及其文件。"))
    return redirect(back)


# --- documents -----------------------------------------------------------------------------------------


def _error_text(exc: ValidationError | KepuError) -> str:
    return exc.message if isinstance(exc, KepuError) else "；".join(exc.messages)


@staff_required
@require_POST
def document_upload(request, pk: int):
    user = request.user
    record = funding_policy.get_visible(user, pk=pk)
    funding_policy.check(user, "change", record)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("未上传：%(e)s") % {"e": error})
        return redirect("basedata:funding_detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        funding_document_add(actor=user, record=record, upload=upload, description=form.cleaned_data["description"])
    except (ValidationError, KepuError) as exc:
        messages.error(request, _("“%(name)s”未上传：%(reason)s") % {"name": upload.name, "reason": _error_text(exc)})
    else:
        messages.success(request, _("已上传“%(name)s”。") % {"name": upload.name})
    return redirect("basedata:funding_detail", pk=pk)


def _document(request, pk: int, doc_pk: int):
    """A document of a record the user sees (404 otherwise, the same as for a missing one)."""
    documents = funding_document_policy.visible_to(request.user).select_related("record__region")
    return get_object_or_404(documents, pk=doc_pk, record_id=pk)


@staff_required
def document_download(request, pk: int, doc_pk: int):
    """Serve a document through the record's scope check (MEDIA is never served publicly)."""
    return serve_stored_file(_document(request, pk, doc_pk), inline_types=INLINE_TYPES)


@staff_required
@require_POST
def document_delete(request, pk: int, doc_pk: int):
    document = _document(request, pk, doc_pk)
    funding_document_policy.check(request.user, "change", document)
    try:
        funding_document_remove(actor=request.user, document=document)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": document.original_name})
    return redirect("basedata:funding_detail", pk=pk)


urlpatterns = [
    path("funding/export.xlsx", funding_export, name="funding_export"),
    path("funding/new/", funding_create_view, name="funding_create"),
    path("funding/<int:pk>/", funding_detail, name="funding_detail"),
    path("funding/<int:pk>/edit/", funding_edit, name="funding_edit"),
    path("funding/<int:pk>/delete/", funding_delete_view, name="funding_delete"),
    path("funding/<int:pk>/documents/", document_upload, name="funding_document_upload"),
    path("funding/<int:pk>/documents/<int:doc_pk>/", document_download, name="funding_document"),
    path("funding/<int:pk>/documents/<int:doc_pk>/delete/", document_delete, name="funding_document_delete"),
]
