from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import Activity, CheckIn, Registration, ThemeDay, ThemeDayDate
from .policies import activity_policy, public_activities


def activity_list(user, *, region: Region | None = None, unit=None, kind: str = "", theme=None, group=None,
                  status: str = "", start: datetime.date | None = None, end: datetime.date | None = None,
                  query: str = "", volunteer_service: bool | None = None) -> QuerySet[Activity]:
    """The activities a staff user may see, filtered as the list page and the API offer."""
    return filter_activities(activity_policy.visible_to(user), region=region, unit=unit, kind=kind, theme=theme,
                             group=group, status=status, start=start, end=end, query=query,
                             volunteer_service=volunteer_service)


def public_activity_list(*, region: Region | None = None, kind: str = "", theme=None, group=None,
                         start=None, end=None, query: str = "", upcoming: bool = False) -> QuerySet[Activity]:
    """What citizens browse: published and past activities, soonest first when upcoming."""
    qs = filter_activities(public_activities(), region=region, kind=kind, theme=theme, group=group,
                           start=start, end=end, query=query)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now()).order_by("start", "id")
    return qs


def filter_activities(qs: QuerySet[Activity], *, region=None, unit=None, kind="", theme=None, group=None,
                      status="", start=None, end=None, query="", volunteer_service=None) -> QuerySet[Activity]:
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region_path"))
    if unit is not None:
        co = Activity.co_organizers.through.objects.filter(unit_id=unit.pk).values("activity_id")
        qs = qs.filter(Q(organizer=unit) | Q(pk__in=co))
    if kind:
        qs = qs.filter(kind=kind)
    if theme is not None:
        qs = qs.filter(pk__in=Activity.theme_days.through.objects.filter(themeday_id=theme.pk).values("activity_id"))
    if group is not None:
        qs = qs.filter(pk__in=Activity.target_groups.through.objects.filter(targetgroup_id=group.pk).values("activity_id"))
    if status:
        qs = qs.filter(status=status)
    # Dates become local-midnight bounds, so the (region_path, start) and (status, start) indexes
    # serve the filter (a __date lookup would not).
    if start is not None:
        qs = qs.filter(end__gte=start if isinstance(start, datetime.datetime) else _day_start(start))
    if end is not None:
        if isinstance(end, datetime.datetime):
            qs = qs.filter(start__lte=end)
        else:
            qs = qs.filter(start__lt=_day_start(end + datetime.timedelta(days=1)))
    if volunteer_service is not None:
        qs = qs.filter(is_volunteer_service=volunteer_service)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(venue__icontains=query))
    return qs.select_related("region", "organizer")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def registration_counts(activity: Activity) -> dict[str, int]:
    """Registrations by status, the number checked in, and counted walk-ins."""
    rows = dict(Registration.objects.filter(activity=activity).values_list("status").annotate(n=Count("id")).order_by())
    rows["checked_in"] = CheckIn.objects.filter(activity=activity, registration__isnull=False).count()
    rows["walk_ins"] = CheckIn.objects.filter(activity=activity, method=CheckIn.Method.WALK_IN).aggregate(
        n=Sum("people"))["n"] or 0
    return rows


def registrations_search(activity: Activity, query: str) -> QuerySet[Registration]:
    """Registrations of an activity by name, or by the full phone number (through its keyed hash)."""
    from kepu.core import pii

    query = query.strip()
    qs = Registration.objects.filter(activity=activity).select_related("checkin").order_by("name", "id")
    if not query:
        return qs
    phone = pii.normalize_phone(query)
    if len(phone) == 11:
        return qs.filter(phone_hash=pii.lookup_hash(phone))
    if phone and len(phone) == 4 and phone == query:
        return qs.filter(phone_masked__endswith=phone)
    return qs.filter(name__icontains=query)


def theme_day_dates(year: int) -> list[tuple[ThemeDay, datetime.date | None, datetime.date | None]]:
    """Every theme day with its dates in `year` (None for a variable day nobody has set yet)."""
    set_dates = {d.theme_day_id: d for d in ThemeDayDate.objects.filter(year=year)}
    out = []
    for day in ThemeDay.objects.all():
        if day.pk in set_dates:
            out.append((day, set_dates[day.pk].start, set_dates[day.pk].end))
        elif day.month_day and "-" in day.month_day:
            month, dom = (int(x) for x in day.month_day.split("-"))
            date = datetime.date(year, month, dom)
            out.append((day, date, date))
        elif day.month_day:
            month = int(day.month_day)
            first = datetime.date(year, month, 1)
            last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1))
            out.append((day, first, last))
        else:
            out.append((day, None, None))
    return out


# --- staff list and statistics (staff pages) ----------------------------------------------------------


def in_period(qs: QuerySet[Activity], year: int, month: int | None = None) -> QuerySet[Activity]:
    """Activities starting in the year (or one month of it), local time: an indexable range on start."""
    tz = timezone.get_current_timezone()
    if month:
        begin = datetime.datetime(year, month, 1, tzinfo=tz)
        after = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    else:
        begin, after = datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    return qs.filter(start__gte=begin, start__lt=after)


STATS_STATUSES = ("finished", "reported")


def stats_activities(user, region: Region, year: int) -> QuerySet[Activity]:
    """The activities the statistics count: held (finished or reported) in the year, in the region, visible."""
    qs = activity_policy.visible_to(user).filter(subtree_q([region.path], field="region_path"),
                                                 status__in=STATS_STATUSES)
    return in_period(qs, year).order_by()


def _reported_times():
    return Sum("report__person_times", filter=Q(status="reported"))


def stats_by_region(qs: QuerySet[Activity], regions) -> dict[str, dict[str, int]]:
    """Activities held and reported person-times in each region's subtree (one query for all regions)."""
    from kepu.core.measures import per_region

    rows = per_region(qs, list(regions), path_field="region_path",
                      activities=lambda f: Count("id", filter=f),
                      person_times=lambda f: Sum("report__person_times", filter=f & Q(status="reported")))
    return {code: {k: v or 0 for k, v in row.items()} for code, row in rows.items()}


def stats_by_month(qs: QuerySet[Activity]) -> dict[int, dict[str, int]]:
    """Activities held and reported person-times per month of the start (local time), months 1–12."""
    from django.db.models.functions import ExtractMonth

    rows = (qs.annotate(month=ExtractMonth("start")).values("month")
            .annotate(activities=Count("id"), person_times=_reported_times()).order_by())
    out = {m: {"activities": 0, "person_times": 0} for m in range(1, 13)}
    for row in rows:
        out[row["month"]] = {"activities": row["activities"], "person_times": row["person_times"] or 0}
    return out


def stats_by_kind(qs: QuerySet[Activity]) -> dict[str, dict[str, int]]:
    """Activities held and reported person-times per kind (only kinds that occur)."""
    rows = qs.values("kind").annotate(activities=Count("id"), person_times=_reported_times()).order_by()
    return {r["kind"]: {"activities": r["activities"], "person_times": r["person_times"] or 0} for r in rows}


def stats_by_theme(qs: QuerySet[Activity]) -> dict[int | None, dict[str, int]]:
    """Activities held and reported person-times per theme day (None: no theme day); an activity of
    two theme days counts under each."""
    # (activity, theme day) is unique, so a plain count is exact and cheaper than COUNT(DISTINCT).
    rows = (qs.values("theme_days").annotate(activities=Count("id"), person_times=_reported_times()).order_by())
    return {r["theme_days"]: {"activities": r["activities"], "person_times": r["person_times"] or 0} for r in rows}


def stats_by_group(qs: QuerySet[Activity]) -> list:
    """Every target group with activity_count (activities aimed at it) and person_times (reported for it),
    in one query."""
    from django.db.models import F, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import ReportCount, TargetGroup

    ids = qs.values("pk")
    aimed = (Activity.target_groups.through.objects.filter(targetgroup_id=OuterRef("pk"), activity_id__in=ids)
             .values("targetgroup_id").annotate(n=Count("activity_id")).values("n"))
    reported = (ReportCount.objects.filter(group_id=OuterRef("pk"), report__activity__in=qs.filter(status="reported")
                                           .values("pk"))
                .values("group_id").annotate(n=Sum(F("registered") + F("walk_ins") + F("online"))).values("n"))
    return list(TargetGroup.objects.annotate(
        activity_count=Coalesce(Subquery(aimed, output_field=IntegerField()), 0),
        person_times=Coalesce(Subquery(reported, output_field=IntegerField()), 0),
    ).order_by("sort", "id"))


# --- public pages, registration and check-in ----------------------------------------------------------


def _cancelled_after_publication(ids) -> set[int]:
    """Of these cancelled activities, the ones the public saw before (not called off as drafts)."""
    from django.contrib.contenttypes.models import ContentType

    from kepu.core.models import AuditEntry

    ids = {int(i) for i in ids}
    if not ids:
        return set()
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Activity),
                                        object_id__in=[str(i) for i in ids], action="activity.cancel")
    from_draft = {int(e.object_id) for e in entries.only("object_id", "changes")
                  if (e.changes.get("status") or [None])[0] == "draft"}
    return ids - from_draft


def public_activity(pk: int) -> Activity | None:
    """An activity as the public may open it: published or past, or cancelled after publication."""
    from .models import ActivityStatus
    from .policies import PUBLIC_STATUSES

    activity = (Activity.objects.select_related("region", "organizer__region")
                .filter(pk=pk, status__in=[*PUBLIC_STATUSES, ActivityStatus.CANCELLED]).first())
    if activity is not None and activity.status == ActivityStatus.CANCELLED \
            and not _cancelled_after_publication([activity.pk]):
        return None
    return activity


FEED_LIMIT = 2000
# How far back an activity may have started and still be "going on": bounds the index range the
# upcoming list reads (an exhibition that runs longer than this drops out of that list only).
ONGOING_LOOKBACK = datetime.timedelta(days=366)


def _keys_by_status(qs: QuerySet[Activity], statuses, *, descending: bool, limit: int) -> list:
    """(start, id) of the first `limit` rows of qs in start order.

    Read one status at a time, so that each query walks the (status, start) index in order and
    stops after `limit` rows; `status IN (...)` would make the database sort every match first.
    """
    order = ("-start", "-id") if descending else ("start", "id")
    keys: list = []
    for status in statuses:
        keys += qs.filter(status=status).order_by(*order).values_list("start", "id")[:limit]
    keys.sort(reverse=descending)
    return keys[:limit]


def _activities(keys) -> list[Activity]:
    """The activities of (start, id) keys, in that order, with what the public pages show."""
    rows = Activity.objects.select_related("region", "organizer__region").in_bulk([pk for _start, pk in keys])
    return [rows[pk] for _start, pk in keys if pk in rows]


def _tagged(qs: QuerySet[Activity], field: str, value, *, by_scan: bool) -> QuerySet[Activity]:
    """Activities tagged with a theme day or target group (field "theme_days" or "target_groups").

    by_scan: test each activity as the query walks an index in start order (EXISTS): best when the
    tag is common; otherwise drive from the tag's rows (IN), which the database then sorts.
    """
    from django.db.models import Exists, OuterRef

    through = getattr(Activity, field).through.objects
    column = "themeday_id" if field == "theme_days" else "targetgroup_id"
    tagged = through.filter(**{column: value.pk})
    if by_scan:
        return qs.filter(Exists(tagged.filter(activity_id=OuterRef("pk"))))
    return qs.filter(pk__in=tagged.values("activity_id"))


COMMON_TAG = 20_000  # above this many activities a tag is tested row by row, see _tagged


def _is_common(field: str, value) -> bool:
    through = getattr(Activity, field).through.objects
    column = "themeday_id" if field == "theme_days" else "targetgroup_id"
    return through.filter(**{column: value.pk})[:COMMON_TAG].count() >= COMMON_TAG


def public_activity_page(*, region: Region | None = None, kind: str = "", theme=None, group=None, query: str = "",
                         upcoming: bool = True, day: datetime.date | None = None, offset: int = 0,
                         limit: int = 21) -> list[Activity]:
    """One page of the public list, fast at any size (no count; ask for one row more to know if
    there is a next page).

    upcoming: published activities not yet over, soonest first; day: the activities starting that
    day (as the calendar counts them); otherwise every public activity, latest first.
    """
    from .models import ActivityStatus
    from .policies import PUBLIC_STATUSES

    qs = filter_activities(Activity.objects.all(), region=region, kind=kind, query=query)
    for field, value in (("theme_days", theme), ("target_groups", group)):
        if value is not None:
            qs = _tagged(qs, field, value, by_scan=_is_common(field, value))
    now = timezone.now()
    if day is not None:
        begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
        qs = qs.filter(start__gte=begin, start__lt=begin + datetime.timedelta(days=1))
        statuses, descending = PUBLIC_STATUSES, False
    elif upcoming:
        # Finished and reported activities are over whatever their end says.
        qs = qs.filter(start__gte=now - ONGOING_LOOKBACK, end__gte=now)
        statuses, descending = (ActivityStatus.PUBLISHED,), False
    else:
        statuses, descending = PUBLIC_STATUSES, True
    keys = _keys_by_status(qs, statuses, descending=descending, limit=offset + limit)
    return _activities(keys[offset:])


def feed_activities(*, region: Region | None = None, theme: ThemeDay | None = None,
                    since: datetime.datetime) -> list[Activity]:
    """A calendar feed's events: public activities starting from `since` on, and cancelled ones the
    public had seen (so that subscribed calendars drop them); the coming ones first, then as many
    of the past ones (latest first) as fit in FEED_LIMIT; in start order."""
    from .models import ActivityStatus
    from .policies import PUBLIC_STATUSES

    statuses = [*PUBLIC_STATUSES, ActivityStatus.CANCELLED]
    qs = filter_activities(Activity.objects.all(), region=region, theme=theme)
    now = timezone.now()
    coming = _keys_by_status(qs.filter(start__gte=now), statuses, descending=False, limit=FEED_LIMIT)
    past = _keys_by_status(qs.filter(start__gte=since, start__lt=now), statuses, descending=True,
                           limit=FEED_LIMIT - len(coming)) if len(coming) < FEED_LIMIT else []
    rows = _activities(sorted(past) + coming)
    shown = _cancelled_after_publication([a.pk for a in rows if a.status == ActivityStatus.CANCELLED])
    return [a for a in rows if a.status != ActivityStatus.CANCELLED or a.pk in shown]


def _day_bounds(year: int, month: int) -> list[tuple[datetime.date, datetime.datetime, datetime.datetime]]:
    tz = timezone.get_current_timezone()
    first = datetime.date(year, month, 1)
    out = []
    day = first
    while day.month == month:
        begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        following = day + datetime.timedelta(days=1)
        out.append((day, begin, datetime.datetime.combine(following, datetime.time.min, tzinfo=tz)))
        day = following
    return out


def _counts_by_local_day(qs: QuerySet[Activity]) -> dict[datetime.date, int]:
    """How many of the activities start on each local day.

    The database groups by the UTC hour, written as text ("2025-05-20 01"), with its own string
    functions (a per-row date conversion in Python would cost more than the query); the hours are
    then put on local days here. Exact for time zones whole hours from UTC, as China's is.
    """
    from django.db.models import CharField
    from django.db.models.functions import Cast, Substr

    hours = (qs.order_by().annotate(hour=Substr(Cast("start", CharField()), 1, 13))
             .values_list("hour").annotate(n=Count("id")))
    tz = timezone.get_current_timezone()
    counts: dict[datetime.date, int] = {}
    for hour, n in hours:
        moment = datetime.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=datetime.UTC)
        day = moment.astimezone(tz).date()
        counts[day] = counts.get(day, 0) + n
    return counts


def month_activities(*, year: int, month: int, region: Region | None = None, theme: ThemeDay | None = None,
                     per_day: int = 4, all_up_to: int = 2000) -> tuple[list[Activity], dict[datetime.date, int]]:
    """How many public activities start on each day of a month (all counted), and the first
    `per_day` of each day to list, in start order."""
    from .policies import PUBLIC_STATUSES

    bounds = _day_bounds(year, month)
    qs = filter_activities(Activity.objects.filter(status__in=PUBLIC_STATUSES), region=region)
    if theme is not None:
        qs = _tagged(qs, "theme_days", theme, by_scan=_is_common("theme_days", theme))
    qs = qs.filter(start__gte=bounds[0][1], start__lt=bounds[-1][2])
    counts = _counts_by_local_day(qs)
    ordered = qs.order_by("start", "id").values_list("start", "id")
    if sum(counts.values()) <= all_up_to:
        # One read of the month's keys, then the first few of each day.
        keys, taken = [], {}
        for start, pk in ordered:
            day = timezone.localtime(start).date()
            if taken.get(day, 0) < per_day:
                taken[day] = taken.get(day, 0) + 1
                keys.append((start, pk))
    else:
        keys = []
        for day, begin, end in bounds:
            if counts.get(day):
                keys += ordered.filter(start__gte=begin, start__lt=end)[:per_day]
    return _activities(keys), counts


def theme_day_activities(*, year: int, month: int, theme_days, region: Region | None = None,
                         limit: int = 10) -> dict[int, list[Activity]]:
    """For each theme day, the first `limit` public activities of the month tagged with it."""
    from .policies import PUBLIC_STATUSES

    bounds = _day_bounds(year, month)
    out = {}
    for day in theme_days:
        qs = _tagged(filter_activities(Activity.objects.filter(status__in=PUBLIC_STATUSES), region=region),
                     "theme_days", day, by_scan=_is_common("theme_days", day))
        keys = qs.filter(start__gte=bounds[0][1], start__lt=bounds[-1][2]).order_by("start", "id")\
            .values_list("start", "id")[:limit]
        out[day.pk] = _activities(list(keys))
    return out


def registration_by_token(token: str) -> Registration | None:
    """The registration a token belongs to (the token is its owner's secret)."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    return Registration.objects.select_related("activity", "activity__region", "group").filter(token=token).first()


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person waiting, and so on; None when not on the waitlist."""
    from .models import RegistrationStatus

    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(activity_id=registration.activity_id, status=RegistrationStatus.WAITLISTED)\
        .filter(Q(created_at__lt=registration.created_at)
                | Q(created_at=registration.created_at, id__lt=registration.pk)).count()
    return ahead + 1


def registration_for_checkin(token: str) -> Registration | None:
    """The registration a typed or scanned check-in token names (a scanned URL by its last part)."""
    token = (token or "").strip()
    if "/" in token:
        token = token.rstrip("/").rsplit("/", 1)[-1]
    return registration_by_token(token)
