"""你点我送 pages: the list of needs in scope, posting a need, claiming, scheduling and reporting it done.

Staff see the needs of their region subtrees and units; team leaders (who may hold no staff role)
see the needs around their teams and claim them for a team. Refusals because of the need's state
(claimed meanwhile by another team, already scheduled) are shown as messages on the detail page;
refusals because of the user's rights answer 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.accounts.middleware import active_grant
from kepu.accounts.scope import scope_of
from kepu.activities.policies import activity_policy
from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .. import services
from ..models import RequestStatus, ServiceRecord, ServiceRequest
from ..policies import claimable_teams, led_team_ids, request_policy
from ..request_forms import (
    ClaimForm,
    FulfilForm,
    ReasonForm,
    RequestFilterForm,
    RequestForm,
    ScheduleForm,
)

PAGE_SIZE = 50


def requests_user_required(view):
    """Signed in (else the login page), and staff or a team leader (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (scope_of(request.user).is_staff or led_team_ids(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _get(request, pk) -> ServiceRequest:
    return request_policy.get_visible(request.user, pk=pk)


def _refuse(request, req: ServiceRequest, message: str):
    messages.error(request, message)
    return redirect("volunteers:request_detail", pk=req.pk)


def _state_message(req: ServiceRequest) -> str:
    return _("该需求当前为“%(status)s”，不能执行此操作。") % {"status": req.get_status_display()}


# --- list and detail ---------------------------------------------------------------------------------


@requests_user_required
def request_list(request):
    user = request.user
    form = RequestFilterForm(request.GET)
    qs = request_policy.visible_to(user).select_related("region", "team")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if form.region_obj is not None:
            qs = qs.filter(subtree_q([form.region_obj.path], field="region_path"))
        if data["mine"]:
            qs = qs.filter(Q(created_by=user) | Q(claimed_by=user) | Q(team_id__in=led_team_ids(user)))
    else:
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "errors": form.error_list(), "status_choices": RequestStatus.choices,
               "can_create": request_policy.can(user, "create")}
    template = "volunteers/requests/partials/_results.html" if request.htmx else "volunteers/requests/list.html"
    return render(request, template, context)


@requests_user_required
def request_detail(request, pk):
    req = _get(request, pk)
    user = request.user
    teams = claimable_teams(user, req) if req.status == RequestStatus.OPEN else []
    activity = req.activity
    context = {
        "req": req,
        "claim_form": ClaimForm(teams=teams) if teams else None,
        "can_cancel": request_policy.can(user, "cancel", req),
        "can_release": request_policy.can(user, "release", req) and req.activity_id is None,
        "can_schedule": request_policy.can(user, "fulfil", req) and req.activity_id is None,
        "can_fulfil": request_policy.can(user, "fulfil", req),
        "cancel_form": ReasonForm(),
        "release_form": ReasonForm(),
        "activity": activity,
        "activity_visible": activity is not None and activity_policy.can(user, "view", activity),
        "records": ServiceRecord.objects.filter(request=req).select_related("volunteer").order_by("volunteer__name"),
    }
    return render(request, "volunteers/requests/detail.html", context)


# --- post a need ---------------------------------------------------------------------------------------


@requests_user_required
def request_create(request):
    user = request.user
    request_policy.check(user, "create")
    grant = active_grant(request)
    default_region = Region.objects.filter(pk=grant.region_id).first() if grant and grant.region_id else None
    form = RequestForm(request.POST or None, user=user, default_region=default_region)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_create(actor=user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("region_code", _("您不能在该区域发布需求：请填写您负责的区域，或选择您所在的需求单位。"))
        else:
            messages.success(request, _("需求已发布，附近的科技志愿服务队可以认领。"))
            return redirect("volunteers:request_detail", pk=req.pk)
    return render(request, "volunteers/requests/form.html", {"form": form})


# --- claim, give back, cancel ------------------------------------------------------------------------


@requests_user_required
@require_POST
def request_claim(request, pk):
    req = _get(request, pk)
    user = request.user
    # The teams near the need that the user manages, whatever its state: a need taken meanwhile by
    # another team is told as such, not as a refusal.
    teams = claimable_teams(user, req)
    if not teams:
        raise PermissionDenied
    form = ClaimForm(request.POST, teams=teams)
    if not form.is_valid():
        return _refuse(request, req, " ".join(form.errors["team"]))
    try:
        services.request_claim(actor=user, request=req, team=form.cleaned_data["team"])
    except KepuError as exc:
        return _refuse(request, req, exc.message)
    messages.success(request, _("已由“%(team)s”认领。请与需求方联系，安排服务时间。") % {"team": form.cleaned_data["team"].name})
    return redirect("volunteers:request_detail", pk=req.pk)


@requests_user_required
@require_POST
def request_release(request, pk):
    req = _get(request, pk)
    if req.status != RequestStatus.CLAIMED or req.activity_id:
        return _refuse(request, req, _("该需求已安排活动或已完成，不能退回。") if req.activity_id else _state_message(req))
    request_policy.check(request.user, "release", req)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.request_release(actor=request.user, request=req, reason=reason)
    except KepuError as exc:
        return _refuse(request, req, exc.message)
    messages.success(request, _("已退回该需求，其他服务队可以认领。"))
    return redirect("volunteers:request_detail", pk=req.pk)


@requests_user_required
@require_POST
def request_cancel(request, pk):
    req = _get(request, pk)
    if req.status != RequestStatus.OPEN:
        return _refuse(request, req, _("该需求已被认领或已撤销，不能撤销。"))
    request_policy.check(request.user, "cancel", req)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refuse(request, req, _("需求未撤销：请填写撤销原因。"))
    try:
        services.request_cancel(actor=request.user, request=req, reason=form.cleaned_data["reason"])
    except KepuError as exc:
        return _refuse(request, req, exc.message)
    messages.success(request, _("需求已撤销。"))
    return redirect("volunteers:request_detail", pk=req.pk)


# --- schedule and fulfil -----------------------------------------------------------------------------


def _claimed(request, pk) -> tuple[ServiceRequest, object]:
    """The need if it is claimed and the user manages the claiming team; else a redirect or 403."""
    req = _get(request, pk)
    if req.status != RequestStatus.CLAIMED:
        return req, _refuse(request, req, _state_message(req))
    request_policy.check(request.user, "fulfil", req)
    return req, None


@requests_user_required
def request_schedule(request, pk):
    req, refused = _claimed(request, pk)
    if refused:
        return refused
    if req.activity_id:
        return _refuse(request, req, _("该需求已安排活动。"))
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_schedule(actor=request.user, request=req, **form.cleaned_data)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已安排服务活动并发布：%(title)s") % {"title": req.activity.title})
            return redirect("volunteers:request_detail", pk=req.pk)
    return render(request, "volunteers/requests/schedule.html", {"req": req, "form": form})


@requests_user_required
def request_fulfil(request, pk):
    req, refused = _claimed(request, pk)
    if refused:
        return refused
    form = FulfilForm(request.POST or None, service_request=req)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_fulfil(actor=request.user, request=req, hours=form.hours(),
                                    served_people=data["served_people"], content=data["content"],
                                    start=data.get("start"), end=data.get("end"))
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("需求已完成，%(n)d 名队员的服务时长已认定。") % {"n": len(data["volunteers"])})
            return redirect("volunteers:request_detail", pk=req.pk)
    return render(request, "volunteers/requests/fulfil.html", {"req": req, "form": form})


urlpatterns = [
    path("requests/", request_list, name="requests"),
    path("requests/new/", request_create, name="request_create"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/claim/", request_claim, name="request_claim"),
    path("requests/<int:pk>/release/", request_release, name="request_release"),
    path("requests/<int:pk>/cancel/", request_cancel, name="request_cancel"),
    path("requests/<int:pk>/schedule/", request_schedule, name="request_schedule"),
    path("requests/<int:pk>/fulfil/", request_fulfil, name="request_fulfil"),
]
