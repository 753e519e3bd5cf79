"""Media and 科普中国 figures per region and year (Yongchuan C1.2 weekly columns, C3.2 information officers)."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kepu.core.measures import MeasureValue, get_measure, measure, per_region_grouped, ratio_value
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import Column, ColumnIssue, InfoOfficerFigure


def _url(name: str, region, year: int, **params) -> str:
    return reverse(name) + "?" + urlencode({"region": region.code, "year": year, **params})


def weeks_counted(year: int, today: datetime.date | None = None) -> tuple[int, bool]:
    """ISO weeks of `year` to count, and whether the year is still running (then: weeks so far)."""
    today = today or timezone.localdate()
    iso_year, week, _day = today.isocalendar()
    if iso_year == year:
        return week, True
    if iso_year < year:
        return 0, True
    return datetime.date(year, 12, 28).isocalendar()[1], False


@measure("media_weekly_columns", unit="ratio", label=_("媒体科普栏目每周刊播的周数比例"))
def media_weekly_columns(regions, year: int) -> dict[str, MeasureValue]:
    """ISO weeks of the year in which a science column of an outlet in the region published or broadcast
    at least one issue ÷ the weeks of the year (so far, for the running year)."""
    weeks, running = weeks_counted(year)
    issues = per_region_grouped(ColumnIssue.objects.filter(iso_year=year), regions, path_field="region_path",
                                weeks=Count("iso_week", distinct=True), issues=Count("id"))
    columns = per_region_grouped(Column.objects.all(), regions, path_field="outlet__region_path", n=Count("id"))
    out = {}
    for r in regions:
        url = _url("channels:issues", r, year)
        if not columns[r.code]["n"]:
            out[r.code] = MeasureValue(None, records_url=url, reason="no_columns")
            continue
        out[r.code] = ratio_value(issues[r.code]["weeks"] or 0, weeks, reason="future_year", records_url=url,
                                  detail={"issues": issues[r.code]["issues"] or 0, "year_running": running})
    return out


def officer_figures(regions, year: int) -> dict[str, dict | None]:
    """Each region's 科普中国 figures for the year: its own, else the sum over the nearest level below
    it that has figures (a district entered town by town). None when there are none."""
    rows = list(InfoOfficerFigure.objects.filter(year=year).filter(subtree_q([r.path for r in regions],
                                                                             field="region_path"))
                .values_list("region_path", "registered", "active", "shares"))
    out = {}
    for r in regions:
        inside = [row for row in rows if row[0].startswith(r.path)]
        if not inside:
            out[r.code] = None
            continue
        depth = min(row[0].count("/") for row in inside)
        nearest = [row for row in inside if row[0].count("/") == depth]
        out[r.code] = {"registered": sum(row[1] for row in nearest), "active": sum(row[2] for row in nearest),
                       "shares": sum(row[3] for row in nearest), "regions": len(nearest)}
    return out


def _officer_ratio(regions, year: int, field: str) -> dict[str, MeasureValue]:
    figures = officer_figures(regions, year)
    population = get_measure("resident_population").compute(regions, year)
    out = {}
    for r in regions:
        url = _url("channels:info_officers", r, year)
        figure = figures[r.code]
        if figure is None:
            out[r.code] = MeasureValue(None, records_url=url, reason="no_info_officer_figures")
        else:
            out[r.code] = ratio_value(figure[field], population[r.code].value, reason="no_population",
                                      records_url=url, detail={"shares": figure["shares"]})
    return out


@measure("info_officer_ratio", unit="ratio", label=_("“科普中国”信息员人数占常住人口比例"))
def info_officer_ratio(regions, year: int) -> dict[str, MeasureValue]:
    """科普中国 information officers registered in the region ÷ resident population."""
    return _officer_ratio(regions, year, "registered")


@measure("info_officer_active_ratio", unit="ratio", label=_("“科普中国”信息员年度活跃人数占常住人口比例"))
def info_officer_active_ratio(regions, year: int) -> dict[str, MeasureValue]:
    """科普中国 information officers active in the year ÷ resident population."""
    return _officer_ratio(regions, year, "active")


@measure("info_officer_rank_percentile", unit="ratio", label=_("信息员人数占比在同级区划中的排名百分位"))
def info_officer_rank_percentile(regions, year: int) -> dict[str, MeasureValue]:
    """The region's rank by info_officer_ratio among the regions of the same parent that have a ratio
    (1 = first), ÷ how many of them have one: 0.3 or less is the top 30 %. Equal ratios share a rank."""
    parents = {r.parent_id for r in regions if r.parent_id}
    siblings = list(Region.objects.filter(parent_id__in=parents).only("id", "code", "path", "parent_id"))
    ratios = info_officer_ratio(siblings, year)
    parent_codes = dict(Region.objects.filter(pk__in=parents).values_list("id", "code"))
    out = {}
    for r in regions:
        # The drill-down is the list of all the siblings' figures: the parent's region.
        url = _url("channels:info_officers", Region(code=parent_codes.get(r.parent_id, r.code)), year)
        if not r.parent_id:
            out[r.code] = MeasureValue(None, records_url=url, reason="no_siblings")
            continue
        own = ratios.get(r.code)
        if own is None or own.value is None:
            out[r.code] = MeasureValue(None, records_url=url, reason=own.reason if own else "no_data")
            continue
        peers = [ratios[s.code].value for s in siblings if s.parent_id == r.parent_id
                 and ratios[s.code].value is not None]
        rank = 1 + sum(1 for v in peers if v > own.value)
        without = sum(1 for s in siblings if s.parent_id == r.parent_id) - len(peers)
        out[r.code] = ratio_value(rank, len(peers), reason="no_siblings", records_url=url,
                                  detail={"rank": rank, "of": len(peers), "without_data": without})
    return out
