"""Volunteer statistics for a region and year: the four measures, a table and chart per child
region, star levels, records by month and how fast 你点我送 needs are answered; Excel export.

The figures come from the measures (one grouped query per region depth) and from one grouped
query per table; each figure links to the list behind it.
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.core.exports import workbook, xlsx_response
from kepu.core.measures import get_measure
from kepu.core.views_common import (
    FIRST_YEAR,
    Cell,
    Row,
    Table,
    choose_region_and_year,
    region_staff_required,
)
from kepu.regions.models import Region
from kepu.regions.selectors import covered_regions

from .. import selectors, services

TENTH = Decimal("0.1")
MEASURES = ("registered_volunteers", "active_volunteers", "volunteer_service_hours", "volunteer_teams")


def _label_cells(tables: list[Table]) -> None:
    for table in tables:
        for row in table.rows:
            for header, cell in zip(table.headers[1:], row.cells, strict=True):
                cell.label = header


def _figure(key: str, value) -> Cell:
    """A measure's value as a cell linking to its list; hours always with one decimal (10.0, not 10)."""
    number = value.value
    if key == "volunteer_service_hours":
        number = Decimal(number or 0).quantize(TENTH)
    return Cell(number, value.records_url)


class Figures:
    """The statistics of a region's subtree in a year: measure cards, four tables, chart data."""

    def __init__(self, region: Region, year: int):
        self.region, self.year = region, year
        self.children = list(Region.objects.filter(parent=region).order_by("code"))
        self.regions = [*self.children, region]
        self.values = {key: get_measure(key).compute(self.regions, year) for key in MEASURES}
        self.tables = [self._by_region(), self._requests(), self._stars(), self._months()]
        _label_cells(self.tables)

    def cards(self) -> list[dict]:
        out = []
        for key in MEASURES:
            measure, value = get_measure(key), self.values[key][self.region.code]
            out.append({"key": key, "label": str(measure.label), "value": _figure(key, value).display,
                        "url": value.records_url})
        return out

    def _label(self, r: Region) -> str:
        return _("合计（%(name)s）") % {"name": r.name} if r == self.region and self.children else r.name

    def _drill(self, r: Region) -> str:
        if r == self.region:
            return ""
        return reverse("volunteers:stats") + "?" + urlencode({"region": r.code, "year": self.year})

    def _by_region(self) -> Table:
        table = Table("regions", _("按区域"), [_("区域"), _("注册志愿者"), _("活跃志愿者"), _("服务时长（小时）"),
                                              _("服务记录"), _("服务队")],
                      note=_("注册志愿者按年末在册统计，活跃志愿者和服务时长按服务发生地统计（年内已认定的服务记录）。"))
        for r in self.regions:
            hours = self.values["volunteer_service_hours"][r.code]
            table.rows.append(Row(self._label(r), [
                *(_figure(k, self.values[k][r.code]) for k in ("registered_volunteers", "active_volunteers",
                                                               "volunteer_service_hours")),
                Cell(hours.detail.get("records", 0), hours.records_url),
                _figure("volunteer_teams", self.values["volunteer_teams"][r.code]),
            ], self._drill(r), total=r == self.region))
        return table

    def _requests(self) -> Table:
        times = selectors.request_times(self.region, self.children, self.year)
        table = Table("requests", _("你点我送响应情况"), [_("区域"), _("发布需求"), _("已认领"), _("已完成"),
                                                         _("认领用时中位数（小时）"), _("完成用时中位数（小时）")],
                      note=_("按需求发布时间计入年度；用时为从发布到认领、从发布到完成的小时数。"))
        for r in self.regions:
            t = times[r.code]
            table.rows.append(Row(self._label(r), [Cell(t["posted"]), Cell(t["claimed"]), Cell(t["fulfilled"]),
                                                   Cell(t["claim_hours"]), Cell(t["fulfil_hours"])],
                                  self._drill(r), total=r == self.region))
        return table

    def _stars(self) -> Table:
        as_of = selectors.year_bounds(self.year)[1]
        counts = selectors.stars_distribution(self.region, as_of)
        base = reverse("volunteers:list")
        table = Table("stars", _("星级分布"), [_("星级"), _("注册志愿者")], note=_("年末在册的志愿者按当前星级统计。"))
        for level in range(len(services.star_thresholds()) + 1):
            url = base + "?" + urlencode({"region": self.region.code, "as_of": as_of.isoformat(), "stars": level})
            table.rows.append(Row(_("%(n)d 星") % {"n": level} if level else _("未评星"),
                                  [Cell(counts.get(level, 0), url)]))
        return table

    def _months(self) -> Table:
        hours = self.values["volunteer_service_hours"][self.region.code]
        table = Table("months", _("按月份"), [_("月份"), _("服务记录"), _("服务时长（小时）"), _("服务志愿者")],
                      note=_("年内已认定的服务记录，按服务日期计入月份。"))
        for month, m in selectors.records_by_month(self.region, self.year).items():
            table.rows.append(Row(_("%(m)d 月") % {"m": month}, [
                Cell(m["n"]), Cell(Decimal(m["hours"]).quantize(TENTH)), Cell(m["volunteers"])]))
        table.rows.append(Row(_("合计"), [Cell(hours.detail.get("records", 0), hours.records_url),
                                        _figure("volunteer_service_hours", hours),
                                        Cell(self.values["active_volunteers"][self.region.code].value)], total=True))
        return table

    def chart(self) -> dict:
        """What stats.js draws: the child regions (bars), the star levels (pie), the months (bars and line)."""
        regions = self.tables[0].rows[:-1] if self.children else self.tables[0].rows
        stars, months = self.tables[2].rows, self.tables[3].rows[:-1]
        return {
            "labels": {"registered": _("注册志愿者"), "active": _("活跃志愿者"), "hours": _("服务时长（小时）"),
                       "records": _("服务记录"), "stars": _("星级分布")},
            "regions": [r.label for r in regions],
            "region_urls": [r.url for r in regions],
            "registered": [r.cells[0].value for r in regions],
            "active": [r.cells[1].value for r in regions],
            "hours": [float(r.cells[2].value or 0) for r in regions],
            "stars": [{"name": r.label, "value": r.cells[0].value, "url": r.cells[0].url} for r in stars],
            "months": [r.label for r in months],
            "month_records": [r.cells[0].value for r in months],
            "month_hours": [float(r.cells[1].value or 0) for r in months],
        }


@region_staff_required
def stats(request):
    region, year = choose_region_and_year(request, covered_regions(request.user))
    figures = Figures(region, year)
    this_year = timezone.localdate().year
    return render(request, "volunteers/stats/stats.html", {
        "region": region, "year": year, "cards": figures.cards(), "tables": figures.tables, "chart": figures.chart(),
        "years": range(this_year + 1, FIRST_YEAR - 1, -1),
        "breadcrumbs": covered_regions(request.user).filter(path__in=region.ancestor_paths()).exclude(pk=region.pk)
        .order_by("depth"),
        "export_query": urlencode({"region": region.code, "year": year}),
    })


@region_staff_required
def stats_export(request):
    region, year = choose_region_and_year(request, covered_regions(request.user))
    tables = Figures(region, year).tables
    filename = _("志愿服务统计-%(region)s-%(year)d.xlsx") % {"region": region.name, "year": year}
    return xlsx_response(workbook([t.sheet() for t in tables]), filename)


urlpatterns = [
    path("stats/", stats, name="stats"),
    path("stats.xlsx", stats_export, name="stats_export"),
]
