"""Staff pages of activities: the list, planning and editing, the detail page, lifecycle steps and
the registrations of an activity."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import Sheet, workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import selectors, services
from ..forms import ActivityFilterForm, ActivityForm, CancelForm
from ..models import ActivityStatus, ParticipationReport
from ..policies import PUBLIC_STATUSES, activity_policy

PAGE_SIZE = 50
STEPS = ("publish", "cancel", "finish")


def can_plan(user) -> bool:
    """Whether the user may plan activities at all (region admins and unit liaisons)."""
    scope = scope_of(user)
    return bool(scope.platform_admin or scope.region_paths(REGION_WRITE_ROLES) or scope.unit_ids({Role.UNIT_LIAISON}))


# --- list ---------------------------------------------------------------------------------------------


@staff_required
def activity_list(request):
    form = ActivityFilterForm(request.GET, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        statuses = data["status"]
        qs = selectors.activity_list(
            request.user, region=form.region_obj, unit=form.unit_obj, kind=data["kind"], theme=data["theme"],
            group=data["group"], status=statuses[0] if len(statuses) == 1 else "", start=data["start"],
            end=data["end"], query=data["q"], volunteer_service=True if data["volunteer_service"] else None,
        )
        if len(statuses) > 1:
            qs = qs.filter(status__in=statuses)
        if data["year"]:
            qs = selectors.in_period(qs, data["year"], data["month"])
    else:
        qs = selectors.activity_list(request.user).none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "errors": form.error_list(), "unit_choices": form.unit_choices(),
               "can_create": can_plan(request.user), "status_choices": ActivityStatus.choices,
               "selected_statuses": form.cleaned_data.get("status", []) if form.is_valid() else [],
               "years": range(timezone.localdate().year + 1, 2019, -1)}
    template = "activities/staff/partials/_results.html" if request.htmx else "activities/staff/list.html"
    return render(request, template, context)


# --- plan and edit ------------------------------------------------------------------------------------


def _organize_refused(form) -> None:
    form.add_error("organizer", _("您不能以该单位的名义在所填区域组织活动：请选择您负责的单位，并填写该单位所在区域内的区划代码。"))


@staff_required
def create(request):
    if not can_plan(request.user):
        raise PermissionDenied
    form = ActivityForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _organize_refused(form)
        else:
            messages.success(request, _("已保存活动草稿。发布后公众才能看到。"))
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/staff/form.html", {"form": form, "title": _("新建科普活动")})


@staff_required
def edit(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "change", activity)
    form = ActivityForm(request.POST or None, user=request.user, instance=activity)
    locked = activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
    if locked:
        messages.error(request, _("活动当前为“%(status)s”，不能再修改。") % {"status": activity.get_status_display()})
        return redirect("activities:detail", pk=activity.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _organize_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/staff/form.html", {"form": form, "activity": activity,
                                                          "title": _("编辑科普活动")})


# --- detail and lifecycle -----------------------------------------------------------------------------


@staff_required
def detail(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    user = request.user
    steps = {step: activity_policy.can(user, step, activity) and activity.status in services.TRANSITIONS[step][0]
             for step in STEPS}
    report = ParticipationReport.objects.filter(activity=activity).first()
    can_checkin = activity_policy.can(user, "checkin", activity) and activity.status in (
        ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)
    return render(request, "activities/staff/detail.html", {
        "activity": activity,
        "theme_days": activity.theme_days.all(),
        "target_groups": activity.target_groups.all(),
        "co_organizers": activity.co_organizers.select_related("region"),
        "counts": selectors.registration_counts(activity),
        "report": report,
        "steps": steps,
        "started": activity.start <= timezone.now(),
        "cancel_form": CancelForm(),
        "can_change": activity_policy.can(user, "change", activity)
        and activity.status in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED),
        "can_view_registrations": activity_policy.can(user, "view_registrations", activity),
        "checkin_url": reverse("activities:checkin", args=[activity.pk]) if can_checkin else "",
        "public_url": reverse("public:detail", args=[activity.pk]) if activity.status in PUBLIC_STATUSES else "",
        "show_report": activity.status in (ActivityStatus.FINISHED, ActivityStatus.REPORTED) or report is not None,
    })


@staff_required
@require_POST
def transition(request, pk, step):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, step, activity)
    try:
        if step == "publish":
            services.activity_publish(actor=request.user, activity=activity)
            messages.success(request, _("活动已发布。"))
        elif step == "finish":
            services.activity_finish(actor=request.user, activity=activity)
            messages.success(request, _("活动已标记为已结束，请填写参与情况报告。"))
        else:
            form = CancelForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("活动未取消：请填写取消原因。"))
                return redirect("activities:detail", pk=activity.pk)
            services.activity_cancel(actor=request.user, activity=activity, reason=form.cleaned_data["reason"])
            messages.success(request, _("活动已取消。"))
    except KepuError as exc:
        messages.error(request, exc.message)
    return redirect("activities:detail", pk=activity.pk)


# --- registrations -------------------------------------------------------------------------------------


def _registrations_activity(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "view_registrations", activity)
    return activity


@staff_required
def registrations(request, pk):
    activity = _registrations_activity(request, pk)
    query = request.GET.get("q", "").strip()[:50]
    page = Paginator(selectors.registrations_search(activity, query).select_related("group"), PAGE_SIZE)\
        .get_page(request.GET.get("page"))
    context = {"activity": activity, "page": page, "q": query, "counts": selectors.registration_counts(activity)}
    template = ("activities/staff/partials/_registrations.html" if request.htmx
                else "activities/staff/registrations.html")
    return render(request, template, context)


@staff_required
def registrations_export(request, pk):
    activity = _registrations_activity(request, pk)
    query = request.GET.get("q", "").strip()[:50]
    rows = []
    for r in selectors.registrations_search(activity, query).select_related("group").order_by("created_at", "id"):
        checkin = getattr(r, "checkin", None)
        rows.append([r.name, r.phone_masked, r.group.name if r.group else "", r.get_status_display(),
                     r.created_at, _("是") if checkin else _("否"), checkin.at if checkin else None])
    sheet = Sheet(_("报名名单"), [_("姓名"), _("手机号码"), _("人群"), _("状态"), _("报名时间"), _("已签到"), _("签到时间")],
                  rows, formats={4: "yyyy-mm-dd hh:mm", 6: "yyyy-mm-dd hh:mm"})
    log_action(actor=request.user, action="registration.exported", obj=activity,
               changes={"rows": len(rows), "query": query, "phones": "masked"})
    return xlsx_response(workbook([sheet]), _("报名名单-%(id)s.xlsx") % {"id": activity.pk})


urlpatterns = [
    path("", activity_list, name="list"),
    path("new/", create, name="create"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/registrations/", registrations, name="registrations"),
    path("<int:pk>/registrations.xlsx", registrations_export, name="registrations_export"),
    re_path(r"^(?P<pk>[0-9]+)/(?P<step>publish|cancel|finish)/$", transition, name="transition"),
]
