"""The measure registry: named figures computed from records, many regions in one query.

A measure function takes a list of regions and a period (a year) and returns, for each region
code, a MeasureValue. It must aggregate for all the regions at once (one query, not one per
region): the comparison page asks for 41 districts, the scorecard for one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MeasureValue:
    value: Decimal | int | float | None
    numerator: Decimal | int | float | None = None
    denominator: Decimal | int | float | None = None
    # A link to the list of records behind the figure (the drill-down).
    records_url: str = ""
    # Why there is no value, when value is None.
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Measure:
    key: str
    unit: str
    label: str  # may be a lazy translation: str() it where it is shown
    func: Callable[..., dict[str, MeasureValue]]
    doc: str = ""

    def compute(self, regions: Iterable, year: int) -> dict[str, MeasureValue]:
        regions = list(regions)
        if not regions:
            return {}
        values = self.func(regions, year)
        missing = MeasureValue(None, reason="no_data")
        return {region.code: values.get(region.code, missing) for region in regions}


# Why a measure has no value for a region, by the code in MeasureValue.reason.
REASONS = {
    "no_data": _("没有数据"),
    "no_population": _("没有该年度（或更早年度）的常住人口"),
    "no_schools": _("没有登记中小学"),
    "no_school_profiles": _("没有该年度区属中小学的科普情况"),
    "no_agri_towns": _("没有涉农镇（街）"),
    "no_funding_records": _("没有该年度本级的科普经费记录"),
    "no_villages": _("没有登记村（社区）"),
    "no_columns": _("没有登记媒体科普栏目"),
    "future_year": _("年度尚未开始"),
    "no_info_officer_figures": _("没有该年度的“科普中国”信息员数据"),
    "no_siblings": _("没有可比较的同级区划"),
}


def reason_text(code: str) -> str:
    """The reason for a missing value in words (the code itself when it is not known here)."""
    return str(REASONS.get(code, code))


def ratio_value(numerator, denominator, *, reason: str, records_url: str = "",
                detail: dict | None = None) -> MeasureValue:
    """numerator ÷ denominator, or no value with `reason` when the denominator is missing or zero."""
    if not denominator:
        return MeasureValue(None, numerator=numerator, denominator=denominator, records_url=records_url,
                            reason=reason, detail=detail or {})
    return MeasureValue(Decimal(numerator) / Decimal(denominator), numerator=numerator, denominator=denominator,
                        records_url=records_url, detail=detail or {})


_registry: dict[str, Measure] = {}
# Up to this many regions, per_region also narrows its WHERE to their subtrees (see there).
FEW_REGIONS = 3


def measure(key: str, *, unit: str, label: str):
    """Register a measure function under a key that standards refer to."""

    def register(func):
        if key in _registry and _registry[key].func is not func:
            raise ValueError(f"measure {key!r} is registered twice")
        _registry[key] = Measure(key, unit, label, func, (func.__doc__ or "").strip())
        return func

    return register


def get_measure(key: str) -> Measure:
    try:
        return _registry[key]
    except KeyError:
        raise KeyError(f"unknown measure {key!r}") from None


def all_measures() -> dict[str, Measure]:
    return dict(sorted(_registry.items()))


def per_region(queryset, regions, *, path_field: str, **aggregates) -> dict[str, dict[str, object]]:
    """Aggregate the rows of `queryset` lying in each region's subtree, in one query.

    `aggregates` are factories taking a `filter` Q, e.g. `n=lambda f: Count("id", filter=f)`;
    the answer is {region code: {name: value}}. Each region becomes a filtered aggregate column,
    so 41 districts are still one scan.
    """
    from kepu.regions.querysets import subtree_q

    if len(regions) <= FEW_REGIONS:
        # A scorecard asks for one region: keep only its rows in the WHERE too, so that an index on the
        # path serves the scan instead of the whole table being read for the FILTER columns.
        queryset = queryset.filter(subtree_q([r.path for r in regions], field=path_field))
    columns = {}
    for i, region in enumerate(regions):
        inside = subtree_q([region.path], field=path_field)
        for name, factory in aggregates.items():
            columns[f"{name}__{i}"] = factory(inside)
    row = queryset.aggregate(**columns) if columns else {}
    return {region.code: {name: row[f"{name}__{i}"] for name in aggregates} for i, region in enumerate(regions)}


def per_region_grouped(queryset, regions, *, path_field: str, **aggregates) -> dict[str, dict[str, object]]:
    """Like per_region, for big tables: GROUP BY the path prefix instead of a column per region.

    `aggregates` are plain aggregate expressions (e.g. `n=Count("id")`). Regions whose paths have
    the same length share one query (41 districts: one scan grouped by the district prefix),
    nested regions of other depths get one more each. Regions with no rows get None.
    """
    from django.db.models.functions import Substr

    from kepu.regions.querysets import subtree_q

    by_length: dict[int, list] = {}
    for region in regions:
        by_length.setdefault(len(region.path), []).append(region)
    out = {region.code: dict.fromkeys(aggregates) for region in regions}
    for length, group in by_length.items():
        paths = [r.path for r in group]
        # Many siblings (the 41 district-level regions): one prefix filter on their common parent
        # instead of an OR per region, which costs a LIKE per row for each of them.
        shared = []
        for parts in zip(*(p.strip("/").split("/") for p in paths), strict=False):
            if len(set(parts)) > 1:
                break
            shared.append(parts[0])
        parent = "/".join(shared) + "/" if shared else ""
        where = subtree_q([parent] if len(group) > 3 and parent else paths, field=path_field)
        rows = (queryset.filter(where)
                .annotate(_prefix=Substr(path_field, 1, length)).values("_prefix")
                .annotate(**aggregates).order_by())
        found = {row["_prefix"]: row for row in rows}
        for region in group:
            row = found.get(region.path)
            if row is not None:
                out[region.code] = {name: row[name] for name in aggregates}
    return out
