"""Venue figures per region and year (Yongchuan B3.2 站栏员全覆盖, B3.5 certified bases)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kepu.accounts.models import Role, RoleAssignment
from kepu.core.measures import MeasureValue, measure, per_region_grouped, ratio_value
from kepu.orgs.models import FeatureLevel, SchoolProfile
from kepu.regions.models import Level, Region

from .models import (
    BOARD_TYPES,
    MUNICIPAL_OR_ABOVE,
    STATION_TYPES,
    Certification,
    Venue,
    in_use_q,
    valid_in_q,
)


def _url(name: str, region, year: int, **params) -> str:
    return reverse(name) + "?" + urlencode({"region": region.code, "year": year, **params})


def village_facilities(year: int):
    """Villages annotated with has_station, has_board and has_officer as of the end of `year`."""
    end = datetime.date(year, 12, 31)
    venues = Venue.objects.filter(in_use_q(end), region=OuterRef("pk"))
    return Region.objects.filter(level=Level.VILLAGE).annotate(
        has_station=Exists(venues.filter(type__in=STATION_TYPES)),
        has_board=Exists(venues.filter(type__in=BOARD_TYPES)),
        has_officer=Exists(RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region=OuterRef("pk"))),
    )


@measure("village_station_board_officer_coverage", unit="ratio",
         label=_("科普“站栏员”全覆盖的村（社区）比例"))
def village_station_board_officer_coverage(regions, year: int) -> dict[str, MeasureValue]:
    """Villages and communities that have a science activity room or e-station, a science gallery or
    notice board (both in use at the end of the year) and a village science officer ÷ all villages and
    communities of the region. The detail counts the villages missing each of the three."""
    rows = per_region_grouped(village_facilities(year), regions, path_field="path", n=Count("id"),
                              covered=Count("id", filter=Q(has_station=True, has_board=True, has_officer=True)),
                              no_station=Count("id", filter=Q(has_station=False)),
                              no_board=Count("id", filter=Q(has_board=False)),
                              no_officer=Count("id", filter=Q(has_officer=False)))
    out = {}
    for r in regions:
        row = rows[r.code]
        out[r.code] = ratio_value(row["covered"] or 0, row["n"] or 0, reason="no_villages",
                                  records_url=_url("venues:coverage", r, year),
                                  detail={"missing_station": row["no_station"] or 0,
                                          "missing_board": row["no_board"] or 0,
                                          "missing_officer": row["no_officer"] or 0})
    return out


@measure("certified_bases_count", unit="count", label=_("市级及以上科普基地和科技特色学校数"))
def certified_bases_count(regions, year: int) -> dict[str, MeasureValue]:
    """Venues in use at the end of the year holding a municipal or national certification in force in
    the year (科普教育基地, 青少年科普教育基地, 农村科普示范基地 ...), plus schools whose profile of the year
    makes them a municipal or national 科技特色学校."""
    end = datetime.date(year, 12, 31)
    certified = Certification.objects.filter(valid_in_q(year), venue=OuterRef("pk"))
    venues = per_region_grouped(
        Venue.objects.filter(in_use_q(end)).filter(Exists(certified.filter(level__in=MUNICIPAL_OR_ABOVE))),
        regions, path_field="region_path", n=Count("id"),
        national=Count("id", filter=Q(Exists(certified.filter(level="national")))))
    schools = per_region_grouped(
        SchoolProfile.objects.filter(year=year, feature_level__in=(FeatureLevel.NATIONAL, FeatureLevel.MUNICIPAL)),
        regions, path_field="region_path", n=Count("id"))
    out = {}
    for r in regions:
        bases = venues[r.code]["n"] or 0
        feature_schools = schools[r.code]["n"] or 0
        total = bases + feature_schools
        url = _url("venues:list", r, year, certified="municipal", in_use=1)
        out[r.code] = MeasureValue(total, numerator=total, records_url=url,
                                   detail={"bases": bases, "national_bases": venues[r.code]["national"] or 0,
                                           "feature_schools": feature_schools})
    return out
