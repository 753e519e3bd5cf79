"""Reads behind the base-data pages of the orgs app: school profiles by year, agriculture-related towns
with their 农技协, and funding records, each scoped to what the user may see.

The totals here use the same conditions as the measures in `measures.py` (STAFF_COMPLIANT,
agri_related_q, town_has_association), so the figures at the top of a page match the measure.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields import BooleanField, IntegerField
from django.db.models.functions import Coalesce

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.regions.models import Level, Region
from kepu.regions.policies import region_policy
from kepu.regions.querysets import subtree_q

from .measures import STAFF_COMPLIANT, agri_related_q, association_alive_q, town_has_association
from .models import (
    SCHOOL_TYPES,
    STATISTICS_GROUP,
    FundingDocument,
    FundingRecord,
    FundingSource,
    FundingUse,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
)
from .policies import funding_policy, rural_association_policy

PROFILE_COLUMNS = ("id", "district_run", "science_teachers", "tutors_full_time", "tutors_part_time", "has_tech_room",
                   "feature_level", "note", "updated_at")


# --- schools ------------------------------------------------------------------------------------------


def visible_schools(user) -> QuerySet[Unit]:
    """Primary and secondary schools whose profiles the user may see: those in the user's region
    subtrees and the user's own units (the profile policy's rule, applied to the school itself)."""
    qs = Unit.objects.filter(type__in=SCHOOL_TYPES)
    scope = scope_of(user)
    if scope.platform_admin:
        return qs
    q = subtree_q(scope.region_paths(STAFF_ROLES), field="region__path")
    own = scope.unit_ids(STAFF_ROLES)
    if own:
        q |= Q(pk__in=own)
    return qs.filter(q)


def schools_in(user, region: Region) -> QuerySet[Unit]:
    """The visible schools in the region's subtree."""
    return visible_schools(user).filter(subtree_q([region.path], field="region__path"))


def compliant_profile(year: int):
    """The school's profile of the year meets B1.4 (for Exists() on a school)."""
    return SchoolProfile.objects.filter(STAFF_COMPLIANT, unit=OuterRef("pk"), year=year)


def school_rows(user, region: Region, year: int, *, district_run: bool | None = None, compliant: bool | None = None,
                room: bool | None = None, missing: bool | None = None, query: str = "") -> QuerySet[Unit]:
    """The schools of the region with their profile of the year as `p_<field>` (None without one).

    `compliant=False` includes the schools without a profile (the measure counts them as not
    compliant); `district_run` and `room` ask about the profile, so schools without one drop out.
    """
    qs = (schools_in(user, region).select_related("region")
          .annotate(profile=FilteredRelation("school_profiles", condition=Q(school_profiles__year=year)))
          .annotate(**{f"p_{name}": F(f"profile__{name}") for name in PROFILE_COLUMNS}))
    if missing is not None:
        qs = qs.filter(profile__id__isnull=missing)
    if district_run is not None:
        qs = qs.filter(profile__district_run=district_run)
    if room is not None:
        qs = qs.filter(profile__has_tech_room=room)
    if compliant is not None:
        qs = qs.filter(Exists(compliant_profile(year)) if compliant else ~Exists(compliant_profile(year)))
    query = query.strip()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("region__path", "name", "id")


def school_totals(user, region: Region, year: int) -> dict[str, int]:
    """Counts over all visible schools of the region (not narrowed by the table's filters)."""
    schools = schools_in(user, region)
    profiles = SchoolProfile.objects.filter(year=year, unit__in=schools.values("pk"))
    out = profiles.aggregate(
        profiles=Count("id"),
        compliant=Count("id", filter=STAFF_COMPLIANT),
        district_profiles=Count("id", filter=Q(district_run=True)),
        district_rooms=Count("id", filter=Q(district_run=True, has_tech_room=True)),
        rooms=Count("id", filter=Q(has_tech_room=True)),
        featured=Count("id", filter=~Q(feature_level="")),
        teachers=Coalesce(Sum("science_teachers"), 0),
        full_time=Coalesce(Sum("tutors_full_time"), 0),
        part_time=Coalesce(Sum("tutors_part_time"), 0),
    )
    out["schools"] = schools.count()
    out["missing"] = out["schools"] - out["profiles"]
    return out


def previous_profile(school: Unit, year: int) -> SchoolProfile | None:
    """The school's latest profile before `year` (the start of a new year's profile)."""
    return SchoolProfile.objects.filter(unit=school, year__lt=year).order_by("-year").first()


# --- agriculture-related towns and 农技协 ------------------------------------------------------------


def agri_towns(user, region: Region, year: int, *, agri: bool | None = None,
               covered: bool | None = None) -> QuerySet[Region]:
    """The visible towns of the region, annotated: `is_agri`, `villages`, `rural_villages` (class 2xx)
    and `covered` (a 农技协 alive at the end of the year)."""
    def children(**filters):
        rows = (Region.objects.filter(parent=OuterRef("pk"), **filters).order_by().values("parent")
                .annotate(n=Count("id")).values("n"))
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    qs = (region_policy.visible_to(user).filter(subtree_q([region.path]), level=Level.TOWN)
          .annotate(is_agri=Case(When(agri_related_q(), then=Value(True)), default=Value(False),
                                 output_field=BooleanField()),
                    villages=children(),
                    rural_villages=children(urban_rural_code__startswith="2"),
                    covered=Case(When(town_has_association(year), then=Value(True)), default=Value(False),
                                 output_field=BooleanField())))
    if agri is not None:
        qs = qs.filter(agri_related_q()) if agri else qs.exclude(agri_related_q())
    if covered is not None:
        qs = qs.filter(covered=covered)
    return qs.order_by("path")


def agri_totals(user, region: Region, year: int) -> dict[str, int]:
    """Towns, agriculture-related towns, those covered by a 农技协 and those on the smart platform."""
    towns = region_policy.visible_to(user).filter(subtree_q([region.path]), level=Level.TOWN)
    agri = agri_related_q()
    return towns.aggregate(
        towns=Count("id"),
        agri=Count("id", filter=agri),
        covered=Count("id", filter=agri & town_has_association(year)),
        on_platform=Count("id", filter=agri & town_has_association(year, on_smart_platform=True)),
    )


def associations_by_town(towns: list[Region], year: int) -> dict[str, list[RuralTechAssociation]]:
    """The 农技协 alive at the end of the year in each town (or its villages), by town path."""
    out: dict[str, list[RuralTechAssociation]] = defaultdict(list)
    if not towns:
        return out
    end = datetime.date(year, 12, 31)
    rows = (RuralTechAssociation.objects.filter(association_alive_q(end))
            .filter(subtree_q([t.path for t in towns], field="region_path"))
            .select_related("region").order_by("region_path", "name"))
    length = len(towns[0].path)  # the towns of one tree level have paths of one length
    for association in rows:
        out[association.region_path[:length]].append(association)
    return out


def association_list(user, *, region: Region | None = None, year: int | None = None, platform: bool | None = None,
                     query: str = "") -> QuerySet[RuralTechAssociation]:
    """Visible 农技协, optionally in a region's subtree, alive at the end of a year, on the platform."""
    qs = rural_association_policy.visible_to(user).select_related("region", "unit")
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if year is not None:
        qs = qs.filter(association_alive_q(datetime.date(year, 12, 31)))
    if platform is not None:
        qs = qs.filter(on_smart_platform=platform)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(industry__icontains=query))
    return qs.order_by("region_path", "name", "id")


# --- funding -------------------------------------------------------------------------------------------


def funding_list(user, region: Region, year: int, *, source: str = "", use: str = "") -> QuerySet[FundingRecord]:
    """The visible funding records of the year in the region's subtree."""
    qs = (funding_policy.visible_to(user).filter(subtree_q([region.path], field="region_path"), year=year)
          .select_related("region", "unit__region"))
    if source:
        qs = qs.filter(source=source)
    if use:
        qs = qs.filter(use=use)
    return qs.order_by("region_path", "source", "id")


def with_document_counts(records: QuerySet[FundingRecord]) -> QuerySet[FundingRecord]:
    """The records with `document_count` (for the page; sums are taken on the plain queryset)."""
    documents = (FundingDocument.objects.filter(record=OuterRef("pk")).order_by().values("record")
                 .annotate(n=Count("id")).values("n"))
    return records.annotate(document_count=Coalesce(Subquery(documents, output_field=IntegerField()), 0))


def _sums(qs, key: str) -> dict[str, dict]:
    rows = qs.order_by().values(key).annotate(n=Count("id"), budgeted=Sum("budgeted"), received=Sum("received"))
    return {row[key]: row for row in rows}


def _add(total: dict, row: dict) -> None:
    total["n"] += row["n"]
    for name in ("budgeted", "received"):
        if row[name] is not None:
            total[name] = (total[name] or Decimal(0)) + row[name]


def _empty(label: str) -> dict:
    return {"label": label, "n": 0, "budgeted": None, "received": None}


def funding_totals(records: QuerySet[FundingRecord]) -> dict[str, list[dict]]:
    """Budgeted and received sums of the records by national-statistics group, by source, by use and
    in total (None where no record has that amount)."""
    by_source = _sums(records, "source")
    groups: dict[str, dict] = {}
    sources = []
    total = _empty("")
    for source in FundingSource:
        group = str(STATISTICS_GROUP[source])
        groups.setdefault(group, _empty(group))
        row = by_source.get(source.value)
        if row is not None:
            _add(groups[group], row)
            _add(total, row)
            sources.append({**_empty(str(source.label)), **{k: row[k] for k in ("n", "budgeted", "received")},
                            "group": group, "source": source.value})
    by_use = _sums(records, "use")
    uses = []
    for use in FundingUse:
        row = by_use.get(use.value)
        entry = _empty(str(use.label))
        entry["use"] = use.value
        if row is not None:
            _add(entry, row)
        uses.append(entry)
    return {"groups": list(groups.values()), "sources": sources, "uses": uses, "total": total}

