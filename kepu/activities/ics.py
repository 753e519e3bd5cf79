"""iCalendar (RFC 5545) feeds of activities, written by hand: the format is small and exact.

Times are written in UTC ("Z"), so no VTIMEZONE is needed; lines end in CRLF and are folded at
75 octets without splitting a UTF-8 character; TEXT values escape backslash, semicolon, comma
and newlines.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext

from .models import Activity, ActivityStatus

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Kepu//Activities//ZH"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): \\ ; , escaped, every newline as \\n."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets; continuations start with a space."""
    pieces: list[str] = []
    current, size, limit = [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            # The leading space of a continuation line counts toward its 75 octets.
            current, size, limit = [" "], 1, MAX_OCTETS
        current.append(char)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces)


def utc_stamp(moment: datetime.datetime) -> str:
    """A DATE-TIME in UTC form, e.g. 20250322T013000Z."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(activity: Activity, *, url: str, stamp: datetime.datetime) -> list[str]:
    """The content lines of one VEVENT (unfolded)."""
    location = activity.venue or activity.online_url or activity.region.name
    description = activity.description.strip()
    if activity.status == ActivityStatus.CANCELLED and activity.cancel_reason:
        cancelled = gettext("已取消：%(reason)s") % {"reason": activity.cancel_reason}
        description = f"{cancelled}\n\n{description}".strip()
    lines = [
        "BEGIN:VEVENT",
        f"UID:activity-{activity.pk}@kepu",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(activity.start)}",
        f"DTEND:{utc_stamp(activity.end)}",
        f"SUMMARY:{escape_text(activity.title)}",
        f"LOCATION:{escape_text(location)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        f"LAST-MODIFIED:{utc_stamp(activity.updated_at)}",
        "STATUS:" + ("CANCELLED" if activity.status == ActivityStatus.CANCELLED else "CONFIRMED"),
        "END:VEVENT",
    ]
    return lines


def calendar(activities: Iterable[Activity], *, name: str, url_for: Callable[[Activity], str],
             now: datetime.datetime | None = None) -> str:
    """A VCALENDAR with one VEVENT per activity, as the text to serve (CRLF, folded)."""
    stamp = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
    ]
    for activity in activities:
        lines.extend(event_lines(activity, url=url_for(activity), stamp=stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
