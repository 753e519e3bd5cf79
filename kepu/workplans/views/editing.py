"""Editing plans by hand: a new plan, its particulars, sections, phases, milestones, tasks, deliverables.

Every page finds its plan or task among those the user may see (else 404) and lets only the plan's
owners in (else 403); the services re-check both and refuse in words, which land on the form.
"""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import staff_required, working_region

from ..forms import DeliverableForm, MilestoneForm, PhaseForm, PlanForm, SectionForm, TaskForm
from ..models import Deliverable, Milestone, Phase, Plan, Task
from ..policies import plan_policy, task_policy
from ..services import plans as services


def _owned_plan(request, pk) -> Plan:
    """The plan if the user may see it (else 404) and change it (else 403)."""
    plan = plan_policy.get_visible(request.user, pk=pk)
    plan_policy.check(request.user, "change", plan)
    return plan


def _owned_task(request, pk) -> Task:
    task = task_policy.get_visible(request.user, pk=pk)
    task_policy.check(request.user, "change", task)
    return task


def _saved(request, form, save):
    """For a valid POST, what `save` (a service call) returns; None when the form or the service refused
    (a service's refusal is shown on the form, and its transaction left nothing behind)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save()
    except (ValidationError, KepuError) as exc:
        add_service_errors(form, exc)
        return None


def _page(request, template: str, form, **context):
    return render(request, f"workplans/{template}", {"form": form, **context},
                  status=400 if form.is_bound and form.errors else 200)


def _board(plan: Plan) -> str:
    return reverse("workplans:plan_detail", args=[plan.pk])


def _timeline(plan: Plan) -> str:
    return reverse("workplans:plan_timeline", args=[plan.pk])


def _task_page(task: Task) -> str:
    return reverse("workplans:task_detail", args=[task.pk])


# --- plans --------------------------------------------------------------------------------------------


@staff_required
def plan_create(request):
    plan_policy.check(request.user, "add")
    form = PlanForm(request.POST or None, instance=Plan(), user=request.user, default_region=working_region(request))
    plan = _saved(request, form, lambda: services.plan_create(actor=request.user, **form.service_fields()))
    if plan is not None:
        messages.success(request, _("已新建工作计划“%(title)s”，请添加章节和任务。") % {"title": plan.title})
        return redirect(_board(plan))
    return _page(request, "plan_form.html", form)


@staff_required
def plan_edit(request, pk):
    plan = _owned_plan(request, pk)
    # The form works on a copy: a refused edit still shows the plan's saved title in the page's header.
    form = PlanForm(request.POST or None, instance=copy(plan), user=request.user)
    if _saved(request, form, lambda: services.plan_update(actor=request.user, plan=plan, **form.service_fields())):
        messages.success(request, _("已保存计划信息。"))
        return redirect(_board(plan))
    return _page(request, "plan_form.html", form, plan=plan)


# --- sections, phases, milestones ---------------------------------------------------------------------


@staff_required
def section_create(request, pk):
    plan = _owned_plan(request, pk)
    form = SectionForm(request.POST or None, plan=plan)
    section = _saved(request, form, lambda: services.section_save(actor=request.user, plan=plan, **form.cleaned_data))
    if section is not None:
        messages.success(request, _("已添加章节“%(heading)s”。") % {"heading": section.heading})
        return redirect(_board(plan))
    return _page(request, "section_form.html", form, plan=plan)


@staff_required
def phase_create(request, pk):
    plan = _owned_plan(request, pk)
    form = PhaseForm(request.POST or None, instance=Phase(plan=plan))
    phase = _saved(request, form, lambda: services.phase_save(actor=request.user, plan=plan, **form.service_fields()))
    if phase is not None:
        messages.success(request, _("已添加实施阶段“%(name)s”。") % {"name": phase.name})
        return redirect(_timeline(plan))
    return _page(request, "phase_form.html", form, plan=plan)


@staff_required
def milestone_create(request, pk):
    plan = _owned_plan(request, pk)
    form = MilestoneForm(request.POST or None, instance=Milestone(plan=plan), plan=plan)
    milestone = _saved(request, form,
                       lambda: services.milestone_save(actor=request.user, plan=plan, **form.service_fields()))
    if milestone is not None:
        messages.success(request, _("已添加时间节点“%(title)s”。") % {"title": milestone.title})
        return redirect(_timeline(plan))
    return _page(request, "milestone_form.html", form, plan=plan)


# --- tasks --------------------------------------------------------------------------------------------


@staff_required
def task_create(request, pk):
    plan = _owned_plan(request, pk)
    initial = {}
    section = request.GET.get("section", "")
    if section.isdigit() and plan.sections.filter(pk=section).exists():
        initial["section"] = int(section)
    form = TaskForm(request.POST or None, instance=Task(plan=plan), plan=plan, initial=initial)
    task = _saved(request, form, lambda: services.task_create(actor=request.user, plan=plan, **form.service_fields()))
    if task is not None:
        messages.success(request, _("已添加任务 %(number)s。") % {"number": task.number})
        if "another" in request.POST:
            url = reverse("workplans:task_create", args=[plan.pk])
            return redirect(f"{url}?section={task.section_id}" if task.section_id else url)
        return redirect(_task_page(task))
    return _page(request, "task_form.html", form, plan=plan)


@staff_required
def task_edit(request, pk):
    task = _owned_task(request, pk)
    plan = task.plan
    form = TaskForm(request.POST or None, instance=copy(task), plan=plan)
    if _saved(request, form, lambda: services.task_update(actor=request.user, task=task, **form.service_fields())):
        messages.success(request, _("已保存任务 %(number)s。") % {"number": form.cleaned_data["number"]})
        return redirect(_task_page(task))
    return _page(request, "task_form.html", form, plan=plan, task=task)


@staff_required
def task_delete(request, pk):
    task = _owned_task(request, pk)
    plan = task.plan
    error = ""
    if request.method == "POST":
        try:
            services.task_delete(actor=request.user, task=task)
        except (ValidationError, KepuError) as exc:
            error = exc.message if isinstance(exc, KepuError) else "；".join(exc.messages)
        else:
            messages.success(request, _("已删除任务 %(number)s。") % {"number": task.number})
            return redirect(_board(plan))
    reported = task.assignments.filter(reports__isnull=False).exists()
    return render(request, "workplans/task_delete.html", {"task": task, "plan": plan, "error": error,
                                                          "reported": reported}, status=409 if error else 200)


@staff_required
def deliverable_create(request, pk):
    task = _owned_task(request, pk)
    form = DeliverableForm(request.POST or None, instance=Deliverable(task=task))
    deliverable = _saved(request, form,
                         lambda: services.deliverable_create(actor=request.user, task=task, **form.service_fields()))
    if deliverable is not None:
        messages.success(request, _("已添加任务成果“%(name)s”。") % {"name": deliverable.name})
        return redirect(_task_page(task))
    return _page(request, "deliverable_form.html", form, plan=task.plan, task=task)


urlpatterns = [
    path("new/", plan_create, name="plan_create"),
    path("plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:pk>/sections/new/", section_create, name="section_create"),
    path("plans/<int:pk>/phases/new/", phase_create, name="phase_create"),
    path("plans/<int:pk>/milestones/new/", milestone_create, name="milestone_create"),
    path("plans/<int:pk>/tasks/new/", task_create, name="task_create"),
    path("tasks/<int:pk>/edit/", task_edit, name="task_edit"),
    path("tasks/<int:pk>/delete/", task_delete, name="task_delete"),
    path("tasks/<int:pk>/deliverables/new/", deliverable_create, name="deliverable_create"),
]
