"""The task's indicator links for the task page: {% load workplan_links %}
{% task_indicator_links task request.user can_change link_form as box %}."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from kepu.indicators.policies import assessment_policy

from ..forms_links import LinkForm

register = template.Library()


@dataclass
class LinkRow:
    link: object
    can_open: bool  # the user sees the assessment, so the indicator's page opens


@dataclass
class LinkBox:
    rows: list[LinkRow] = field(default_factory=list)
    form: LinkForm | None = None  # for the plan's owners


@register.simple_tag
def task_indicator_links(task, user, can_change=False, link_form=None) -> LinkBox:
    """The task's links (with whether the user may open each indicator) and, for owners, the form
    to add one (`link_form`: a bound form coming back with errors)."""
    links = list(task.indicator_links.select_related("assessment__region", "assessment__standard", "indicator"))
    seen = set(assessment_policy.visible_to(user).filter(pk__in={link.assessment_id for link in links})
               .values_list("pk", flat=True)) if links else set()
    box = LinkBox(rows=[LinkRow(link, link.assessment_id in seen) for link in links])
    if can_change:
        box.form = link_form if isinstance(link_form, LinkForm) else LinkForm(plan=task.plan, user=user)
    return box
