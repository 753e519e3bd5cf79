"""The comparison page: one standard across the child regions of a parent region (the city's 41
districts, a district's towns) as a heat-map of every measure target, rankings per measure, the
regions with the most unmet targets, and the same as Excel.

Staff over the parent region only (its subtree is then theirs); bad parameters give a message and
the default, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.measures import all_measures, reason_text
from kepu.core.views_common import region_staff_required, working_region
from kepu.regions.models import Region
from kepu.regions.selectors import covered_regions

from ..models import Op, Standard, Status
from ..policies import standard_policy
from ..selectors import Cell, Column, Comparison, comparison
from ..templatetags.indicators import status_colour
from ..values import RATIO_UNITS, format_value

NUMBER = re.compile(r"[0-9]{1,9}")  # not str.isdigit(): "²" is a digit that int() refuses
REGION_CODE = re.compile(r"[0-9A-Za-z_-]{2,20}")  # as regions.models.code_validator (no NUL reaches the database)
SHORT_LABEL = 12  # characters of a measure's label in a column header
EXCEL_FORMATS = {"ratio": "0.0%", "yuan_per_person": "0.00"}
BAR_COLOURS = {Status.MET: "#198754", Status.UNMET: "#dc3545", Status.VETOED: "#212529"}


# --- the parameters ------------------------------------------------------------------------------------


def _parent(request, problems: list[str]) -> Region:
    """The parent region asked for, if the user covers it; else their working region."""
    covered = covered_regions(request.user)
    code = request.GET.get("region", "").strip()
    parent = covered.filter(code=code).first() if REGION_CODE.fullmatch(code) else None
    if code and parent is None:
        problems.append(
            _("区划代码：“%(code)s”不存在，或不在您的工作范围内，已改为显示您的工作区域。") % {"code": code[:20]}
        )
    if parent is None:
        working = working_region(request)
        parent = (covered.filter(pk=working.pk).first() if working else None) or covered.order_by(
            "depth", "code"
        ).first()
    if parent is None:
        raise PermissionDenied
    return parent


def _default_standard(standards, parent: Region) -> Standard | None:
    """The newest standard kept for the parent region or a region above it (or for everyone); else the
    newest of all. Originals before their adaptations."""
    newest = ("-period_end", F("based_on").asc(nulls_first=True), "-created_at", "-pk")
    own = standards.filter(region__path__in=parent.ancestor_paths()) | standards.filter(region__isnull=True)
    return own.order_by(*newest).first() or standards.order_by(*newest).first()


def _standard(request, parent: Region, problems: list[str]) -> Standard | None:
    standards = standard_policy.visible_to(request.user)
    raw = request.GET.get("standard", "").strip()
    chosen = standards.filter(pk=int(raw)).first() if NUMBER.fullmatch(raw) else None
    if raw and chosen is None:
        problems.append(_("指标标准：“%(value)s”不存在，已改为显示最新的标准。") % {"value": raw[:20]})
    return chosen or _default_standard(standards, parent)


def _year(request, standard: Standard, problems: list[str]) -> int:
    """The year asked for, within the standard's period; else the latest year of the period that has begun."""
    this_year = timezone.localdate().year
    default = min(max(this_year, standard.period_start), standard.period_end)
    raw = request.GET.get("year", "").strip()
    if not raw:
        return default
    if NUMBER.fullmatch(raw) and int(raw) in standard.years:
        return int(raw)
    problems.append(
        _("年度：“%(year)s”不在该标准的期限（%(start)d—%(end)d 年）内，已改为显示 %(default)d 年。")
        % {"year": raw[:10], "start": standard.period_start, "end": standard.period_end, "default": default}
    )
    return default


# --- what the page shows -------------------------------------------------------------------------------


@dataclass
class Header:
    column: Column
    short: str  # the measure's label, shortened
    full: str  # the standard's wording of the measure
    target_text: str  # "≥ 80%"

    @property
    def key(self) -> str:
        return self.column.key

    @property
    def code(self) -> str:
        return self.column.indicator.code

    @property
    def percent(self) -> bool:
        return self.column.info.unit in RATIO_UNITS

    @property
    def title(self) -> str:
        return f"{self.code} {self.short}（{self.target_text}）"


def _headers(result: Comparison) -> list[Header]:
    registered = all_measures()
    headers = []
    for column in result.columns:
        measure = registered.get(column.target.measure)
        label = str(measure.label) if measure else column.info.label
        label = re.sub(r"（[^）]*）$", "", label)  # "…覆盖率（参与人次 ÷ 常住人口）" → "…覆盖率"
        short = label if len(label) <= SHORT_LABEL else label[: SHORT_LABEL - 1] + "…"
        target = f"{Op(column.target.op).label} {format_value(column.target.value, column.info.unit)}"
        headers.append(Header(column, short, column.info.label, target))
    return headers


@dataclass
class HeatCell:
    cell: Cell
    title: str  # the tooltip: the status and the target, or why there is no value

    @property
    def colour(self) -> str:
        return status_colour(self.cell.status)

    @property
    def label(self) -> str:
        return self.cell.text if self.cell.value is not None else Status(self.cell.status).label


def _heat_cell(header: Header, cell: Cell) -> HeatCell:
    status = Status(cell.status).label
    if cell.value is not None:
        return HeatCell(cell, f"{header.full}：{cell.text}（{status}，{header.target_text}）")
    why = reason_text(cell.reason) if cell.reason else ""
    return HeatCell(cell, f"{header.full}：{status}" + (f"（{why}）" if why else ""))


def _ranks(result: Comparison, column: Column) -> list[tuple[int | None, Region, Cell]]:
    """The ranking with competition ranks (equal values share a rank); no value, no rank."""
    out, rank, last = [], 0, None
    for i, (region, cell) in enumerate(result.ranking(column), start=1):
        if cell.value is None:
            out.append((None, region, cell))
            continue
        value = Decimal(str(cell.value))
        if value != last:
            rank, last = i, value
        out.append((rank, region, cell))
    return out


def _chart_value(value, percent: bool) -> float | None:
    if value is None:
        return None
    number = Decimal(str(value)) * (100 if percent else 1)
    return float(round(number, 2))


def _ranking_note(header: Header) -> str:
    return _("%(title)s；目标 %(target)s。由好到差排列，没有数值的区域列在最后。") % {
        "title": header.full,
        "target": header.target_text,
    }


def _chart_data(result: Comparison, headers: list[Header], unmet_regions: list[Region]) -> dict:
    """What the charts draw: each column's ranking (the select switches between them) and the unmet counts."""
    columns = {}
    for header in headers:
        rows = [
            {
                "rank_text": _("第 %(rank)d 名") % {"rank": rank} if rank else "",
                "name": region.name,
                "code": region.code,
                "text": cell.text,
                "value": _chart_value(cell.value, header.percent),
                "url": cell.records_url,
                "status": Status(cell.status).label,
                "colour": BAR_COLOURS.get(cell.status, "#6c757d"),
                "badge": status_colour(cell.status),
            }
            for rank, region, cell in _ranks(result, header.column)
        ]
        columns[header.key] = {
            "title": header.title,
            "percent": header.percent,
            "rows": rows,
            "target": _chart_value(header.column.target.value, header.percent),
            "target_text": header.target_text,
            "note": _ranking_note(header),
        }
    return {
        "labels": {"target": _("目标"), "value": _("数值"), "unmet": _("未达标目标数"), "no_value": _("无数值")},
        "columns": columns,
        "unmet": {
            "regions": [r.name for r in unmet_regions],
            "counts": [result.unmet(r.code) for r in unmet_regions],
            "anchors": [f"#row-{r.code}" for r in unmet_regions],
        },
    }


def _selected_header(request, headers: list[Header], problems: list[str]) -> Header | None:
    raw = request.GET.get("measure", "").strip()
    chosen = next((h for h in headers if h.key == raw), None)
    if raw and chosen is None:
        problems.append(_("排名指标：“%(value)s”不是该标准的量化目标，已改为显示第一个。") % {"value": raw[:40]})
    return chosen or (headers[0] if headers else None)


# --- Excel ---------------------------------------------------------------------------------------------


def _sheets(result: Comparison, headers: list[Header]) -> list[Sheet]:
    titles = [_("区划代码"), _("区划名称"), *(h.title for h in headers), _("达标数"), _("未达标数")]
    values, statuses = [], []
    for region in result.regions:
        cells = [result.cells[region.code][h.key] for h in headers]
        counts = [result.met(region.code), result.unmet(region.code)]
        values.append([region.code, region.name, *(c.value for c in cells), *counts])
        statuses.append([region.code, region.name, *(Status(c.status).label for c in cells), *counts])
    formats = {
        i + 2: EXCEL_FORMATS[h.column.info.unit] for i, h in enumerate(headers) if h.column.info.unit in EXCEL_FORMATS
    }
    ranking = []
    for h in headers:
        for rank, region, cell in _ranks(result, h.column):
            ranking.append(
                [
                    h.code,
                    h.full,
                    h.target_text,
                    rank,
                    region.code,
                    region.name,
                    cell.value,
                    cell.text if cell.value is not None else "",
                    Status(cell.status).label,
                    reason_text(cell.reason) if cell.reason else "",
                ]
            )
    return [
        Sheet(_("对比"), titles, values, formats),
        Sheet(_("状态"), titles, statuses),
        Sheet(
            _("排名"),
            [
                _("指标编号"),
                _("度量"),
                _("目标"),
                _("名次"),
                _("区划代码"),
                _("区划名称"),
                _("数值"),
                _("显示值"),
                _("状态"),
                _("无数值原因"),
            ],
            ranking,
        ),
    ]


# --- the view ------------------------------------------------------------------------------------------


@region_staff_required
def compare(request):
    problems: list[str] = []
    parent = _parent(request, problems)
    standard = _standard(request, parent, problems)
    if standard is None:
        _tell(request, problems)
        messages.info(request, _("还没有指标标准，请先导入。"))
        return render(request, "indicators/compare.html", {"parent": parent, "standard": None})
    year = _year(request, standard, problems)
    query = {"standard": standard.pk, "region": parent.code, "year": year}
    if request.GET.get("format") == "xlsx":
        if problems:
            # A parameter was refused: show the page with the reasons rather than download something else.
            _tell(request, [*problems, _("未导出：请检查条件后再导出。")])
            return redirect(reverse("indicators:compare") + "?" + urlencode(query))
        result = comparison(standard, parent, year)
        filename = _("指标对比-%(region)s-%(year)d.xlsx") % {"region": parent.name, "year": year}
        return xlsx_response(workbook(_sheets(result, _headers(result))), filename)

    result = comparison(standard, parent, year)
    headers = _headers(result)
    selected = _selected_header(request, headers, problems)
    _tell(request, problems)
    with_children = set(Region.objects.filter(parent__in=result.regions).values_list("parent_id", flat=True).distinct())
    rows = [
        {
            "region": region,
            "cells": [_heat_cell(h, result.cells[region.code][h.key]) for h in headers],
            "met": result.met(region.code),
            "unmet": result.unmet(region.code),
            "assessment": result.assessments.get(region.code),
            "drill": region.pk in with_children,
        }
        for region in result.regions
    ]
    unmet_regions = result.most_unmet()
    ranking = _ranks(result, selected.column) if selected else []
    return render(
        request,
        "indicators/compare.html",
        {
            "parent": parent,
            "standard": standard,
            "year": year,
            "result": result,
            "headers": headers,
            "rows": rows,
            "standards": standard_policy.visible_to(request.user).order_by("-period_end", "code"),
            "years": list(reversed(standard.years)),
            "breadcrumbs": covered_regions(request.user)
            .filter(path__in=parent.ancestor_paths())
            .exclude(pk=parent.pk)
            .order_by("depth"),
            "selected": selected,
            "ranking": ranking,
            "ranking_has_values": any(cell.value is not None for _rank, _region, cell in ranking),
            "ranking_note": _ranking_note(selected) if selected else "",
            "unmet_regions": [(r, result.unmet(r.code), result.met(r.code)) for r in unmet_regions],
            "chart": _chart_data(result, headers, unmet_regions),
            "base_query": urlencode({"standard": standard.pk, "year": year}),
            "export_url": reverse("indicators:compare") + "?" + urlencode({**query, "format": "xlsx"}),
            "statuses": list(Status),
        },
    )


def _tell(request, problems: list[str]) -> None:
    for problem in problems:
        messages.error(request, problem)


urlpatterns = [
    path("compare/", compare, name="compare"),
]
