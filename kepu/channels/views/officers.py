"""科普中国 information officers: for a region and year, its child regions with their figures and the
three measures (ratio, active ratio, rank among siblings), a bar chart and the Excel export; entering
or correcting one region's figures for a year."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.measures import MeasureValue, get_measure
from kepu.core.views_common import choose_region_and_year, region_staff_required
from kepu.regions.models import Region
from kepu.regions.selectors import covered_regions

from .. import selectors, services
from ..forms import InfoOfficerForm
from ..models import InfoOfficerFigure
from ..policies import info_officer_policy
from .common import FIRST_YEAR, Shown, confirm_delete, save_form, shown_percent, year_choices


def _list_url(region: Region, year: int) -> str:
    return reverse("channels:info_officers") + "?" + urlencode({"region": region.code, "year": year})


def _entry_url(region: Region, year: int) -> str:
    return reverse("channels:info_officer_entry") + "?" + urlencode({"region": region.code, "year": year})


def shown_rank(value: MeasureValue) -> Shown:
    """The rank percentile with the rank itself ("前 25.0%（第 1 / 4 名）"), or "无数据" and why."""
    if value.value is None:
        return shown_percent(value)
    return Shown(_("前 %(pct)s%%（第 %(rank)d / %(of)d 名）") % {
        "pct": f"{value.value * 100:.1f}", "rank": value.detail["rank"], "of": value.detail["of"]},
        url=value.records_url)


CELLS = ("info_officer_ratio", "info_officer_active_ratio", "info_officer_rank_percentile")


def _short_labels() -> dict[str, str]:
    """Column headings that fit a phone; the measures' full names are in the headings' titles."""
    return {"info_officer_ratio": _("信息员占比"), "info_officer_active_ratio": _("活跃人数占比"),
            "info_officer_rank_percentile": _("同级排名")}


def _cells(row: selectors.OfficerRow) -> list[Shown]:
    """The row's three measures in words, each with its key and short label."""
    shown = (shown_percent(row.ratio), shown_percent(row.active_ratio), shown_rank(row.rank))
    labels = _short_labels()
    return [replace(s, url="", key=key, label=labels[key]) for key, s in zip(CELLS, shown, strict=True)]


def _shown(user, row: selectors.OfficerRow, year: int) -> dict:
    """A table row as the page and the export show it."""
    return {
        "row": row,
        "cells": _cells(row),
        "drill_url": "" if row.total else _list_url(row.region, year),
        "entry_url": _entry_url(row.region, year)
        if info_officer_policy.can(user, "add", InfoOfficerFigure(region=row.region)) else "",
    }


def _table(user, region: Region, year: int) -> tuple[list[dict], dict]:
    rows, total = selectors.officer_rows(region, year)
    return [_shown(user, row, year) for row in rows], _shown(user, total, year)


def _chart(rows: list[dict]) -> dict:
    """What the bar chart draws: each child region's ratio and active ratio in percent (none: a gap)."""
    def pct(value: MeasureValue):
        return None if value.value is None else round(float(value.value) * 100, 3)

    return {
        "labels": {"ratio": _("信息员人数占比（%）"), "active": _("活跃人数占比（%）"), "target": _("目标 1%")},
        "regions": [r["row"].region.name for r in rows],
        "urls": [r["drill_url"] for r in rows],
        "ratio": [pct(r["row"].ratio) for r in rows],
        "active": [pct(r["row"].active_ratio) for r in rows],
        "top": [r["row"].top for r in rows],
        "target": float(selectors.TARGET_RATIO * 100),
    }


@region_staff_required
def info_officer_list(request):
    user = request.user
    covered = covered_regions(user)
    region, year = choose_region_and_year(request, covered)
    rows, total = _table(user, region, year)
    short = _short_labels()
    headings = [(short[key], str(get_measure(key).label)) for key in CELLS]
    return render(request, "channels/officers/list.html", {
        "region": region, "year": year, "years": year_choices(), "rows": rows, "total": total, "headings": headings,
        "total_cards": [replace(cell, label=str(get_measure(cell.key).label)) for cell in total["cells"]],
        "chart": _chart(rows), "export_query": urlencode({"region": region.code, "year": year}),
        "breadcrumbs": covered.filter(path__in=region.ancestor_paths()).exclude(pk=region.pk).order_by("depth"),
        "with_data": sum(1 for r in rows if r["row"].ratio.value is not None),
        "top_count": sum(1 for r in rows if r["row"].top),
        "target_count": sum(1 for r in rows if r["row"].meets_target),
    })


@region_staff_required
def info_officer_export(request):
    region, year = choose_region_and_year(request, covered_regions(request.user))
    rows, total = _table(request.user, region, year)
    headers = [_("区域"), _("信息员人数"), _("年度总活跃人数"), _("分享次数"), _("常住人口"),
               *(str(get_measure(key).label) for key in CELLS), _("排名"), _("说明")]
    out = []
    for shown in [*rows, total]:
        row = shown["row"]
        notes = [f"{cell.label}：{cell.reason}" for cell in shown["cells"] if cell.missing]
        if row.summed_from:
            notes.insert(0, _("由 %(n)d 个下级区划的数据汇总") % {"n": row.summed_from})
        label = _("合计（%(name)s）") % {"name": row.region.name} if row.total else row.region.name
        rank = f"{row.rank.detail['rank']}/{row.rank.detail['of']}" if row.rank.value is not None else None
        out.append([label, row.registered, row.active, row.shares, row.residents, row.ratio.value,
                    row.active_ratio.value, row.rank.value, rank, "；".join(notes)])
    sheet = Sheet(_("科普中国信息员"), headers, out, {5: "0.00%", 6: "0.00%", 7: "0.0%"})
    filename = _("科普中国信息员-%(region)s-%(year)d.xlsx") % {"region": region.name, "year": year}
    return xlsx_response(workbook([sheet]), filename)


# --- entering one region's figures ------------------------------------------------------------------


def _entry_target(request) -> tuple[Region, int]:
    """The region (in the user's subtrees, else 404) and year of the entry page's address."""
    code, raw = request.GET.get("region", "").strip(), request.GET.get("year", "").strip()
    region = covered_regions(request.user).filter(code=code).first() if code else None
    this_year = timezone.localdate().year
    if region is None or not raw.isdigit() or not FIRST_YEAR <= int(raw) <= this_year + 1:
        raise Http404
    return region, int(raw)


def _back(request, region: Region, year: int) -> str:
    """The table the region is a row of, when the user sees it; else the region's own."""
    parent = covered_regions(request.user).filter(pk=region.parent_id).first() if region.parent_id else None
    return _list_url(parent or region, year)


@region_staff_required
def info_officer_entry(request):
    user = request.user
    region, year = _entry_target(request)
    figure = InfoOfficerFigure.objects.filter(region=region, year=year).first()
    info_officer_policy.check(user, "change" if figure else "add", figure or InfoOfficerFigure(region=region))
    form = InfoOfficerForm(request.POST or None, instance=figure)
    if request.method == "POST" and form.is_valid():
        saved = save_form(form, lambda: services.info_officers_set(actor=user, region=region, year=year,
                                                                   **form.service_fields()),
                          refused_field="", refused=_("您不能填报该区域的数据。"))
        if saved is not None:
            messages.success(request, _("已保存%(region)s %(year)d 年“科普中国”信息员数据。")
                             % {"region": region.name, "year": year})
            return redirect(_back(request, region, year))
    population = get_measure("resident_population").compute([region], year)[region.code]
    return render(request, "channels/officers/entry.html", {
        "form": form, "region": region, "year": year, "figure": figure, "population": population,
        "back": _back(request, region, year), "tab": "info_officers",
        "can_delete": figure is not None and info_officer_policy.can(user, "delete", figure),
    }, status=400 if form.is_bound and form.errors else 200)


@region_staff_required
def info_officer_delete(request):
    region, year = _entry_target(request)
    figure = InfoOfficerFigure.objects.filter(region=region, year=year).first()
    if figure is None:
        raise Http404
    info_officer_policy.check(request.user, "delete", figure)
    back = _back(request, region, year)
    return confirm_delete(request, obj=figure, what=_("“科普中国”信息员数据"), done=back, back=back,
                          delete=lambda: services.info_officers_delete(actor=request.user, figure=figure))
