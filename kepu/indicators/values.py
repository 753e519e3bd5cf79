"""Comparing a value with its target and showing it in the unit of its measure."""

from __future__ import annotations

import operator
from decimal import Decimal

from django.utils.translation import gettext as _

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
       "!=": operator.ne}
# For a target `value op target`, whether a bigger value is better (None: neither).
HIGHER_IS_BETTER = {">=": True, ">": True, "<=": False, "<": False, "==": None, "!=": None}
RATIO_UNITS = {"ratio"}


def meets(value, op: str, target) -> bool:
    return OPS[op](Decimal(str(value)), Decimal(str(target)))


def format_value(value, unit: str) -> str:
    """2.2 yuan → "2.20 元/人", 0.848 ratio → "84.8%", 0.0092 → "0.92%", 1043 persons → "1,043"; None → "—"."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if unit in RATIO_UNITS:
        percent = number * 100
        if percent == percent.to_integral_value():
            return f"{int(percent)}%"
        return f"{percent:.2f}%" if abs(percent) < 10 else f"{percent:.1f}%"
    if unit == "yuan_per_person":
        return _("%(value)s 元/人") % {"value": f"{number:.2f}"}
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def trend(value, last, op: str) -> tuple[str, bool | None]:
    """("up" | "down" | "same" | "", whether the change is an improvement)."""
    if value is None or last is None:
        return "", None
    value, last = Decimal(str(value)), Decimal(str(last))
    if value == last:
        return "same", None
    direction = "up" if value > last else "down"
    better = HIGHER_IS_BETTER.get(op)
    if better is None:
        return direction, None
    return direction, (direction == "up") == better
