"""Reads of the venue pages: the filtered list, counts by type, certifications coming due, map
points and the village-by-village 站栏员 coverage. Every read starts from what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Least
from django.utils.translation import gettext_lazy as _

from kepu.regions.models import Level as RegionLevel
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .measures import village_facilities
from .models import MUNICIPAL_OR_ABOVE, Certification, Level, Venue, VenueType, in_use_q, valid_in_q
from .policies import certification_policy, venue_policy

# certified=<key> lists venues holding a certification of at least this level in force in the year.
CERTIFIED_LEVELS = {
    Level.NATIONAL.value: (Level.NATIONAL,),
    Level.MUNICIPAL.value: MUNICIPAL_OR_ABOVE,
    Level.DISTRICT.value: tuple(Level),
}
CERTIFIED_CHOICES = [
    (Level.NATIONAL.value, _("国家级认定")),
    (Level.MUNICIPAL.value, _("市级及以上认定")),
    (Level.DISTRICT.value, _("区县级及以上认定")),
]
EXPIRY_WINDOW_DAYS = 90
FAR_FUTURE = datetime.date(9999, 12, 31)


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


# --- the list -------------------------------------------------------------------------------------


def venue_list(user, *, region: Region | None = None, type: str = "", certified: str = "", year: int,
               public: bool | None = None, in_use: bool | None = None, has_coordinates: bool | None = None,
               query: str = "") -> QuerySet[Venue]:
    """The venues the user sees, filtered: `certified` and `in_use` are read for `year` (in use = at
    its end, as the measures count)."""
    qs = venue_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if type:
        qs = qs.filter(type=type)
    if certified:
        held = Certification.objects.filter(valid_in_q(year), venue=OuterRef("pk"), level__in=CERTIFIED_LEVELS[certified])
        qs = qs.filter(Exists(held))
    if public is not None:
        qs = qs.filter(is_public=public)
    if in_use is True:
        qs = qs.filter(in_use_q(year_end(year)))
    elif in_use is False:
        qs = qs.exclude(in_use_q(year_end(year)))
    if has_coordinates is True:
        qs = qs.filter(longitude__isnull=False, latitude__isnull=False)
    elif has_coordinates is False:
        qs = qs.filter(Q(longitude__isnull=True) | Q(latitude__isnull=True))
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(address__icontains=query))
    return qs.select_related("region", "unit")


def type_counts(qs: QuerySet[Venue]) -> list[tuple[str, str, int]]:
    """(type, label, count) of the venues in `qs`, in the order of VenueType, types with none left out."""
    counts = dict(qs.order_by().values_list("type").annotate(n=Count("id")))
    return [(t.value, str(t.label), counts[t.value]) for t in VenueType if counts.get(t.value)]


def held_certifications(venues, year: int) -> dict[int, list[Certification]]:
    """The certifications in force in `year` of the given venues, highest level first, by venue id."""
    order = {level: i for i, level in enumerate(Level)}
    out: dict[int, list[Certification]] = {}
    for c in Certification.objects.filter(valid_in_q(year), venue__in=venues):
        out.setdefault(c.venue_id, []).append(c)
    for rows in out.values():
        rows.sort(key=lambda c: (order[c.level], -c.year))
    return out


# --- certifications and their expiry --------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    key: str  # valid, expiring, expired, revoked
    label: str
    css: str  # Bootstrap badge classes


def certification_status(cert: Certification, today: datetime.date, window: int = EXPIRY_WINDOW_DAYS) -> Status:
    """Whether a certification is valid, expiring (expiry or re-evaluation within `window` days),
    expired or revoked on `today`."""
    if cert.revoked_on and cert.revoked_on <= today:
        return Status("revoked", str(_("已撤销")), "text-bg-secondary")
    if cert.valid_until and cert.valid_until < today:
        return Status("expired", str(_("已过期")), "text-bg-danger")
    soon = today + datetime.timedelta(days=window)
    if any(d and today <= d <= soon for d in (cert.valid_until, cert.review_on)):
        return Status("expiring", str(_("即将到期")), "text-bg-warning")
    return Status("valid", str(_("有效")), "text-bg-success")


def with_due(qs: QuerySet[Certification], today: datetime.date) -> QuerySet[Certification]:
    """Annotate `due`: the nearer of the expiry and the re-evaluation date that are still ahead."""
    ahead = {}
    for name in ("valid_until", "review_on"):
        ahead[name] = Case(When(**{f"{name}__gte": today}, then=F(name)), default=Value(FAR_FUTURE),
                           output_field=DateField())
    return qs.annotate(due=Least(ahead["valid_until"], ahead["review_on"]))


def coming_due(qs: QuerySet[Certification], today: datetime.date, days: int) -> QuerySet[Certification]:
    """Certifications not revoked, of venues not closed, expiring or re-evaluated within `days` days
    from `today` (inclusive), with `due` annotated, soonest first."""
    until = today + datetime.timedelta(days=days)
    qs = (qs.filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
          .filter(Q(venue__closed_on__isnull=True) | Q(venue__closed_on__gt=today))
          .filter(Q(valid_until__range=(today, until)) | Q(review_on__range=(today, until))))
    return with_due(qs, today).select_related("venue__region").order_by("due", "venue__name", "pk")


def expiring_certifications(user, *, region: Region | None, today: datetime.date,
                            days: int = EXPIRY_WINDOW_DAYS) -> QuerySet[Certification]:
    """The certifications the user sees (in the region's subtree) coming due within `days` days."""
    qs = certification_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="venue__region_path"))
    return coming_due(qs, today, days)


def visitors_by_month(venue: Venue, year: int) -> dict[int, int]:
    """The venue's visitors per month of `year` (months without a figure left out)."""
    return dict(venue.visitor_figures.filter(year=year).values_list("month", "visitors"))


# --- the map ---------------------------------------------------------------------------------------


def map_venues(user, region: Region, year: int) -> QuerySet[Venue]:
    """The venues the user sees in the region's subtree that are in use at the end of `year`."""
    return (venue_policy.visible_to(user).filter(subtree_q([region.path], field="region_path"))
            .filter(in_use_q(year_end(year))))


def map_points(qs: QuerySet[Venue], limit: int) -> list[dict]:
    """Up to `limit` venues with both coordinates, as plain values for the JSON of the map."""
    rows = (qs.filter(longitude__isnull=False, latitude__isnull=False).order_by("pk")
            .values("pk", "name", "type", "longitude", "latitude", "region__name")[:limit])
    return list(rows)


def coordinate_counts(qs: QuerySet[Venue]) -> dict[str, int]:
    """How many of the venues have both coordinates and how many lack one or both."""
    located = Q(longitude__isnull=False, latitude__isnull=False)
    return qs.aggregate(total=Count("id"), located=Count("id", filter=located),
                        missing=Count("id", filter=~located))


# --- 站栏员 coverage --------------------------------------------------------------------------------


def coverage_villages(region: Region, year: int, *, incomplete: bool = False) -> QuerySet[Region]:
    """The villages and communities of the region's subtree with has_station, has_board and
    has_officer as of the end of `year` (the rows of village_station_board_officer_coverage)."""
    qs = village_facilities(year).filter(subtree_q([region.path]), level=RegionLevel.VILLAGE)
    if incomplete:
        qs = qs.filter(Q(has_station=False) | Q(has_board=False) | Q(has_officer=False))
    return qs.select_related("parent").order_by("path")


def coverage_totals(villages: QuerySet[Region]) -> dict[str, int]:
    """Villages, those with all three, and those missing each, in one aggregate."""
    row = villages.order_by().aggregate(
        n=Count("id"), covered=Count("id", filter=Q(has_station=True, has_board=True, has_officer=True)),
        no_station=Count("id", filter=Q(has_station=False)), no_board=Count("id", filter=Q(has_board=False)),
        no_officer=Count("id", filter=Q(has_officer=False)))
    return {k: v or 0 for k, v in row.items()}
