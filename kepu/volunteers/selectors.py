"""Reads for the volunteer staff pages, exports and statistics.

Every list starts from the policy's `visible_to(user)`; statistics take a region the caller has
already checked and aggregate with one grouped query per table.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from kepu.core import pii
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .measures import registered_q, team_alive_q
from .models import Membership, RecordStatus, ServiceRecord, ServiceRequest, Team, Volunteer
from .policies import record_policy, team_policy, volunteer_policy


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- volunteers ---------------------------------------------------------------------------------------


def personal_number(query: str) -> tuple[str, str] | None:
    """("id", number) or ("phone", number) when the search text is a full ID or mobile number."""
    query = query.strip()
    ident = pii.normalize_id(query)
    if len(ident) == 18 and ident[:17].isdigit():
        return "id", ident
    digits = pii.normalize_phone(query)
    if len(digits) == 11 and digits.startswith("1") and len(digits) == len(query.replace(" ", "").replace("-", "")):
        return "phone", digits
    return None


def volunteer_search_q(query: str) -> Q:
    """Name or volunteer number; a full ID number or mobile number is matched by its keyed hash only."""
    query = query.strip()
    personal = personal_number(query)
    if personal is not None:
        kind, number = personal
        return Q(id_hash=pii.lookup_hash(number)) if kind == "id" else Q(phone_hash=pii.lookup_hash(number))
    if query.isdigit():
        return Q(number__startswith=query)
    return Q(name__icontains=query)


def active_in_year_q(year: int) -> Q:
    """Volunteers with a verified record dated in the year, served anywhere."""
    start, end = year_bounds(year)
    served = ServiceRecord.objects.filter(status=RecordStatus.VERIFIED, date__gte=start, date__lte=end)
    return Q(pk__in=served.values("volunteer_id"))


def volunteer_list(user, *, region: Region | None = None, team: Team | None = None, stars: int | None = None,
                   as_of: datetime.date | None = None, active_year: int | None = None, status: str = "",
                   query: str = "", id_hash: str = "", phone_hash: str = "") -> QuerySet[Volunteer]:
    """The volunteers a user may see, filtered as the roster page and its export offer (a full ID
    or phone number either as search text or as its keyed hash)."""
    qs = volunteer_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if team is not None:
        qs = qs.filter(pk__in=Membership.objects.filter(team=team).values("volunteer_id"))
    if stars is not None:
        qs = qs.filter(stars=stars)
    if as_of is not None:
        qs = qs.filter(registered_q(as_of))
    if active_year is not None:
        qs = qs.filter(active_in_year_q(active_year))
    if status == "active":
        qs = qs.filter(left_on__isnull=True)
    elif status == "left":
        qs = qs.filter(left_on__isnull=False)
    if query.strip():
        qs = qs.filter(volunteer_search_q(query))
    if id_hash:
        qs = qs.filter(id_hash=id_hash)
    if phone_hash:
        qs = qs.filter(phone_hash=phone_hash)
    return qs.select_related("region", "unit")


def with_teams(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Prefetch each volunteer's memberships and their teams (for the team column)."""
    return qs.prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("team")
                                        .order_by("-role", "team__name")))


# --- teams --------------------------------------------------------------------------------------------


def team_list(user, *, region: Region | None = None, as_of: datetime.date | None = None, query: str = "",
              dissolved: bool | None = None) -> QuerySet[Team]:
    """The teams a user may see, with their member counts and leaders."""
    qs = team_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if as_of is not None:
        qs = qs.filter(team_alive_q(as_of))
    if dissolved is not None:
        qs = qs.filter(dissolved_on__isnull=not dissolved)
    if query.strip():
        qs = qs.filter(name__icontains=query.strip())
    leaders = Membership.objects.filter(role=Membership.Role.LEADER).select_related("volunteer")
    return (qs.select_related("region", "unit", "parent")
            .annotate(member_count=Count("memberships", distinct=True)).order_by("region_path", "name")
            .prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leader_memberships")))


def team_records_summary(team: Team) -> dict:
    """The team's records by status (count and hours) and its verified hours per year."""
    rows = ServiceRecord.objects.filter(team=team).values("status").annotate(n=Count("id"), hours=Sum("hours")) \
        .order_by()
    by_status = {r["status"]: {"n": r["n"], "hours": r["hours"] or Decimal(0)} for r in rows}
    years = (ServiceRecord.objects.filter(team=team, status=RecordStatus.VERIFIED).annotate(year=ExtractYear("date"))
             .values("year").annotate(n=Count("id"), hours=Sum("hours"), people=Sum("served_people"))
             .order_by("-year"))
    empty = {"n": 0, "hours": Decimal(0)}
    return {"verified": by_status.get(RecordStatus.VERIFIED, empty),
            "pending": by_status.get(RecordStatus.PENDING, empty),
            "rejected": by_status.get(RecordStatus.REJECTED, empty),
            "years": list(years)}


def team_members(team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("volunteer", "volunteer__region") \
        .order_by("-role", "volunteer__name", "id")


# --- service records ----------------------------------------------------------------------------------


def record_list(user, *, region: Region | None = None, year: int | None = None, status: str = "",
                team: Team | None = None, volunteer: Volunteer | None = None, source: str = "") -> QuerySet:
    """The service records a user may see, filtered as the records page and its export offer."""
    qs = record_policy.visible_to(user)
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if year is not None:
        start, end = year_bounds(year)
        qs = qs.filter(date__gte=start, date__lte=end)
    if status:
        qs = qs.filter(status=status)
    if team is not None:
        qs = qs.filter(team=team)
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    if source:
        qs = qs.filter(source=source)
    return qs.select_related("volunteer", "team", "region", "recorded_by", "verified_by", "activity")


def record_totals(qs: QuerySet[ServiceRecord]) -> dict:
    """Number of records, hours and people served in a filtered list (one aggregate)."""
    row = qs.order_by().aggregate(n=Count("id"), hours=Sum("hours"), people=Sum("served_people"),
                                  volunteers=Count("volunteer", distinct=True))
    return {"n": row["n"], "hours": row["hours"] or Decimal(0), "people": row["people"] or 0,
            "volunteers": row["volunteers"]}


# --- statistics ---------------------------------------------------------------------------------------


def stars_distribution(region: Region, as_of: datetime.date) -> dict[int, int]:
    """Registered volunteers of the region subtree as of a day, by star level (0 to the top level)."""
    rows = (Volunteer.objects.filter(subtree_q([region.path], field="region_path"), registered_q(as_of))
            .values("stars").annotate(n=Count("id")).order_by())
    return {r["stars"]: r["n"] for r in rows}


def records_by_month(region: Region, year: int) -> dict[int, dict[str, object]]:
    """Verified records served in the region subtree in the year, per month: count, hours, volunteers."""
    start, end = year_bounds(year)
    rows = (ServiceRecord.objects.filter(subtree_q([region.path], field="region_path"), status=RecordStatus.VERIFIED,
                                         date__gte=start, date__lte=end)
            .annotate(month=ExtractMonth("date")).values("month")
            .annotate(n=Count("id"), hours=Sum("hours"), volunteers=Count("volunteer", distinct=True)).order_by())
    out: dict[int, dict[str, object]] = {m: {"n": 0, "hours": Decimal(0), "volunteers": 0} for m in range(1, 13)}
    for r in rows:
        out[r["month"]] = {"n": r["n"], "hours": r["hours"] or Decimal(0), "volunteers": r["volunteers"]}
    return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def request_times(region: Region, children: list[Region], year: int) -> dict[str, dict[str, object]]:
    """你点我送 needs posted in the year per child region (and the region itself): how many were posted,
    claimed and fulfilled, and the median hours from posting to claim and to fulfilment.

    One query reads the needs of the subtree; they are put on the child regions here (the yearly
    number per district is small, and medians are not an SQL aggregate on SQLite).
    """
    tz = timezone.get_current_timezone()
    begin = datetime.datetime(year, 1, 1, tzinfo=tz)
    after = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = (ServiceRequest.objects.filter(subtree_q([region.path], field="region_path"),
                                          created_at__gte=begin, created_at__lt=after)
            .values_list("region_path", "created_at", "claimed_at", "fulfilled_at").order_by())
    codes_by_path = {child.path: child.code for child in children}
    depth = region.path.count("/") + 1  # a child's path has one more part
    posted: dict[str, int] = defaultdict(int)
    waits: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"claim": [], "fulfil": []})
    for path, created, claimed, fulfilled in rows.iterator(chunk_size=5000):
        codes = [region.code]
        child = codes_by_path.get("/".join(path.split("/")[:depth]) + "/")
        if child is not None:
            codes.append(child)
        for code in codes:
            posted[code] += 1
            if claimed is not None:
                waits[code]["claim"].append((claimed - created).total_seconds() / 3600)
            if fulfilled is not None:
                waits[code]["fulfil"].append((fulfilled - created).total_seconds() / 3600)
    out = {}
    for r in [*children, region]:
        claim, fulfil = waits[r.code]["claim"], waits[r.code]["fulfil"]
        out[r.code] = {"posted": posted[r.code], "claimed": len(claim), "fulfilled": len(fulfil),
                       "claim_hours": _median(claim), "fulfil_hours": _median(fulfil)}
    return out
