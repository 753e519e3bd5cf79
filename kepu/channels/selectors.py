"""Reads of the channels pages: outlets with their columns, the issue log and its weekly strip,
accounts with a year's figures, and the 科普中国 figures of a region's child regions.

Lists start from the policies (what the user may see); the weekly strip and the 科普中国 table are
whole-region figures, shown only to users whose scope covers the region (the views check that).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum

from kepu.core.measures import MeasureValue, get_measure
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .measures import officer_figures, weeks_counted
from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
)
from .policies import account_policy, column_issue_policy, outlet_policy

# Yongchuan standard C3.2: officers (and active officers) at 1 % of the residents, in the city's top 30 %.
TARGET_RATIO = Decimal("0.01")
TOP_SHARE = Decimal("0.3")


def _in_region(qs: QuerySet, region: Region | None, field: str = "region_path") -> QuerySet:
    return qs.filter(subtree_q([region.path], field=field)) if region is not None else qs


# --- outlets ----------------------------------------------------------------------------------------


def outlet_list(user, *, region: Region | None = None, query: str = "") -> QuerySet[MediaOutlet]:
    """Outlets the user sees in the region's subtree, by name or by one of their columns' names."""
    qs = _in_region(outlet_policy.visible_to(user), region).select_related("region", "unit__region")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(columns__name__icontains=query)).distinct()
    return qs.order_by("region_path", "name")


def with_columns(outlets, year: int) -> list[MediaOutlet]:
    """The outlets (one page of them) with `.column_rows`: each column's issues in the (ISO) year and
    its last issue date ever."""
    outlets = list(outlets)
    columns = (Column.objects.filter(outlet__in=outlets)
               .annotate(year_issues=Count("issues", filter=Q(issues__iso_year=year)), last_issue=Max("issues__date"))
               .order_by("name"))
    by_outlet: dict[int, list[Column]] = {}
    for column in columns:
        by_outlet.setdefault(column.outlet_id, []).append(column)
    for outlet in outlets:
        outlet.column_rows = by_outlet.get(outlet.pk, [])
    return outlets


# --- issues -----------------------------------------------------------------------------------------


def issue_list(user, *, region: Region | None, year: int, column: Column | None = None) -> QuerySet[ColumnIssue]:
    """Issues the user sees in the region's subtree whose ISO week falls in the year, newest first."""
    qs = _in_region(column_issue_policy.visible_to(user).filter(iso_year=year), region)
    if column is not None:
        qs = qs.filter(column=column)
    return qs.select_related("column__outlet__region").order_by("-date", "-id")


@dataclass(frozen=True)
class Week:
    number: int
    monday: datetime.date
    issues: int
    counted: bool  # within the weeks media_weekly_columns counts (all of a past year, so far for this one)

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def state(self) -> str:
        if self.issues:
            return "yes"
        return "no" if self.counted else "later"


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last."""
    return datetime.date(year, 12, 28).isocalendar()[1]


def week_strip(region: Region, year: int, column: Column | None = None) -> list[Week]:
    """Every ISO week of the year with the number of issues of the region's columns (or of one column)
    in it: the same rows media_weekly_columns counts."""
    qs = ColumnIssue.objects.filter(subtree_q([region.path], field="region_path"), iso_year=year)
    if column is not None:
        qs = qs.filter(column=column)
    counts = dict(qs.values("iso_week").annotate(n=Count("id")).values_list("iso_week", "n").order_by())
    counted, _running = weeks_counted(year)
    return [Week(n, datetime.date.fromisocalendar(year, n, 1), counts.get(n, 0), n <= counted)
            for n in range(1, weeks_in_year(year) + 1)]


# --- new-media accounts -----------------------------------------------------------------------------


def account_list(user, *, region: Region | None = None, year: int, platform: str = "",
                 query: str = "") -> QuerySet[NewMediaAccount]:
    """Accounts the user sees in the region's subtree, each with `.year_rows` (its figures for the year)."""
    qs = _in_region(account_policy.visible_to(user), region)
    if platform:
        qs = qs.filter(platform=platform)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(account_id__icontains=query))
    return (qs.select_related("region", "unit__region")
            .prefetch_related(Prefetch("years", AccountYear.objects.filter(year=year), to_attr="year_rows"))
            .order_by("region_path", "platform", "name"))


def account_year_totals(accounts: QuerySet[NewMediaAccount], year: int) -> dict:
    """The year's figures summed over the accounts (all of them, not one page)."""
    return AccountYear.objects.filter(account__in=accounts.order_by().values("pk"), year=year).aggregate(
        accounts=Count("id"), followers=Sum("followers"), posts=Sum("posts"), reads=Sum("reads"))


# --- 科普中国 information officers ------------------------------------------------------------------

OFFICER_MEASURES = ("info_officer_ratio", "info_officer_active_ratio", "info_officer_rank_percentile",
                    "resident_population")


@dataclass
class OfficerRow:
    region: Region
    ratio: MeasureValue
    active_ratio: MeasureValue
    rank: MeasureValue
    population: MeasureValue
    own: InfoOfficerFigure | None  # the figure entered for the region itself
    summed_from: int  # how many regions below were summed when it has none of its own
    total: bool = False

    # The figures are the measures' own numerators, so the page cannot disagree with the scorecard.
    @property
    def registered(self):
        return self.ratio.numerator

    @property
    def active(self):
        return self.active_ratio.numerator

    @property
    def shares(self):
        return self.ratio.detail.get("shares") if self.registered is not None else None

    @property
    def residents(self):
        return self.ratio.denominator if self.ratio.denominator is not None else self.population.value

    @property
    def top(self) -> bool:
        return self.rank.value is not None and self.rank.value <= TOP_SHARE

    @property
    def meets_target(self) -> bool:
        return self.ratio.value is not None and self.ratio.value >= TARGET_RATIO

    @property
    def active_meets_target(self) -> bool:
        return self.active_ratio.value is not None and self.active_ratio.value >= TARGET_RATIO


def officer_rows(region: Region, year: int) -> tuple[list[OfficerRow], OfficerRow]:
    """The region's child regions with their 科普中国 figures and the three measures, highest ratio
    first (regions without one last), and the region's own row."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    regions = [*children, region]
    values = {key: get_measure(key).compute(regions, year) for key in OFFICER_MEASURES}
    figures = officer_figures(regions, year)
    own = {f.region_id: f for f in InfoOfficerFigure.objects.filter(region__in=regions, year=year)}
    rows = []
    for r in regions:
        figure = figures.get(r.code)
        rows.append(OfficerRow(
            r, values["info_officer_ratio"][r.code], values["info_officer_active_ratio"][r.code],
            values["info_officer_rank_percentile"][r.code], values["resident_population"][r.code],
            own.get(r.pk), 0 if figure is None or r.pk in own else figure["regions"], total=r == region))
    total = rows.pop()
    rows.sort(key=lambda row: (row.ratio.value is None, -(row.ratio.value or 0), row.region.code))
    return rows, total

