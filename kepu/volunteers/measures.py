"""Volunteer figures per region and year, each linking to the list behind it.

At city scale (a million volunteers, five million records) each measure is one grouped scan per
region depth (core.measures.per_region_grouped), not a filtered column per region.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kepu.core.measures import MeasureValue, measure, per_region_grouped

from .models import RecordStatus, ServiceRecord, Team, Volunteer


def _url(name: str, region, **params) -> str:
    return reverse(name) + "?" + urlencode({"region": region.code, **params})


def registered_q(as_of: datetime.date) -> Q:
    """Registered on or before `as_of` and not deregistered by then."""
    return Q(registered_on__lte=as_of) & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))


def team_alive_q(as_of: datetime.date) -> Q:
    """Founded by `as_of` (or of unknown date) and not dissolved by then."""
    return (Q(founded_on__isnull=True) | Q(founded_on__lte=as_of)) & (
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of))


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@measure("registered_volunteers", unit="persons", label=_("注册科技志愿者人数"))
def registered_volunteers(regions, year: int) -> dict[str, MeasureValue]:
    """Volunteers registered in the region subtree and not deregistered, as of 31 December."""
    end = _year(year)[1]
    rows = per_region_grouped(Volunteer.objects.filter(registered_q(end)), regions, path_field="region_path",
                              n=Count("id"))
    return {r.code: MeasureValue(rows[r.code]["n"] or 0, numerator=rows[r.code]["n"] or 0,
                                 records_url=_url("volunteers:list", r, as_of=end.isoformat())) for r in regions}


def _verified_in(year: int):
    start, end = _year(year)
    return ServiceRecord.objects.filter(status=RecordStatus.VERIFIED, date__gte=start, date__lte=end)


@measure("active_volunteers", unit="persons", label=_("活跃科技志愿者人数（年内有认定服务记录）"))
def active_volunteers(regions, year: int) -> dict[str, MeasureValue]:
    """Volunteers with at least one verified service record in the year, served in the region subtree."""
    rows = per_region_grouped(_verified_in(year), regions, path_field="region_path",
                              n=Count("volunteer", distinct=True))
    return {r.code: MeasureValue(rows[r.code]["n"] or 0, numerator=rows[r.code]["n"] or 0,
                                 records_url=_url("volunteers:records", r, year=year,
                                                  status=RecordStatus.VERIFIED)) for r in regions}


@measure("volunteer_service_hours", unit="hours", label=_("科技志愿服务时长（小时）"))
def volunteer_service_hours(regions, year: int) -> dict[str, MeasureValue]:
    """Verified service hours given in the region subtree in the year, and the number of records."""
    rows = per_region_grouped(_verified_in(year), regions, path_field="region_path",
                              hours=Sum("hours"), records=Count("id"))
    out = {}
    for r in regions:
        hours = rows[r.code]["hours"] or 0
        out[r.code] = MeasureValue(hours, numerator=hours, records_url=_url(
            "volunteers:records", r, year=year, status=RecordStatus.VERIFIED),
            detail={"records": rows[r.code]["records"] or 0})
    return out


@measure("volunteer_teams", unit="count", label=_("科技志愿服务队数"))
def volunteer_teams(regions, year: int) -> dict[str, MeasureValue]:
    """Teams in the region subtree founded by 31 December (or of unknown date) and not dissolved by then."""
    end = _year(year)[1]
    rows = per_region_grouped(Team.objects.filter(team_alive_q(end)), regions, path_field="region_path", n=Count("id"))
    return {r.code: MeasureValue(rows[r.code]["n"] or 0, numerator=rows[r.code]["n"] or 0,
                                 records_url=_url("volunteers:teams", r, as_of=end.isoformat())) for r in regions}
