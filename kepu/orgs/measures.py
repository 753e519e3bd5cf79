"""School, 农技协 and funding figures per region and year (Yongchuan B1.4, B1.5, B2.1, B3.4)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kepu.core.measures import MeasureValue, get_measure, measure, per_region_grouped, ratio_value
from kepu.regions.models import Level, Region

from .models import (
    FISCAL_SOURCES,
    SCHOOL_TYPES,
    FundingRecord,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
    UnitType,
)


def _url(name: str, region, year: int, **params) -> str:
    return reverse(name) + "?" + urlencode({"region": region.code, "year": year, **params})


# At least 2 science teachers or 3 full- and part-time tech tutors (SchoolProfile.staff_compliant).
STAFF_COMPLIANT = Q(science_teachers__gte=2) | Q(tutors_full_time__gte=3 - F("tutors_part_time"))


@measure("school_science_staff_compliance", unit="ratio",
         label=_("配齐科学教师或科技辅导员的中小学比例"))
def school_science_staff_compliance(regions, year: int) -> dict[str, MeasureValue]:
    """Schools with ≥ 2 science teachers or ≥ 3 full- and part-time tech tutors in the year's profile ÷
    all primary and secondary schools of the region; a school without a profile for the year counts
    as not compliant (and is named by the drill-down)."""
    schools = per_region_grouped(Unit.objects.filter(type__in=SCHOOL_TYPES), regions, path_field="region__path",
                                 n=Count("id"))
    profiles = per_region_grouped(SchoolProfile.objects.filter(year=year, unit__type__in=SCHOOL_TYPES), regions,
                                  path_field="region_path", n=Count("id"),
                                  compliant=Count("id", filter=STAFF_COMPLIANT))
    out = {}
    for r in regions:
        total = schools[r.code]["n"] or 0
        compliant = profiles[r.code]["compliant"] or 0
        out[r.code] = ratio_value(compliant, total, reason="no_schools",
                                  records_url=_url("basedata:schools", r, year),
                                  detail={"without_profile": total - (profiles[r.code]["n"] or 0)})
    return out


@measure("school_tech_room_ratio", unit="ratio", label=_("建有科技活动室的区属中小学比例"))
def school_tech_room_ratio(regions, year: int) -> dict[str, MeasureValue]:
    """District-run schools whose profile of the year has a tech activity room ÷ district-run schools
    with a profile of the year (whether a school is district-run is part of its profile)."""
    rows = per_region_grouped(SchoolProfile.objects.filter(year=year, district_run=True), regions,
                              path_field="region_path", n=Count("id"),
                              rooms=Count("id", filter=Q(has_tech_room=True)))
    return {r.code: ratio_value(rows[r.code]["rooms"] or 0, rows[r.code]["n"] or 0, reason="no_school_profiles",
                                records_url=_url("basedata:schools", r, year, district_run=1))
            for r in regions}


def association_alive_q(as_of: datetime.date) -> Q:
    return (Q(founded_on__isnull=True) | Q(founded_on__lte=as_of)) & (
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of))


def agri_related_q() -> Q:
    """Towns that are agriculture-related (涉农): the admin's word, else rural by class code (2xx) or
    holding at least one rural village."""
    rural_village = Region.objects.filter(parent=OuterRef("pk"), urban_rural_code__startswith="2")
    return Q(agri_related_override=True) | (Q(agri_related_override__isnull=True) & (
        Q(urban_rural_code__startswith="2") | Q(Exists(rural_village))))


def town_has_association(year: int, **extra) -> Q:
    """For a town: a 农技协 alive at the end of `year` sits at it or at one of its villages (their only
    places, see RuralTechAssociation.clean); two indexed lookups instead of a path LIKE per town."""
    end = datetime.date(year, 12, 31)
    alive = RuralTechAssociation.objects.filter(association_alive_q(end), **extra)
    return Q(Exists(alive.filter(region=OuterRef("pk")))) | Q(Exists(alive.filter(region__parent=OuterRef("pk"))))


@measure("agri_town_association_ratio", unit="ratio", label=_("建有农技协的涉农镇（街）比例"))
def agri_town_association_ratio(regions, year: int) -> dict[str, MeasureValue]:
    """Agriculture-related towns with at least one 农技协 alive at the end of the year ÷ all
    agriculture-related towns of the region; the detail counts those whose associations joined the
    智慧农技协 platform."""
    towns = Region.objects.filter(agri_related_q(), level=Level.TOWN)
    rows = per_region_grouped(towns, regions, path_field="path", n=Count("id"),
                              covered=Count("id", filter=town_has_association(year)),
                              on_platform=Count("id", filter=town_has_association(year, on_smart_platform=True)))
    return {r.code: ratio_value(rows[r.code]["covered"] or 0, rows[r.code]["n"] or 0, reason="no_agri_towns",
                                records_url=_url("basedata:agri_towns", r, year),
                                detail={"on_smart_platform": rows[r.code]["on_platform"] or 0})
            for r in regions}


@measure("fiscal_funding_per_capita", unit="yuan_per_person", label=_("人均财政科普经费（元/人）"))
def fiscal_funding_per_capita(regions, year: int) -> dict[str, MeasureValue]:
    """Science-popularization money in the region's own budget for the year (budgeted amounts of the
    fiscal sources, recorded at the region itself for its 科协 or for no particular unit) ÷ resident
    population. No funding record of the region for the year at all means no data, not zero."""
    rows = (FundingRecord.objects.filter(year=year, region__in=[r.pk for r in regions])
            .values("region_id")
            .annotate(records=Count("id"),
                      fiscal=Sum("budgeted", filter=Q(source__in=FISCAL_SOURCES)
                                 & (Q(unit__isnull=True) | Q(unit__type=UnitType.ASSOCIATION))),
                      received=Sum("received", filter=Q(source__in=FISCAL_SOURCES)),
                      total=Sum("budgeted"))
            .order_by())
    by_region = {row["region_id"]: row for row in rows}
    population = get_measure("resident_population").compute(regions, year)
    out = {}
    for r in regions:
        url = _url("basedata:funding", r, year)
        row = by_region.get(r.pk)
        if row is None:
            out[r.code] = MeasureValue(None, records_url=url, reason="no_funding_records")
            continue
        fiscal = row["fiscal"] or 0
        out[r.code] = ratio_value(fiscal, population[r.code].value, reason="no_population", records_url=url,
                                  detail={"fiscal_received": row["received"] or 0, "all_budgeted": row["total"] or 0})
    return out
