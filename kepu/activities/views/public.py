"""Public pages under /events/ (namespace "public"): browse, register, the registrant's own page,
the theme-day calendar and the iCalendar feeds. Anyone may open them; nothing here needs a login.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.regions.models import Region

from .. import ics, selectors, services
from ..models import ActivityStatus, RegistrationStatus, ThemeDay
from ..public_forms import CalendarForm, PublicFilterForm, RegistrationForm
from ..qr import qr_png, qr_svg

PER_PAGE = 20
MAX_PAGE = 500  # deeper than this nobody pages; the search and filters are the way there
FEED_DAYS_BACK = 90
DAY_SHOWN = 4  # activities listed in one calendar cell; the rest are counted

# --- rate limits ------------------------------------------------------------------------------------

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/min" -> (10, 60): at most 10 requests in each 60-second window."""
    count, _sep, unit = str(rate).partition("/")
    try:
        limit, period = int(count), _UNITS[unit.strip().lower()]
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"a rate must look like 10/min or 120/h, not {rate!r}") from exc
    return limit, period


def rate_limited(scope: str, ident: str, rate: str) -> bool:
    """Count one request of `ident`; True when it goes over `rate` in the current window.

    The count lives in Django's cache (Redis in production), so every web process shares it.
    """
    limit, period = parse_rate(rate)
    key = f"kepu:rate:{scope}:{ident}:{int(time.time() // period)}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count > limit


def too_many(request, template: str = "activities/public/rate_limited.html"):
    return render(request, template, status=429)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind KEPU_NUM_PROXIES proxies the address they saw.

    Only the entries our own proxies appended are trusted; a client can write any X-Forwarded-For.
    """
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# --- list ------------------------------------------------------------------------------------------


@dataclass
class Window:
    """One page of a list, found without counting the whole list (LIMIT n+1 tells if there is more)."""

    items: list
    number: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return len(self.items) > PER_PAGE and self.number < MAX_PAGE

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    def __iter__(self):
        return iter(self.items[:PER_PAGE])

    def __len__(self) -> int:
        return min(len(self.items), PER_PAGE)


def page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def _feed_links(region: Region | None, theme: ThemeDay | None) -> list[tuple[str, str]]:
    """The calendars one may subscribe to from a page filtered by region and theme day."""
    links = []
    if region is None:
        region = Region.objects.filter(depth=0).order_by("path").first()
    if region is not None:
        links.append((_("%(name)s的活动") % {"name": region.name}, reverse("public:feed_region", args=[region.code])))
    if theme is not None:
        links.append((_("%(name)s主题活动") % {"name": theme.name}, reverse("public:feed_theme", args=[theme.pk])))
    return links


@require_GET
def activity_list(request):
    form = PublicFilterForm(request.GET or None, initial={"upcoming": "1"})
    if form.is_bound:
        form.is_valid()  # invalid fields are shown and left out of the filter
    filters = form.filters()
    form.set_region_choices(filters["region"])
    number = page_number(request.GET.get("page"))
    rows = selectors.public_activity_page(**filters, offset=(number - 1) * PER_PAGE, limit=PER_PAGE + 1)
    window = Window(rows, number)
    context = {"form": form, "page": window, "now": timezone.now(),
               "feeds": _feed_links(filters["region"], filters["theme"])}
    template = "activities/public/_results.html" if request.htmx else "activities/public/list.html"
    return render(request, template, context)


# --- detail and registration ----------------------------------------------------------------------------


def _public_or_404(pk: int):
    activity = selectors.public_activity(pk)
    if activity is None:
        raise Http404
    return activity


def registration_open(activity) -> bool:
    return (activity.status == ActivityStatus.PUBLISHED and activity.registration_required
            and activity.end >= timezone.now())


def _detail(request, activity, form=None, status=200):
    is_open = registration_open(activity)
    if is_open and form is None:
        form = RegistrationForm()
    context = {
        "activity": activity, "form": form if is_open else None, "registration_open": is_open,
        "now": timezone.now(),
        "theme_days": list(activity.theme_days.all()), "target_groups": list(activity.target_groups.all()),
        "feeds": _feed_links(activity.region, None),
    }
    return render(request, "activities/public/detail.html", context, status=status)


@require_GET
def detail(request, pk):
    return _detail(request, _public_or_404(pk))


@require_POST
def register(request, pk):
    activity = _public_or_404(pk)
    rate = getattr(settings, "KEPU_REGISTRATION_RATE", "10/min")
    if rate_limited("register", client_ip(request), rate):
        return too_many(request)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            registration = services.registration_create(
                activity=activity, name=form.cleaned_data["name"], phone=form.cleaned_data["phone"],
                group=form.cleaned_data["group"], user=request.user,
            )
        except KepuError as exc:
            if exc.code in ("registration_closed", "no_registration"):
                # The page has no form to show it on any more: say it above the activity.
                messages.error(request, exc.message)
                return redirect("public:detail", pk=activity.pk)
            form.add_error("phone" if exc.code == "already_registered" else None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("报名成功！请保存本页链接或二维码，活动当天出示给工作人员签到。"))
            else:
                messages.warning(request, _("名额已满，您已进入候补名单；有人取消时将按顺序递补。"))
            return redirect("public:registration", token=registration.token)
        activity.refresh_from_db()
    return _detail(request, activity, form)


def _private(response):
    """The registrant's pages carry the token in their address: keep them out of caches and logs."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def checkin_url(request, token: str) -> str:
    """What the QR code carries: the staff check-in link, ending in /<token>/."""
    return request.build_absolute_uri(reverse("activities:checkin_by_link", args=[token]))


def _registration_or_404(token: str):
    registration = selectors.registration_by_token(token)
    if registration is None:
        raise Http404
    return registration


@require_GET
def registration(request, token):
    reg = _registration_or_404(token)
    activity = reg.activity
    checked_in = getattr(reg, "checkin", None)  # None when not checked in (the reverse one-to-one)
    usable = reg.status != RegistrationStatus.CANCELLED and activity.status != ActivityStatus.CANCELLED
    link = checkin_url(request, reg.token)
    context = {
        "registration": reg, "activity": activity, "position": selectors.waitlist_position(reg),
        "checked_in": checked_in, "qr": qr_svg(link, title=_("签到二维码")) if usable else None,
        "can_cancel": usable and checked_in is None and activity.end >= timezone.now(),
    }
    return _private(render(request, "activities/public/registration.html", context))


@require_POST
def registration_cancel(request, token):
    reg = _registration_or_404(token)
    try:
        services.registration_cancel(registration=reg, actor=request.user if request.user.is_authenticated else None)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("public:registration", token=reg.token)


@require_GET
def qr(request, token):
    reg = _registration_or_404(token)
    response = HttpResponse(qr_png(checkin_url(request, reg.token)), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = 'inline; filename="checkin-qr.png"'
    return response


# --- calendar and feeds ----------------------------------------------------------------------------------


def _month_theme_days(first: datetime.date, last: datetime.date):
    """The theme days that fall (at least partly) in the month, with their dates in it."""
    out = []
    for day, start, end in selectors.theme_day_dates(first.year):
        if start is not None and start <= last and end >= first:
            out.append((day, start, end))
    return out


@require_GET
def month_calendar(request):
    form = CalendarForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    data = getattr(form, "cleaned_data", {})
    region, theme = data.get("region"), data.get("theme")
    form.set_region_choices(region)
    first = form.month_start()
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    activities, counts = selectors.month_activities(year=first.year, month=first.month, region=region, theme=theme,
                                                    per_day=DAY_SHOWN)
    by_day: dict[datetime.date, list] = {}
    for activity in activities:
        by_day.setdefault(timezone.localtime(activity.start).date(), []).append(activity)
    theme_days = _month_theme_days(first, last)
    themes_on: dict[datetime.date, list] = {}
    for day, start, end in theme_days:
        current = max(start, first)
        while current <= min(end, last):
            themes_on.setdefault(current, []).append(day)
            current += datetime.timedelta(days=1)
    weeks = [[{"date": d, "in_month": d.month == first.month, "activities": by_day.get(d, [])[:DAY_SHOWN],
               "count": counts.get(d, 0), "more": max(0, counts.get(d, 0) - DAY_SHOWN),
               "themes": themes_on.get(d, []) if d.month == first.month else []}
              for d in week]
             for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]
    days = [cell for week in weeks for cell in week if cell["in_month"] and (cell["count"] or cell["themes"])]
    tagged = selectors.theme_day_activities(year=first.year, month=first.month, region=region,
                                            theme_days=[d for d, _s, _e in theme_days])
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    context = {
        "form": form, "first": first, "weeks": weeks, "days": days, "today": timezone.localdate(),
        "theme_days": [(d, s, e, tagged.get(d.pk, [])) for d, s, e in theme_days],
        "previous": previous, "following": following, "region": region, "theme": theme,
        "total": sum(counts.values()), "shown": len(activities), "per_day": DAY_SHOWN,
        "weekdays": [pgettext("weekday", "一"), pgettext("weekday", "二"), pgettext("weekday", "三"),
                     pgettext("weekday", "四"), pgettext("weekday", "五"), pgettext("weekday", "六"),
                     pgettext("weekday", "日")],
        "feeds": _feed_links(region, theme),
    }
    return render(request, "activities/public/calendar.html", context)


def _feed(request, rows, *, name: str, filename: str) -> HttpResponse:
    text = ics.calendar(rows, name=name,
                        url_for=lambda a: request.build_absolute_uri(reverse("public:detail", args=[a.pk])))
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def feed_region(request, code):
    region = get_object_or_404(Region, code=code)
    since = timezone.now() - datetime.timedelta(days=FEED_DAYS_BACK)
    rows = selectors.feed_activities(region=region, since=since)
    return _feed(request, rows, name=_("%(name)s科普活动") % {"name": region.name}, filename=f"kepu-{region.code}.ics")


@require_GET
def feed_theme(request, pk):
    theme = get_object_or_404(ThemeDay, pk=pk)
    since = timezone.now() - datetime.timedelta(days=FEED_DAYS_BACK)
    rows = selectors.feed_activities(theme=theme, since=since)
    return _feed(request, rows, name=_("%(name)s科普活动") % {"name": theme.name}, filename=f"kepu-theme-{theme.pk}.ics")


urlpatterns = [
    path("", activity_list, name="list"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/register/", register, name="register"),
    path("r/<str:token>/", registration, name="registration"),
    path("r/<str:token>/cancel/", registration_cancel, name="registration_cancel"),
    path("r/<str:token>/qr.png", qr, name="qr"),
    path("calendar/", month_calendar, name="calendar"),
    path("feeds/region/<str:code>.ics", feed_region, name="feed_region"),
    path("feeds/theme/<int:pk>.ics", feed_theme, name="feed_theme"),
]
