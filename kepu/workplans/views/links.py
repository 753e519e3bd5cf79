"""Links from tasks to indicators of an assessment (the plan's owners make and remove them); the
task's evidence is then offered on the indicator's page (see workplans/evidence.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import staff_required

from ..forms_links import LinkForm
from ..models import IndicatorLink
from ..policies import plan_policy, task_policy
from ..services import links as services


def _back(task_id: int) -> str:
    return reverse("workplans:task_detail", args=[task_id]) + "#indicator-links"


@staff_required
def task_links(request, pk):
    """The task's indicators; POST (owners) links one more."""
    user = request.user
    task = get_object_or_404(task_policy.visible_to(user).select_related("plan__region"), pk=pk)
    plan = task.plan
    can_change = plan_policy.can(user, "change", plan)
    form, status = None, 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form, status = LinkForm(request.POST, plan=plan, user=user), 400
        if form.is_valid():
            try:
                link = services.link_create(actor=user, task=task, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
                status = exc.status if isinstance(exc, KepuError) else 400
            else:
                messages.success(request, _("已将任务 %(number)s 关联到指标 %(code)s。")
                                 % {"number": task.number, "code": link.indicator.code})
                return redirect(_back(task.pk))
    return render(request, "workplans/task_links.html",
                  {"task": task, "plan": plan, "can_change": can_change, "link_form": form}, status=status)


@staff_required
@require_POST
def task_link_remove(request, pk):
    """Remove a link (owners); what was already sent in from it stays with the indicator."""
    user = request.user
    rows = IndicatorLink.objects.filter(task__in=task_policy.visible_to(user)).select_related("task__plan", "indicator")
    link = get_object_or_404(rows, pk=pk)
    plan_policy.check(user, "change", link.task.plan)
    services.link_delete(actor=user, link=link)
    messages.success(request, _("已取消任务 %(number)s 与指标 %(code)s 的关联。")
                     % {"number": link.task.number, "code": link.indicator.code})
    return redirect(_back(link.task_id))


urlpatterns = [
    path("tasks/<int:pk>/indicators/", task_links, name="task_links"),
    path("links/<int:pk>/remove/", task_link_remove, name="task_link_remove"),
]
