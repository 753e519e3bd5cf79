"""Reporting periods: calendar months, quarters, half-years or years, numbered absolutely.

A period's number depends only on the rhythm and the date (2022 Q2 is 2022 * 4 + 1 for every
plan), so that the overdue scan can treat every plan with the same rhythm and grace days at once,
and a report keeps its period when the plan's dates change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Rhythm

MONTHS = {Rhythm.MONTHLY: 1, Rhythm.QUARTERLY: 3, Rhythm.HALF_YEARLY: 6, Rhythm.YEARLY: 12}
QUARTERS = (gettext_lazy("%(year)d 年第一季度"), gettext_lazy("%(year)d 年第二季度"),
            gettext_lazy("%(year)d 年第三季度"), gettext_lazy("%(year)d 年第四季度"))


@dataclass(frozen=True)
class Period:
    rhythm: str
    no: int
    start: datetime.date
    end: datetime.date
    deadline: datetime.date

    @property
    def label(self) -> str:
        return period_label(self.rhythm, self.no)

    def is_due(self, today: datetime.date) -> bool:
        """Whether its deadline has passed (a report for it is now overdue if missing)."""
        return self.deadline < today


def period_no(rhythm: str, day: datetime.date) -> int:
    """The number of the period of `rhythm` that contains `day`."""
    size = MONTHS[rhythm]
    return (day.year * 12 + day.month - 1) // size


def period_bounds(rhythm: str, no: int) -> tuple[datetime.date, datetime.date]:
    size = MONTHS[rhythm]
    first = no * size
    start = datetime.date(first // 12, first % 12 + 1, 1)
    after = first + size
    end = datetime.date(after // 12, after % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def period(rhythm: str, no: int, grace_days: int) -> Period:
    start, end = period_bounds(rhythm, no)
    return Period(rhythm, no, start, end, end + datetime.timedelta(days=grace_days))


def period_label(rhythm: str, no: int) -> str:
    start, _end = period_bounds(rhythm, no)
    year = start.year
    if rhythm == Rhythm.MONTHLY:
        return _("%(year)d 年 %(month)d 月") % {"year": year, "month": start.month}
    if rhythm == Rhythm.QUARTERLY:
        return str(QUARTERS[(start.month - 1) // 3]) % {"year": year}
    if rhythm == Rhythm.HALF_YEARLY:
        return (_("%(year)d 年上半年") if start.month == 1 else _("%(year)d 年下半年")) % {"year": year}
    return _("%(year)d 年度") % {"year": year}


def periods_between(rhythm: str, start: datetime.date, end: datetime.date, grace_days: int) -> list[Period]:
    """Every period that overlaps [start, end]."""
    return [period(rhythm, no, grace_days) for no in range(period_no(rhythm, start), period_no(rhythm, end) + 1)]


def last_due_no(rhythm: str, grace_days: int, today: datetime.date) -> int:
    """The number of the latest period whose deadline lies before `today`."""
    no = period_no(rhythm, today)
    while period(rhythm, no, grace_days).deadline >= today:
        no -= 1
    return no
