"""What the base-data pages of the orgs app share: the region and year, the measure figures at the
top of a page, the page to return to, and the Excel download."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.measures import MeasureValue, get_measure, reason_text
from kepu.core.views_common import (
    FIRST_YEAR,
    CappedPaginator,
    choose_region_and_year,
    staff_required,
    working_region,
)
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

__all__ = ["PAGE_SIZE", "CappedPaginator", "Figure", "back_to", "choose_region_and_year", "export_refused",
           "measure_figure", "money", "page_context", "staff_required", "working_region", "year_choices"]

PAGE_SIZE = 50
EXPORT_CAP = 50_000


def year_choices() -> range:
    return range(timezone.localdate().year + 1, FIRST_YEAR - 6, -1)


def covers(user, region: Region) -> bool:
    """Whether the user sees everything in the region (then a measure over it matches the page)."""
    return scope_of(user).covers_path(region.path, STAFF_ROLES)


@dataclass
class Figure:
    """A measure's value for the page's region, in words."""

    label: str
    display: str
    value: MeasureValue | None = None
    note: str = ""
    fraction: str = ""  # how the value was reached: numerator and denominator

    @property
    def missing(self) -> bool:
        return self.value is None or self.value.value is None


def money(value) -> str:
    """Yuan with two decimals, grouped by thousands in every language (or a dash)."""
    return "—" if value is None else f"{value:,.2f}"


def _display(unit: str, value) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    if unit == "yuan_per_person":
        return _("%(v)s 元/人") % {"v": f"{value:,.2f}"}
    return f"{value:,}"


def measure_figure(user, key: str, region: Region, year: int) -> Figure:
    """The measure for the region and year, or a dash with the reason; a region the user sees only
    in part gets no figure (it would count records the page cannot show)."""
    measure = get_measure(key)
    if not covers(user, region):
        return Figure(str(measure.label), "—", note=_("您的工作范围不含整个%(name)s，不显示该区域的指标值。")
                      % {"name": region.name})
    value = measure.compute([region], year)[region.code]
    note = reason_text(value.reason) if value.value is None and value.reason else ""
    fraction = ""
    if value.value is not None and value.denominator is not None:
        if measure.unit == "yuan_per_person":
            fraction = _("%(money)s 元 ÷ %(people)s 人") % {"money": f"{value.numerator:,.2f}",
                                                          "people": f"{value.denominator:,}"}
        else:
            fraction = f"{value.numerator:,} / {value.denominator:,}"
    return Figure(str(measure.label), _display(measure.unit, value.value), value, note, fraction)


def back_to(request, default: str) -> str:
    """The page to return to (`next`, when it is a page of this site), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def page_context(request, region: Region, year: int) -> dict:
    """The region picker's context: breadcrumbs above the region, the years, the current query."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "region": region,
        "year": year,
        "years": year_choices(),
        "breadcrumbs": region_policy.visible_to(request.user).filter(path__in=region.ancestor_paths())
        .exclude(pk=region.pk).order_by("depth"),
        "query": query.urlencode(),
        "here": request.get_full_path(),
        "region_query": urlencode({"region": region.code, "year": year}),
    }


def export_refused(request, form, qs, list_name: str):
    """A redirect back to the list saying why, when the export cannot be made; else None."""
    if not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": "；".join(form.error_list())})
    elif qs.order_by()[: EXPORT_CAP + 1].count() > EXPORT_CAP:
        messages.error(request, _("符合条件的记录超过 %(n)s 条，请缩小范围后再导出。") % {"n": f"{EXPORT_CAP:,}"})
    else:
        return None
    return redirect(reverse(list_name) + "?" + request.GET.urlencode())
