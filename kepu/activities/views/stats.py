"""Activity statistics per region and month, with charts and an Excel export.

Every table comes from one aggregate query (selectors.stats_*) over the activities the user may see;
every figure links to the activity list behind it.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.exports import workbook, xlsx_response
from kepu.core.measures import get_measure
from kepu.core.views_common import (
    FIRST_YEAR,
    Cell,
    Row,
    Table,
    choose_region_and_year,
    staff_required,
)
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .. import selectors
from ..models import ActivityKind, ActivityStatus, ThemeDay

HELD = [ActivityStatus.FINISHED, ActivityStatus.REPORTED]


def build_tables(user, region: Region, year: int) -> list[Table]:
    """The statistics of the region's subtree in the year: per child region, month, kind, theme day, group."""
    qs = selectors.stats_activities(user, region, year)
    base = reverse("activities:list")

    def link(**params) -> str:
        return base + "?" + urlencode({"region": region.code, "year": year, **params}, doseq=True)

    def held_times(counts: dict, **params) -> list[Cell]:
        return [Cell(counts["activities"], link(status=HELD, **params)),
                Cell(counts["person_times"], link(status=ActivityStatus.REPORTED, **params))]

    tables = []

    # Per child region (and the region itself), with the coverage measure where the user sees all of it.
    children = list(region_policy.visible_to(user).filter(parent=region).order_by("code"))
    counts = selectors.stats_by_region(qs, [*children, region])
    scope = scope_of(user)
    covered = [r for r in [*children, region] if scope.covers_path(r.path, STAFF_ROLES)]
    coverage = get_measure("activity_coverage").compute(covered, year)
    table = Table("regions", _("按区域"), [_("区域"), _("活动场次"), _("参与人次"), _("常住人口"), _("活动覆盖率")],
                  note=_("活动覆盖率 = 已报送的参与人次 ÷ 常住人口；没有人口数据或不在您工作范围内的区域显示“—”。"))
    for r in [*children, region]:
        c = counts[r.code]
        measured = coverage.get(r.code)
        cells = [Cell(c["activities"], base + "?" + urlencode({"region": r.code, "year": year, "status": HELD},
                                                               doseq=True)),
                 Cell(c["person_times"], base + "?" + urlencode({"region": r.code, "year": year,
                                                                 "status": ActivityStatus.REPORTED})),
                 Cell(measured.denominator if measured else None),
                 Cell(measured.value if measured else None, measured.records_url if measured else "", percent=True)]
        is_total = r == region
        label = _("合计（%(name)s）") % {"name": r.name} if is_total and children else r.name
        url = "" if is_total else reverse("activities:stats") + "?" + urlencode({"region": r.code, "year": year})
        table.rows.append(Row(label, cells, url, total=is_total))
    tables.append(table)

    by_month = selectors.stats_by_month(qs)
    table = Table("months", _("按月份"), [_("月份"), _("活动场次"), _("参与人次")])
    for month, c in by_month.items():
        table.rows.append(Row(_("%(m)d 月") % {"m": month}, held_times(c, month=month)))
    table.rows.append(Row(_("合计"), held_times(counts[region.code]), total=True))
    tables.append(table)

    by_kind = selectors.stats_by_kind(qs)
    table = Table("kinds", _("按活动形式"), [_("活动形式"), _("活动场次"), _("参与人次")])
    for kind in ActivityKind:
        if kind.value in by_kind:
            table.rows.append(Row(str(kind.label), held_times(by_kind[kind.value], kind=kind.value)))
    table.rows.append(Row(_("合计"), held_times(counts[region.code]), total=True))
    tables.append(table)

    by_theme = selectors.stats_by_theme(qs)
    table = Table("themes", _("按主题日"), [_("主题日"), _("活动场次"), _("参与人次")],
                  note=_("关联多个主题日的活动在每个主题日下各计一次。"))
    for day in ThemeDay.objects.filter(pk__in=[k for k in by_theme if k is not None]).order_by("month_day", "name"):
        table.rows.append(Row(day.name, held_times(by_theme[day.pk], theme=day.pk)))
    if None in by_theme:
        c = by_theme[None]
        table.rows.append(Row(_("未关联主题日"), [Cell(c["activities"]), Cell(c["person_times"])]))
    tables.append(table)

    table = Table("groups", _("按目标人群"), [_("目标人群"), _("面向该人群的活动场次"), _("报告的参与人次")],
                  note=_("活动场次按活动设定的目标人群统计（一个活动可面向多个人群）；参与人次按参与情况报告中各人群的人次统计。"))
    for group in selectors.stats_by_group(qs):
        table.rows.append(Row(group.name, [Cell(group.activity_count, link(status=HELD, group=group.key)),
                                           Cell(group.person_times, link(status=ActivityStatus.REPORTED,
                                                                         group=group.key))]))
    tables.append(table)
    for t in tables:
        for row in t.rows:
            for header, cell in zip(t.headers[1:], row.cells, strict=True):
                cell.label = header
    return tables


def chart_data(tables: list[Table]) -> dict:
    """What stats.js draws: activities and person-times by month (bar), activities by kind (pie)."""
    months = next(t for t in tables if t.key == "months").rows[:-1]
    kinds = next(t for t in tables if t.key == "kinds").rows[:-1]
    return {
        "labels": {"activities": _("活动场次"), "person_times": _("参与人次"), "kinds": _("活动形式")},
        "months": [r.label for r in months],
        "activities": [r.cells[0].value for r in months],
        "person_times": [r.cells[1].value for r in months],
        "month_urls": [r.cells[0].url for r in months],
        "kinds": [{"name": r.label, "value": r.cells[0].value, "url": r.cells[0].url} for r in kinds],
    }


@staff_required
def stats(request):
    region, year = choose_region_and_year(request)
    tables = build_tables(request.user, region, year)
    this_year = timezone.localdate().year
    return render(request, "activities/staff/stats.html", {
        "region": region, "year": year, "tables": tables, "data": chart_data(tables),
        "years": range(this_year + 1, FIRST_YEAR - 1, -1),
        "breadcrumbs": region_policy.visible_to(request.user).filter(path__in=region.ancestor_paths())
        .exclude(pk=region.pk).order_by("depth"),
        "export_query": urlencode({"region": region.code, "year": year}),
    })


@staff_required
def stats_export(request):
    region, year = choose_region_and_year(request)
    tables = build_tables(request.user, region, year)
    filename = _("活动统计-%(region)s-%(year)d.xlsx") % {"region": region.name, "year": year}
    return xlsx_response(workbook([t.sheet() for t in tables]), filename)


urlpatterns = [
    path("stats/", stats, name="stats"),
    path("stats/export.xlsx", stats_export, name="stats_export"),
]
