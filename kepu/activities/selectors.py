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
    if start is not None:
        qs = qs.filter(end__date__gte=start) if isinstance(start, datetime.date) else qs.filter(end__gte=start)
    if end is not None:
        qs = qs.filter(start__date__lte=end) if isinstance(end, datetime.date) else qs.filter(start__lte=end)
    if volunteer_service is not None:
        qs = qs.filter(is_volunteer_service=volunteer_service)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(venue__icontains=query))
    return qs.select_related("region", "organizer")


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
