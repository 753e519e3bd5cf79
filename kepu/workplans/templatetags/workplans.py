"""Status colours and labels shared by the work plan pages: {% load workplans %}."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from ..models import TaskStatus
from ..periods import period_label as _period_label

register = template.Library()

# A task row's board status (selectors.TaskRow.board_status): its Bootstrap colour and label.
BOARD_STATUSES = {
    TaskStatus.DONE: ("success", _("已完成")),
    "overdue": ("danger", _("已逾期")),
    "returned": ("warning", _("有退回")),
    TaskStatus.IN_PROGRESS: ("primary", _("推进中")),
    TaskStatus.NOT_STARTED: ("secondary", _("未开始")),
}


@register.filter
def board_colour(status: str) -> str:
    return BOARD_STATUSES.get(str(status), ("secondary", ""))[0]


@register.filter
def board_label(status: str) -> str:
    return BOARD_STATUSES.get(str(status), ("", status))[1]


@register.inclusion_tag("workplans/partials/_status_badge.html")
def board_badge(status: str) -> dict:
    """<span class="badge text-bg-danger" data-board-status="overdue">已逾期</span>"""
    return {"status": str(status), "colour": board_colour(status), "label": board_label(status)}


@register.filter
def period_label(no, plan) -> str:
    """The label of reporting period `no` at the plan's rhythm: 2022 年第二季度."""
    if no is None or no == "" or plan is None:
        return ""
    try:
        return _period_label(plan.rhythm, int(no))
    except (TypeError, ValueError, KeyError):
        return str(no)
