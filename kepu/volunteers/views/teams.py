"""Staff pages of 科技志愿服务队: the list, founding and editing a team, its page with members,
sub-teams, hours and claimed needs, and managing members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, working_region

from .. import selectors, services
from ..forms import MemberAddForm, MemberChangeForm, TeamFilterForm, TeamForm
from ..models import Membership, ServiceRequest, Team
from ..policies import team_policy
from .roster import query_without, staff_or_leader_required

PAGE_SIZE = 50
MEMBERS_PAGE = 100
RECENT_REQUESTS = 20


@staff_or_leader_required
def team_list(request):
    form = TeamFilterForm(request.GET, user=request.user)
    qs = selectors.team_list(request.user, **form.selector_kwargs()) if form.is_valid() else Team.objects.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "errors": form.error_list(),
               "can_create": team_policy.can(request.user, "create"), "query": query_without(request, "page")}
    template = "volunteers/teams/partials/_results.html" if request.htmx else "volunteers/teams/list.html"
    return render(request, template, context)


def _place_refused(form) -> None:
    form.add_error("unit", _("您不能在所填区域以该单位的名义组建服务队：请选择您负责的单位，并填写您工作范围内的区划代码。"))


@staff_or_leader_required
def team_create(request):
    team_policy.check(request.user, "create")
    form = TeamForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已组建服务队“%(name)s”。") % {"name": team.name})
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/teams/form.html", {"form": form, "title": _("组建服务队")})


@staff_or_leader_required
def team_edit(request, pk):
    team = team_policy.get_visible(request.user, pk=pk)
    team_policy.check(request.user, "change", team)
    form = TeamForm(request.POST or None, user=request.user, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(actor=request.user, team=team, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/teams/form.html", {"form": form, "team": team, "title": _("编辑服务队")})


@staff_or_leader_required
def team_detail(request, pk):
    user = request.user
    team = team_policy.get_visible(user, pk=pk)
    members = Paginator(selectors.team_members(team), MEMBERS_PAGE).get_page(request.GET.get("page"))
    can_manage = team_policy.can(user, "manage_members", team)
    return render(request, "volunteers/teams/detail.html", {
        "team": team,
        "members": members,
        "member_count": members.paginator.count,
        "children": team_policy.visible_to(user).filter(parent=team).select_related("region")
        .annotate(member_count=Count("memberships")).order_by("name"),
        "summary": selectors.team_records_summary(team),
        "requests": ServiceRequest.objects.filter(team=team).select_related("region", "activity")
        .order_by("-claimed_at", "-id")[:RECENT_REQUESTS],
        "can_change": team_policy.can(user, "change", team),
        "can_manage": can_manage,
        "can_record": team_policy.can(user, "record", team) and team.dissolved_on is None,
        "add_form": MemberAddForm(user=user) if can_manage and team.dissolved_on is None else None,
        "roles": Membership.Role.choices,
    })


@staff_or_leader_required
@require_POST
def member_add(request, pk):
    team = team_policy.get_visible(request.user, pk=pk)
    team_policy.check(request.user, "manage_members", team)
    form = MemberAddForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("volunteers:team_detail", pk=team.pk)
    volunteer, role = form.volunteer, form.cleaned_data["role"]
    try:
        services.membership_add(actor=request.user, team=team, volunteer=volunteer, role=role)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将 %(name)s（%(number)s）加入本队。") % {"name": volunteer.name,
                                                                          "number": volunteer.number})
    return redirect("volunteers:team_detail", pk=team.pk)


@staff_or_leader_required
@require_POST
def member_change(request, pk, mid):
    team = team_policy.get_visible(request.user, pk=pk)
    membership = Membership.objects.filter(team=team, pk=mid).select_related("team", "volunteer").first()
    if membership is None:
        raise Http404
    team_policy.check(request.user, "manage_members", team)
    form = MemberChangeForm(request.POST)
    if not form.is_valid() or (form.cleaned_data["action"] == "role" and not form.cleaned_data["role"]):
        messages.error(request, _("未修改：请选择职务或移出操作。"))
        return redirect("volunteers:team_detail", pk=team.pk)
    name = membership.volunteer.name
    try:
        if form.cleaned_data["action"] == "remove":
            services.membership_remove(actor=request.user, membership=membership)
            messages.success(request, _("已将 %(name)s 移出本队。") % {"name": name})
        else:
            services.membership_set_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
            messages.success(request, _("已将 %(name)s 的职务改为%(role)s。")
                             % {"name": name, "role": Membership.Role(form.cleaned_data["role"]).label})
    except KepuError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:team_detail", pk=team.pk)


urlpatterns = [
    path("teams/", team_list, name="teams"),
    path("teams/new/", team_create, name="team_create"),
    path("teams/<int:pk>/", team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
    path("teams/<int:pk>/members/add/", member_add, name="member_add"),
    path("teams/<int:pk>/members/<int:mid>/", member_change, name="member_change"),
]
