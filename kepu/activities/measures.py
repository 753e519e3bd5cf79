"""Activity figures per region and year, each linking to the activities behind it."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kepu.core.measures import MeasureValue, get_measure, measure, per_region
from kepu.regions.querysets import subtree_q

from .models import Activity, ActivityKind, ActivityStatus

DONE = (ActivityStatus.FINISHED, ActivityStatus.REPORTED)


def _list_url(region, year: int, **extra) -> str:
    return reverse("activities:list") + "?" + urlencode({"region": region.code, "year": year, **extra})


def _in_year(year: int):
    return Activity.objects.filter(start__year=year)


@measure("activity_coverage", unit="ratio", label=_("科普活动覆盖率（参与人次 ÷ 常住人口）"))
def activity_coverage(regions, year: int) -> dict[str, MeasureValue]:
    """Reported person-times of the year's activities in the region ÷ its resident population."""
    sums = per_region(_in_year(year).filter(status=ActivityStatus.REPORTED), regions, path_field="region_path",
                      person_times=lambda f: Sum("report__person_times", filter=f))
    population = get_measure("resident_population").compute(regions, year)
    out = {}
    for region in regions:
        times = sums[region.code]["person_times"] or 0
        residents = population[region.code].value
        url = _list_url(region, year, status=ActivityStatus.REPORTED)
        if not residents:
            out[region.code] = MeasureValue(None, numerator=times, records_url=url, reason="no_population")
        else:
            out[region.code] = MeasureValue(Decimal(times) / Decimal(residents), numerator=times,
                                            denominator=residents, records_url=url)
    return out


@measure("volunteer_service_activities", unit="count", label=_("科技志愿服务活动场次"))
def volunteer_service_activities(regions, year: int) -> dict[str, MeasureValue]:
    """Finished (or reported) 科技志愿服务活动 held in the region in the year."""
    counts = per_region(_in_year(year).filter(status__in=DONE, is_volunteer_service=True), regions,
                        path_field="region_path", n=lambda f: Count("id", filter=f))
    return {r.code: MeasureValue(counts[r.code]["n"], numerator=counts[r.code]["n"],
                                 records_url=_list_url(r, year, volunteer_service=1)) for r in regions}


def _by(field: str, regions, year: int):
    """Activities held and reported person-times per value of `field`, per region (one query)."""
    qs = _in_year(year).filter(status__in=DONE)
    columns = {}
    for i, region in enumerate(regions):
        inside = subtree_q([region.path], field="region_path")
        columns[f"n{i}"] = Count("id", filter=inside, distinct=True)
        columns[f"p{i}"] = Sum("report__person_times", filter=inside & Q(status=ActivityStatus.REPORTED))
    rows = qs.values(field).annotate(**columns).order_by()
    out = {r.code: {"activities": {}, "person_times": {}} for r in regions}
    for row in rows:
        key = row[field]
        for i, region in enumerate(regions):
            if row[f"n{i}"]:
                out[region.code]["activities"][key] = row[f"n{i}"]
                out[region.code]["person_times"][key] = row[f"p{i}"] or 0
    return out


def _split(regions, year: int, metric: str, **list_filters) -> dict[str, MeasureValue]:
    """A total per region of `metric` ("activities" or "person_times"), split by kind and by theme day."""
    by_kind = _by("kind", regions, year)
    by_theme = _by("theme_days__name", regions, year)
    out = {}
    for r in regions:
        kinds = by_kind[r.code][metric]
        total = sum(kinds.values())
        out[r.code] = MeasureValue(total, numerator=total, records_url=_list_url(r, year, **list_filters), detail={
            "by_kind": {str(ActivityKind(k).label): v for k, v in kinds.items() if v},
            "by_theme": {k: v for k, v in by_theme[r.code][metric].items() if k and v},
        })
    return out


@measure("activities_held", unit="count", label=_("开展科普活动场次"))
def activities_held(regions, year: int) -> dict[str, MeasureValue]:
    """Finished and reported activities of the year, with the counts by kind and by theme day."""
    return _split(regions, year, "activities")


@measure("activity_person_times", unit="person_times", label=_("科普活动参与人次"))
def activity_person_times(regions, year: int) -> dict[str, MeasureValue]:
    """Reported person-times of the year's activities, with the split by kind and by theme day."""
    return _split(regions, year, "person_times", status=ActivityStatus.REPORTED)
