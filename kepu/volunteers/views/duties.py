"""The volunteers on the staff of a 科技志愿服务活动: who is on duty, check-in and check-out, and the
hours the leader confirms once the activity is over (verified records from the check-ins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.activities.models import Activity, ActivityStatus
from kepu.activities.policies import activity_policy, public_activities
from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors

from .. import services
from ..models import Duty, Team
from ..policies import led_team_ids, managed_team_ids
from ..request_forms import DutyAddForm


def service_activity(user, pk) -> Activity:
    """A 科技志愿服务活动 the user may see: staff in scope, and team leaders for the public ones."""
    try:
        activity = activity_policy.get_visible(user, pk=pk)
    except Http404:
        if not led_team_ids(user):
            raise
        activity = public_activities().filter(pk=pk).first()
        if activity is None:
            raise
    if not activity.is_volunteer_service:
        raise Http404
    return activity


def manageable_teams(user):
    """The live teams whose members the user may put on duty."""
    return Team.objects.filter(pk__in=managed_team_ids(user), dissolved_on__isnull=True).order_by("region_path",
                                                                                                 "name")


def may_mark(user, duty: Duty) -> bool:
    """Whether the user may check this volunteer in or out, and confirm their hours."""
    return services.duty_may_mark(user, duty)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
def duties(request, activity_pk):
    user = request.user
    activity = service_activity(user, activity_pk)
    rows = []
    now = timezone.now()
    for duty in Duty.objects.filter(activity=activity).select_related("volunteer", "team", "record", "activity"):
        rows.append({"duty": duty, "hours": services.duty_hours(duty), "can_mark": may_mark(user, duty)})
    teams = manageable_teams(user)
    can_add = activity.status != ActivityStatus.CANCELLED and teams.exists()
    form = DutyAddForm(teams=teams) if can_add else None
    ended = activity.end <= now
    creditable = [r for r in rows if r["can_mark"] and r["duty"].record_id is None and r["hours"]]
    return render(request, "volunteers/duties/list.html", {
        "activity": activity, "rows": rows, "form": form, "ended": ended, "creditable": len(creditable),
        "activity_visible": activity_policy.can(user, "view", activity),
        "in_window": services.check_window_open(activity, now),
    })


@login_required
@require_POST
def duty_add(request, activity_pk):
    user = request.user
    activity = service_activity(user, activity_pk)
    teams = manageable_teams(user)
    if not teams.exists():
        raise PermissionDenied
    if activity.status == ActivityStatus.CANCELLED:
        messages.error(request, _("活动已取消，不能安排志愿者上岗。"))
        return redirect("volunteers:duties", activity_pk=activity.pk)
    form = DutyAddForm(request.POST, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        try:
            duty = services.duty_add(actor=user, activity=activity, volunteer=data["volunteer_obj"], team=data["team"],
                                     task=data["task"])
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已安排 %(name)s 上岗。") % {"name": duty.volunteer.name})
            return redirect("volunteers:duties", activity_pk=activity.pk)
    errors = [f"{form.fields[name].label}：{e}" if name in form.fields else e
              for name, errs in form.errors.items() for e in errs]
    messages.error(request, _("未能安排上岗：%(errors)s") % {"errors": "；".join(errors)})
    return redirect("volunteers:duties", activity_pk=activity.pk)


@login_required
@require_POST
def duty_check(request, pk):
    """Check a volunteer in (action=in) or out (action=out): the volunteer themself or a manager."""
    user = request.user
    duty = Duty.objects.select_related("activity", "volunteer").filter(pk=pk).first()
    if duty is None:
        raise Http404
    if duty.volunteer.user_id != user.pk:
        service_activity(user, duty.activity_id)  # 404 when out of scope
    action = request.POST.get("action", "")
    if action not in ("in", "out"):
        messages.error(request, _("签到操作无效：请选择签到或签退。"))
    else:
        try:
            services.duty_check(actor=user, duty=duty, out=action == "out")
        except KepuError as exc:
            messages.error(request, exc.message)
        else:
            at = timezone.localtime().strftime("%H:%M")
            if action == "out":
                messages.success(request, _("%(name)s 已签退（%(at)s）。") % {"name": duty.volunteer.name, "at": at})
            else:
                messages.success(request, _("%(name)s 已签到（%(at)s）。") % {"name": duty.volunteer.name, "at": at})
    return _back(request, reverse("volunteers:duties", kwargs={"activity_pk": duty.activity_id}))


@login_required
@require_POST
def duties_credit(request, activity_pk):
    """Confirm the hours of the check-ins the user manages: one verified record per volunteer."""
    user = request.user
    activity = service_activity(user, activity_pk)
    pending = [d for d in Duty.objects.filter(activity=activity, record__isnull=True).select_related(
        "volunteer", "team", "activity") if may_mark(user, d)]
    if not pending:
        if Duty.objects.filter(activity=activity, record__isnull=True).exists():
            raise PermissionDenied
        messages.info(request, _("没有待计入的服务时长。"))
        return redirect("volunteers:duties", activity_pk=activity.pk)
    try:
        created = services.duties_credit(actor=user, activity=activity, duties=pending)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(request, _("已为 %(n)d 名志愿者计入服务时长。") % {"n": created})
        else:
            messages.info(request, _("没有可计入的服务时长：志愿者需在活动期间签到。"))
    return redirect("volunteers:duties", activity_pk=activity.pk)


urlpatterns = [
    path("duties/<int:activity_pk>/", duties, name="duties"),
    path("duties/<int:activity_pk>/add/", duty_add, name="duty_add"),
    path("duties/<int:activity_pk>/credit/", duties_credit, name="duties_credit"),
    path("duties/<int:pk>/check/", duty_check, name="duty_check"),
]
