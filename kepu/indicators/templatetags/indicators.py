"""Status colours and labels shared by the indicator pages: {% load indicators %}."""

from django import template
from django.utils.html import format_html

from ..models import Status

register = template.Library()

# Bootstrap colours per status (the scorecard, the heat-map, the badges).
STATUS_COLOURS = {
    Status.MET: "success",
    Status.UNMET: "danger",
    Status.VETOED: "dark",
    Status.AWAITING_REVIEW: "info",
    Status.AWAITING_INPUT: "warning",
    Status.NO_DATA: "secondary",
}


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status


@register.simple_tag
def status_badge(status: str):
    """<span class="badge text-bg-success">达标</span>"""
    return format_html('<span class="badge text-bg-{}" data-status="{}">{}</span>', status_colour(status), status,
                       status_label(status))
