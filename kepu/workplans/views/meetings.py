"""Joint meetings of a plan's member units and their decisions.

Whoever sees the plan (its region's staff, the liaisons of its member units) sees its meetings; the
plan's owners record meetings, decisions, turn decisions into tasks and set the convener rotation.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import staff_required

from ..forms_meetings import DecisionForm, DecisionTaskForm, MeetingForm, RotationForm, member_units
from ..models import Decision, Meeting, Plan
from ..policies import meeting_policy, plan_policy, task_policy
from ..services import meetings as services


def _plan(request, pk: int) -> Plan:
    return plan_policy.get_visible(request.user, pk=pk)


def _meeting(request, pk: int) -> Meeting:
    rows = meeting_policy.visible_to(request.user).select_related("plan__region", "convener__region")
    return get_object_or_404(rows, pk=pk)


def _plan_context(request, plan: Plan) -> dict:
    """What the plan's header (its tabs) needs."""
    user = request.user
    return {"plan": plan, "owner": plan_policy.can(user, "change", plan),
            "can_review": plan_policy.can(user, "review", plan), "tab": "meetings"}


def _detail_url(meeting_id: int, anchor: str = "") -> str:
    return reverse("workplans:meeting_detail", args=[meeting_id]) + (f"#{anchor}" if anchor else "")


# --- the list and the rotation ----------------------------------------------------------------------


def _list_page(request, plan: Plan, rotation_form: RotationForm | None = None, status: int = 200):
    context = _plan_context(request, plan)
    meetings = (plan.meetings.select_related("convener__region")
                .annotate(n_attendees=Count("attendees", distinct=True), n_decisions=Count("decisions", distinct=True)))
    if context["owner"] and rotation_form is None:
        rotation_form = RotationForm(plan=plan)
    context.update(meetings=meetings, rotation=services.rotation(plan), next_convener=services.next_convener(plan),
                   rotation_form=rotation_form)
    return render(request, "workplans/meeting_list.html", context, status=status)


@staff_required
def meeting_list(request, pk):
    """The plan's meetings, newest first, and the convener rotation with the next convener."""
    return _list_page(request, _plan(request, pk))


@staff_required
@require_POST
def meeting_rotation(request, pk):
    """Set the order in which member units convene (owners)."""
    plan = _plan(request, pk)
    plan_policy.check(request.user, "change", plan)
    form = RotationForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            units = services.rotation_set(actor=request.user, plan=plan, unit_ids_in_order=form.unit_ids_in_order)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            if units:
                messages.success(request, _("已设置轮值顺序：%(names)s。") % {"names": "→".join(u.name for u in units)})
            else:
                messages.success(request, _("已取消轮值召集。"))
            return redirect(reverse("workplans:meeting_list", args=[plan.pk]) + "#rotation")
    return _list_page(request, plan, rotation_form=form, status=400)


# --- one meeting --------------------------------------------------------------------------------------


@staff_required
def meeting_create(request, pk):
    """Record a meeting; the convener is the next one in the rotation, every member attends."""
    plan = _plan(request, pk)
    plan_policy.check(request.user, "change", plan)
    form = MeetingForm(request.POST or None, plan=plan)
    if request.method != "POST":
        convener = services.next_convener(plan)
        form.initial.update(held_on=timezone.localdate(), convener=convener.pk if convener else None,
                            attendees=list(member_units(plan).values_list("pk", flat=True)))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=request.user, plan=plan, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
                status = exc.status if isinstance(exc, KepuError) else 400
            else:
                messages.success(request, _("已记录会议“%(title)s”。") % {"title": meeting.title})
                return redirect(_detail_url(meeting.pk))
    context = _plan_context(request, plan)
    context.update(form=form, meeting=None)
    return render(request, "workplans/meeting_form.html", context, status=status)


def _detail_page(request, meeting: Meeting, decision_form: DecisionForm | None = None, status: int = 200):
    user = request.user
    context = _plan_context(request, meeting.plan)
    owner = meeting_policy.can(user, "change", meeting)
    decisions = list(meeting.decisions.select_related("task"))
    task_ids = [d.task_id for d in decisions if d.task_id]
    visible = set(task_policy.visible_to(user).filter(pk__in=task_ids).values_list("pk", flat=True))
    for d in decisions:
        d.task_visible = d.task_id in visible
    if owner and decision_form is None:
        decision_form = DecisionForm()
    context.update(meeting=meeting, owner=owner, decisions=decisions, decision_form=decision_form,
                   attendees=meeting.attendees.select_related("region"))
    return render(request, "workplans/meeting_detail.html", context, status=status)


@staff_required
def meeting_detail(request, pk):
    """A meeting: attendees, agenda, minutes, and its decisions with the tasks they became."""
    return _detail_page(request, _meeting(request, pk))


@staff_required
def meeting_edit(request, pk):
    """Change a meeting (its minutes are usually written afterwards)."""
    meeting = _meeting(request, pk)
    meeting_policy.check(request.user, "change", meeting)
    plan = meeting.plan
    form = MeetingForm(request.POST or None, plan=plan, instance=meeting)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.meeting_update(actor=request.user, meeting=meeting, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
                status = exc.status if isinstance(exc, KepuError) else 400
            else:
                messages.success(request, _("已保存。"))
                return redirect(_detail_url(meeting.pk))
    context = _plan_context(request, plan)
    context.update(form=form, meeting=meeting)
    return render(request, "workplans/meeting_form.html", context, status=status)


# --- decisions ----------------------------------------------------------------------------------------


@staff_required
@require_POST
def decision_create(request, pk):
    """Add a decision to a meeting (owners)."""
    meeting = _meeting(request, pk)
    meeting_policy.check(request.user, "change", meeting)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.decision_add(actor=request.user, meeting=meeting, text=form.cleaned_data["text"])
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加议定事项。"))
            return redirect(_detail_url(meeting.pk, f"decision-{decision.pk}"))
    return _detail_page(request, meeting, decision_form=form, status=400)


@staff_required
def decision_to_task(request, pk):
    """Make a decision a task of the plan: its number, section, units and due date (owners)."""
    user = request.user
    rows = Decision.objects.filter(meeting__in=meeting_policy.visible_to(user)).select_related(
        "meeting__plan__region", "task")
    decision = get_object_or_404(rows, pk=pk)
    meeting = decision.meeting
    meeting_policy.check(user, "change", meeting)
    plan = meeting.plan
    context = _plan_context(request, plan)
    context.update(meeting=meeting, decision=decision, form=None, blocked="")
    if decision.task_id:
        context["blocked"] = _("该议定事项已转为任务 %(number)s。") % {"number": decision.task.number}
        return render(request, "workplans/decision_task_form.html", context,
                      status=409 if request.method == "POST" else 200)
    form = DecisionTaskForm(request.POST or None, plan=plan,
                            initial={"number": services.suggested_task_number(decision)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                task = services.decision_to_task(actor=user, decision=decision, **form.service_fields())
            except (ValidationError, KepuError) as exc:
                add_service_errors(form, exc)
                status = exc.status if isinstance(exc, KepuError) else 400
            else:
                messages.success(request, _("已将议定事项转为任务 %(number)s。") % {"number": task.number})
                return redirect(_detail_url(meeting.pk, f"decision-{decision.pk}"))
    context["form"] = form
    return render(request, "workplans/decision_task_form.html", context, status=status)


urlpatterns = [
    path("plans/<int:pk>/meetings/", meeting_list, name="meeting_list"),
    path("plans/<int:pk>/meetings/new/", meeting_create, name="meeting_create"),
    path("plans/<int:pk>/meetings/rotation/", meeting_rotation, name="meeting_rotation"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/decisions/new/", decision_create, name="decision_create"),
    path("decisions/<int:pk>/task/", decision_to_task, name="decision_to_task"),
]
