"""Links from a task to indicators of an assessment: the task's evidence is offered there.

Which assessments a task may work towards: those of the plan's own region, of a region below it
(a city plan's task carried out in the districts counts towards a district's assessment) and of a
region above it (a district's work counts towards the city's assessment) — never a region beside
it (沙坪坝区's plan has nothing to say about 永川区's assessment). The plan's owners link, and only
to an assessment they can see.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kepu.core.audit import log_action
from kepu.core.errors import Conflict
from kepu.indicators.policies import assessment_policy
from kepu.regions.querysets import subtree_q

from ..models import IndicatorLink, Plan, Task
from ..policies import plan_policy


def on_line(plan_path: str, region_path: str) -> bool:
    """Whether a region is the plan's region, below it or above it."""
    return region_path.startswith(plan_path) or plan_path.startswith(region_path)


def linkable_assessments(plan: Plan, user):
    """The assessments `user` sees that the plan's tasks may be linked to, in tree order.

    (A read beside the writes it serves: the link form offers what link_create accepts.)"""
    above = [p for p in plan.region.ancestor_paths() if p != plan.region_path]
    return (assessment_policy.visible_to(user).filter(subtree_q([plan.region_path], field="region_path") | Q(region_path__in=above))
            .select_related("region", "standard").order_by("region__path", "-year", "pk"))


@transaction.atomic
def link_create(*, actor, task: Task, assessment, indicator) -> IndicatorLink:
    """Link a task to a leaf indicator of an assessment (the plan's owners; once per indicator)."""
    plan = task.plan
    plan_policy.check(actor, "change", plan)
    if actor is not None and not assessment_policy.visible_to(actor).filter(pk=assessment.pk).exists():
        raise ValidationError({"assessment": _("评估不存在，或不在您的工作范围内。")})
    if not on_line(plan.region_path, assessment.region_path):
        raise ValidationError({"assessment": _("评估“%(assessment)s”的区划与计划所属的%(region)s不相关；"
                                               "只能关联本区划、上级或下级区划的评估。")
                               % {"assessment": assessment, "region": plan.region.name}})
    if indicator.standard_id != assessment.standard_id or not indicator.is_leaf:
        raise ValidationError({"indicator": _("指标 %(code)s 不是该评估所用标准中可报送材料的指标。")
                               % {"code": indicator.code}})
    duplicate = Conflict(_("任务 %(number)s 已关联该评估的指标 %(code)s，无需重复关联。")
                         % {"number": task.number, "code": indicator.code}, code="duplicate")
    if IndicatorLink.objects.filter(task=task, assessment=assessment, indicator=indicator).exists():
        raise duplicate
    link = IndicatorLink(task=task, assessment=assessment, indicator=indicator,
                         linked_by=actor if getattr(actor, "is_authenticated", False) else None)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:  # the same link, saved at the same moment
        raise duplicate from None
    log_action(actor=actor, action="workplans.task.indicator_linked", obj=task,
               changes={"assessment": assessment.pk, "indicator": indicator.code})
    return link


@transaction.atomic
def link_delete(*, actor, link: IndicatorLink) -> None:
    """Remove a link (evidence already sent in from the task stays with the indicator)."""
    task = link.task
    plan_policy.check(actor, "change", task.plan)
    log_action(actor=actor, action="workplans.task.indicator_unlinked", obj=task,
               changes={"assessment": link.assessment_id, "indicator": link.indicator.code})
    link.delete()
