from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .middleware import active_grant
from .models import Role
from .scope import REGION_WRITE_ROLES, scope_of


def _volunteer_items(user, scope) -> list:
    """Volunteer service: the staff pages for staff and team leaders, one's own page for volunteers."""
    from kepu.volunteers.models import Volunteer
    from kepu.volunteers.policies import led_team_ids

    items = []
    if scope.is_staff or led_team_ids(user):
        items.append((_("志愿服务"), reverse("volunteers:list"), "people"))
    # Citizens always see it (it invites them to sign up); staff when they are volunteers themselves.
    if not scope.is_staff or Volunteer.objects.filter(user=user).exists():
        items.append((_("我的志愿服务"), reverse("volunteers:me"), "person-heart"))
    return items


def navigation(request):
    """The menu shows only what the user's roles may use."""
    user = getattr(request, "user", None)
    public = [(_("科普活动"), reverse("public:list"), "calendar-event")]
    if user is None or not user.is_authenticated:
        return {"nav_items": public}
    scope = scope_of(user)
    items = [(_("首页"), reverse("home"), "house")]
    if scope.is_staff:
        items += [
            (_("活动管理"), reverse("activities:list"), "calendar-check"),
            (_("活动统计"), reverse("activities:stats"), "bar-chart"),
            (_("行政区划"), reverse("regions:browse"), "diagram-3"),
            (_("单位"), reverse("orgs:list"), "building"),
            (_("基础数据"), reverse("venues:list"), "geo-alt"),
            (_("指标评估"), reverse("indicators:assessment_list"), "clipboard-check"),
            (_("工作计划"), reverse("workplans:plan_list"), "kanban"),
        ]
        if scope.unit_ids({Role.UNIT_LIAISON}):
            items.append((_("我的指标"), reverse("indicators:my_indicators"), "list-check"))
            items.append((_("我的任务"), reverse("workplans:my_tasks"), "list-task"))
    else:
        items += public
    items += _volunteer_items(user, scope)
    if scope.platform_admin or scope.region_paths(REGION_WRITE_ROLES):
        items += [
            (_("角色授权"), reverse("accounts:roles"), "person-badge"),
            (_("审计日志"), reverse("core:audit"), "journal-text"),
        ]
    if scope.is_staff:
        items.append((_("API 文档"), reverse("api-docs"), "braces"))
    grants = [g for g in scope.grants if g.role != Role.CITIZEN]
    choices = [(g.assignment_id, f"{g.unit_name or g.region_name} · {Role(g.role).label}") for g in grants]
    current = active_grant(request)
    return {"nav_items": items, "scope_choices": choices if len(choices) > 1 else [],
            "active_grant_id": current.assignment_id if current else None}
