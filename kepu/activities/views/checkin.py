"""Check-in for the organizer's staff, on a phone: scan or type a token, search a name or phone
number, count walk-ins. Under /activities/ (namespace "activities").
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import BootstrapMixin, add_service_errors

from .. import selectors, services
from ..models import CheckIn, TargetGroup
from ..policies import activity_policy
from .public import rate_limited

SEARCH_LIMIT = 30
# Alert colour of each outcome of services.checkin.
OUTCOME_STYLE = {"checked_in": "success", "already": "warning", "other_activity": "danger", "cancelled": "danger",
                 "waitlisted": "danger", "unknown": "danger"}
METHODS = {CheckIn.Method.SCAN, CheckIn.Method.TOKEN, CheckIn.Method.SEARCH}


class WalkInForm(BootstrapMixin, forms.Form):
    people = forms.IntegerField(label=pgettext_lazy("number of people", "人数"), min_value=1, max_value=100_000,
                                initial=1,
                                error_messages={"required": gettext_lazy("人数：请填写人数。"),
                                                "invalid": gettext_lazy("人数：请填写整数。"),
                                                "min_value": gettext_lazy("人数应在 1 到 100000 之间。"),
                                                "max_value": gettext_lazy("人数应在 1 到 100000 之间。")},
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    group = forms.ModelChoiceField(label=gettext_lazy("人群"), queryset=TargetGroup.objects.all(), required=False,
                                   empty_label=gettext_lazy("（不区分）"),
                                   error_messages={"invalid_choice": gettext_lazy("人群：请选择列表中的人群。")})


def _activity_for_checkin(request, pk):
    """The activity, if the user sees it (else 404) and may check people in to it (else 403)."""
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "checkin", activity)
    return activity


def _counts(activity) -> dict:
    counts = selectors.registration_counts(activity)
    return {"confirmed": counts.get("confirmed", 0), "waitlisted": counts.get("waitlisted", 0),
            "cancelled": counts.get("cancelled", 0), "checked_in": counts.get("checked_in", 0),
            "walk_ins": counts.get("walk_ins", 0)}


def _page(request, activity, *, result=None, walk_in_form=None, status=200):
    context = {"activity": activity, "counts": _counts(activity), "result": result,
               "style": OUTCOME_STYLE.get(result.outcome) if result else None,
               "walk_in_form": walk_in_form or WalkInForm()}
    return render(request, "activities/checkin/page.html", context, status=status)


@login_required
@require_GET
def checkin_page(request, pk):
    activity = _activity_for_checkin(request, pk)
    return _page(request, activity)


@login_required
@require_GET
def checkin_counts(request, pk):
    activity = _activity_for_checkin(request, pk)
    return render(request, "activities/checkin/_counts.html", {"activity": activity, "counts": _counts(activity)})


@login_required
@require_POST
def checkin_token(request, pk):
    activity = _activity_for_checkin(request, pk)
    rate = getattr(settings, "KEPU_CHECKIN_RATE", "120/min")
    if rate_limited("checkin", str(request.user.pk), rate):
        return render(request, "activities/checkin/_rate_limited.html", status=429)
    method = request.POST.get("method", "")
    method = method if method in METHODS else CheckIn.Method.TOKEN
    token = request.POST.get("token", "")[:500]
    if not token.strip():
        result = services.CheckInResult("unknown", _("请输入或扫描签到凭证。"))
    else:
        result = services.checkin(actor=request.user, activity=activity, token=token, method=method)
    if not request.htmx:
        return _page(request, activity, result=result)
    response = render(request, "activities/checkin/_result.html",
                      {"activity": activity, "result": result, "style": OUTCOME_STYLE[result.outcome]})
    if result.outcome == "checked_in":
        response["HX-Trigger"] = "checkin-done"
    return response


@login_required
@require_GET
def checkin_search(request, pk):
    activity = _activity_for_checkin(request, pk)
    query = request.GET.get("q", "").strip()[:50]
    rows = list(selectors.registrations_search(activity, query)[:SEARCH_LIMIT + 1]) if query else []
    context = {"activity": activity, "q": query, "rows": rows[:SEARCH_LIMIT], "more": len(rows) > SEARCH_LIMIT}
    if not request.htmx:
        return render(request, "activities/checkin/search.html", context)
    return render(request, "activities/checkin/_search.html", context)


@login_required
@require_POST
def walk_in(request, pk):
    activity = _activity_for_checkin(request, pk)
    form = WalkInForm(request.POST)
    done = None
    if form.is_valid():
        try:
            done = services.walkin_record(actor=request.user, activity=activity, people=form.cleaned_data["people"],
                                          group=form.cleaned_data["group"])
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
    if not request.htmx:
        if done is None:
            return _page(request, activity, walk_in_form=form)
        messages.success(request, _("已记录现场参与 %(n)d 人。") % {"n": done.people})
        return redirect("activities:checkin", pk=activity.pk)
    response = render(request, "activities/checkin/_walk_in.html",
                      {"activity": activity, "walk_in_form": WalkInForm() if done else form, "done": done})
    if done is not None:
        response["HX-Trigger"] = "checkin-done"
    return response


@require_http_methods(["GET", "POST"])
def checkin_by_link(request, token):
    """Where the QR code leads: staff confirm the check-in (GET asks, POST does it)."""
    if not request.user.is_authenticated:
        login = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "activities/checkin/link.html", {"login_url": login, "anonymous": True})
    registration = selectors.registration_by_token(token)
    if registration is None:
        return render(request, "activities/checkin/link.html", {"unknown": True}, status=404)
    activity = activity_policy.get_visible(request.user, pk=registration.activity_id)
    if not activity_policy.can(request.user, "checkin", activity):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        result = services.checkin(actor=request.user, activity=activity, token=registration.token,
                                  method=CheckIn.Method.SCAN)
    context = {"activity": activity, "registration": registration, "result": result,
               "style": OUTCOME_STYLE.get(result.outcome) if result else None,
               "checked_in": getattr(registration, "checkin", None)}
    return render(request, "activities/checkin/link.html", context)


urlpatterns = [
    path("<int:pk>/checkin/", checkin_page, name="checkin"),
    path("<int:pk>/checkin/token/", checkin_token, name="checkin_token"),
    path("<int:pk>/checkin/search/", checkin_search, name="checkin_search"),
    path("<int:pk>/checkin/counts/", checkin_counts, name="checkin_counts"),
    path("<int:pk>/walk-in/", walk_in, name="walk_in"),
    path("checkin/t/<str:token>/", checkin_by_link, name="checkin_by_link"),
]
