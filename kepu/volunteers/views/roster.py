"""Staff pages of the volunteer roster: the list with its filters, registering and editing, the
volunteer's page, showing the full numbers (audited), deregistration and the Excel export.

Team leaders without a staff role use these pages too: the policies limit them to their members.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kepu.accounts.scope import scope_of
from kepu.core import pii
from kepu.core.audit import log_action
from kepu.core.errors import KepuError
from kepu.core.exports import workbook, xlsx_response
from kepu.core.forms import add_service_errors
from kepu.core.views_common import CappedPaginator, working_region

from .. import selectors, services
from ..exports import roster_sheet
from ..forms import (
    CertificateIssueForm,
    LeaveForm,
    VolunteerFilterForm,
    VolunteerForm,
    managed_teams,
)
from ..models import Volunteer
from ..policies import led_team_ids, record_policy, team_policy, volunteer_policy
from .me import issuers_for

PAGE_SIZE = 50
RECENT_RECORDS = 20
TEAM_OPTIONS = 500
EXPORT_CAP = 50_000


def may_use_staff_pages(user) -> bool:
    """Staff, and team leaders without a staff role (they manage their own teams)."""
    return scope_of(user).is_staff or bool(led_team_ids(user))


def staff_or_leader_required(view):
    """Signed in (else the login page), and staff or a team leader (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_use_staff_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def team_options(user, selected=None) -> list[tuple[str, str]]:
    """Teams to offer in a filter: those the user sees, a bounded number, the selected one kept."""
    teams = team_policy.visible_to(user).order_by("region_path", "name").values_list("pk", "name")[:TEAM_OPTIONS]
    options = [(str(pk), name) for pk, name in teams]
    if selected is not None and str(selected.pk) not in {pk for pk, _name in options}:
        options.insert(0, (str(selected.pk), selected.name))
    return options


def query_without(request, *names: str) -> str:
    """The current query string without some parameters (e.g. the page, for an export link)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- list and export ----------------------------------------------------------------------------------


def hashed_query(request) -> QueryDict | None:
    """When the search text is a full ID or phone number: the same filters with the number replaced
    by its keyed hash, so that the number stays out of the page, its links and the browser history."""
    personal = selectors.personal_number(request.GET.get("q", ""))
    if personal is None:
        return None
    query = request.GET.copy()
    query.pop("q")
    query.pop("page", None)
    query.pop("full", None)
    query["idh" if personal[0] == "id" else "telh"] = pii.lookup_hash(personal[1])
    return query


def _filtered(request, query=None):
    form = VolunteerFilterForm(query if query is not None else request.GET, user=request.user)
    if form.is_valid():
        return form, selectors.volunteer_list(request.user, **form.selector_kwargs())
    return form, Volunteer.objects.none()


@staff_or_leader_required
def volunteer_list(request):
    hashed = hashed_query(request)
    if hashed is not None and not request.htmx:
        return redirect(f"{request.path}?{hashed.urlencode()}")
    form, qs = _filtered(request, hashed)
    page = CappedPaginator(selectors.with_teams(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for volunteer in page:
        volunteer.age = volunteer.age_on(today)
    user = request.user
    data = form.cleaned_data if form.is_valid() else {}
    context = {
        "page": page, "form": form, "errors": form.error_list(),
        "searched_for": _("身份证号码") if data.get("idh") else _("手机号码") if data.get("telh") else "",
        "team_options": team_options(user, form.team_obj),
        "can_create": volunteer_policy.can(user, "create"),
        "can_export_pii": volunteer_policy.can(user, "export_pii"),
        "export_query": hashed.urlencode() if hashed is not None else query_without(request, "page", "full"),
    }
    template = "volunteers/staff/partials/_results.html" if request.htmx else "volunteers/staff/list.html"
    response = render(request, template, context)
    if hashed is not None:
        response["HX-Push-Url"] = f"{request.path}?{hashed.urlencode()}"
    return response


@staff_or_leader_required
def export(request):
    """The filtered roster as Excel, masked; `full=1` writes out the numbers the user may see in full."""
    user = request.user
    hashed = hashed_query(request)
    if hashed is not None:
        if request.GET.get("full"):
            hashed["full"] = request.GET["full"]
        return redirect(f"{request.path}?{hashed.urlencode()}")
    form, qs = _filtered(request)
    back = reverse("volunteers:list") + ("?" + request.GET.urlencode() if request.GET else "")
    if not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": "；".join(form.error_list())})
        return redirect(back)
    full = request.GET.get("full") == "1"
    if full and not volunteer_policy.can(user, "export_pii"):
        raise PermissionDenied
    if qs.order_by()[: EXPORT_CAP + 1].count() > EXPORT_CAP:
        messages.error(request, _("符合条件的志愿者超过 %(n)s 人，请缩小范围后再导出。") % {"n": f"{EXPORT_CAP:,}"})
        return redirect(back)
    revealed = []

    def in_full(volunteer) -> bool:
        if full and volunteer_policy.can(user, "view_pii", volunteer):
            revealed.append(volunteer.pk)
            return True
        return False

    # In chunks: each chunk prefetches its own teams (a bounded IN list on every database).
    rows = selectors.with_teams(qs).order_by("region_path", "number").iterator(chunk_size=2000)
    sheet = roster_sheet(rows, in_full=in_full)
    # The filters go to the log, except the search text (it may be a full ID or phone number).
    filters = {k: v for k, v in form.cleaned_data.items() if k != "q" and v not in (None, "")}
    log_action(actor=user, action="volunteer.pii_exported" if full else "volunteer.exported",
               scope_path=form.region_obj.path if form.region_obj else "",
               changes={"rows": len(sheet.rows), "count": len(revealed), "filters": {k: str(v) for k, v in
                                                                                     filters.items()}})
    filename = _("志愿者名册-%(day)s.xlsx") % {"day": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(workbook([sheet]), filename)


def _place_refused(form) -> None:
    form.add_error("region_code", _("您不能在所填区域登记志愿者：请填写您工作范围内的区划代码，或选择您负责的单位、您所管的服务队。"))


# --- register and edit --------------------------------------------------------------------------------


@staff_or_leader_required
def create(request):
    volunteer_policy.check(request.user, "create")
    form = VolunteerForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = services.volunteer_register(actor=request.user, **form.register_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已登记志愿者 %(name)s，志愿者编号 %(number)s。")
                             % {"name": volunteer.name, "number": volunteer.number})
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(request, "volunteers/staff/form.html", {"form": form, "title": _("登记志愿者"),
                                                          "has_teams": managed_teams(request.user).exists()})


@staff_or_leader_required
def edit(request, pk):
    volunteer = volunteer_policy.get_visible(request.user, pk=pk)
    volunteer_policy.check(request.user, "change", volunteer)
    form = VolunteerForm(request.POST or None, user=request.user, instance=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_update(actor=request.user, volunteer=volunteer, **form.update_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _place_refused(form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(request, "volunteers/staff/form.html", {"form": form, "volunteer": volunteer,
                                                          "title": _("编辑志愿者信息")})


# --- the volunteer's page -----------------------------------------------------------------------------


@staff_or_leader_required
def detail(request, pk):
    user = request.user
    volunteer = volunteer_policy.get_visible(user, pk=pk)
    records = volunteer.records.select_related("team", "activity").order_by("-date", "-id")
    can_change = volunteer_policy.can(user, "change", volunteer)
    recent = list(records[:RECENT_RECORDS])
    for record in recent:
        record.can_change = record_policy.can(user, "change", record)
    return render(request, "volunteers/staff/detail.html", {
        "volunteer": volunteer,
        "age": volunteer.age_on(timezone.localdate()),
        "memberships": volunteer.memberships.select_related("team__region").order_by("-role", "team__name"),
        "next_star": services.next_star(volunteer.hours),
        "star_changes": volunteer.star_changes.all()[:20],
        "records": recent,
        "record_count": records.count(),
        "certificates": volunteer.certificates.all(),
        "can_view_pii": volunteer_policy.can(user, "view_pii", volunteer),
        "can_change": can_change,
        "can_leave": volunteer.left_on is None and volunteer_policy.can(user, "leave", volunteer),
        "leave_form": LeaveForm(initial={"left_on": timezone.localdate()}),
        "certificate_form": CertificateIssueForm(initial={
            "period_end": timezone.localdate(), "issuer_name": issuers_for(volunteer)[0]}) if can_change else None,
    })


@staff_or_leader_required
@require_POST
@never_cache
def reveal(request, pk):
    """The full ID and phone numbers, for a user allowed to see them (the service audits it)."""
    volunteer = volunteer_policy.get_visible(request.user, pk=pk)
    numbers = services.volunteer_reveal(actor=request.user, volunteer=volunteer)
    return render(request, "volunteers/staff/partials/_pii.html", {"volunteer": volunteer, "numbers": numbers})


@staff_or_leader_required
@require_POST
def leave(request, pk):
    volunteer = volunteer_policy.get_visible(request.user, pk=pk)
    volunteer_policy.check(request.user, "leave", volunteer)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未注销：注销日期无效。"))
        return redirect("volunteers:detail", pk=volunteer.pk)
    try:
        services.volunteer_leave(actor=request.user, volunteer=volunteer, on=form.cleaned_data["left_on"])
    except KepuError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("未注销：%(e)s") % {"e": "；".join(exc.messages)})
    else:
        messages.success(request, _("已注销该志愿者。其服务记录和时长仍予保留。"))
    return redirect("volunteers:detail", pk=volunteer.pk)


urlpatterns = [
    path("", volunteer_list, name="list"),
    path("new/", create, name="create"),
    path("export.xlsx", export, name="export"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/reveal/", reveal, name="reveal"),
    path("<int:pk>/leave/", leave, name="leave"),
]
