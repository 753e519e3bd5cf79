"""What the staff pages of every app share: the staff gates, the capped paginator, the working region,
the region and year a statistics page is about, and the tables such a page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from kepu.accounts.middleware import active_grant
from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .exports import Sheet

FIRST_YEAR = 2020


# --- gates ---------------------------------------------------------------------------------------------


def staff_required(view):
    """Signed in (else the login page) and holding a staff role (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_of(request.user).is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def region_staff_required(view):
    """Signed in, with a staff role over a region subtree (the figures are per region)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = scope_of(request.user)
        if not (scope.platform_admin or scope.region_paths(STAFF_ROLES)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- lists ---------------------------------------------------------------------------------------------


class CappedPaginator(Paginator):
    """Counts at most CAP rows: the city-wide list never pays for COUNT(*) over every activity."""

    CAP = 10_000

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by()[: self.CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self._counted > self.CAP


def working_region(request) -> Region | None:
    """The region the user chose to work in (the scope switcher), else the region of their first grant."""
    grant = active_grant(request)
    return Region.objects.filter(pk=grant.region_id).first() if grant and grant.region_id else None


# --- statistics pages ----------------------------------------------------------------------------------


def choose_region_and_year(request, regions=None) -> tuple[Region, int]:
    """The region (of `regions`, by default those visible to the user) and year asked for, else the
    user's working region and this year; bad input gives a message, never an error."""
    this_year = timezone.localdate().year
    visible = region_policy.visible_to(request.user) if regions is None else regions
    code = request.GET.get("region", "").strip()
    region = visible.filter(code=code).first() if code else None
    if code and region is None:
        messages.error(request, _("区划代码：“%(code)s”不存在，或不在您的工作范围内，已改为显示您的工作区域。") % {"code": code[:20]})
    if region is None:
        working = working_region(request)
        region = (visible.filter(pk=working.pk).first() if working else None) or \
            visible.order_by("depth", "code").first()
    if region is None:
        raise PermissionDenied
    raw = request.GET.get("year", "").strip()
    year = this_year
    if raw:
        if raw.isdigit() and FIRST_YEAR - 20 <= int(raw) <= this_year + 5:
            year = int(raw)
        else:
            messages.error(request, _("年度：“%(year)s”不是有效的年度，已改为显示 %(this)d 年。") % {"year": raw[:10], "this": this_year})
    return region, year


@dataclass
class Cell:
    value: int | Decimal | None
    url: str = ""
    percent: bool = False
    label: str = ""  # the column header, for the stacked table on phones

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.percent:
            return f"{self.value * 100:,.2f}%"
        return f"{self.value:,}"


@dataclass
class Row:
    label: str
    cells: list[Cell]
    url: str = ""
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def sheet(self) -> Sheet:
        formats = {i + 1: "0.00%" for i, cell in enumerate(self.rows[0].cells) if cell.percent} if self.rows else {}
        return Sheet(self.title, self.headers, [[r.label, *(c.value for c in r.cells)] for r in self.rows], formats)
