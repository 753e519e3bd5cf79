"""The volunteer's own pages, made for the phone: sign up, my hours and stars, my duties with check-in,
needs near me, asking for hours, my certificates; and the certificate downloads and the staff's
issuing of a certificate (kept here because they share the certificate pieces)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.scope import scope_of
from kepu.activities.models import ActivityStatus
from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.orgs.models import Unit, UnitType
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .. import certificates, services
from ..me_forms import CertificateForm, HoursClaimForm, SignupForm
from ..models import (
    Certificate,
    Duty,
    Membership,
    RecordStatus,
    RequestStatus,
    ServiceRequest,
    Volunteer,
)
from ..policies import led_team_ids, request_policy, volunteer_policy

NEAR_REQUESTS = 10
RECENT_RECORDS = 20


def my_volunteer(user) -> Volunteer | None:
    return Volunteer.objects.filter(user=user).select_related("region").first() if user.is_authenticated else None


def district_prefix(region_path: str) -> str:
    """The district part of a region path ("500000/500118/" of "500000/500118/500118001/")."""
    return "/".join(region_path.strip("/").split("/")[:2]) + "/"


def star_progress(hours: Decimal) -> dict | None:
    """The next star level, the hours missing and the percentage of the way from the last level."""
    upcoming = services.next_star(hours)
    if upcoming is None:
        return None
    level, missing = upcoming
    thresholds = services.star_thresholds()
    floor = thresholds[level - 2] if level > 1 else Decimal(0)
    span = thresholds[level - 1] - floor
    percent = int((Decimal(hours) - floor) * 100 / span) if span else 0
    return {"level": level, "missing": missing, "threshold": thresholds[level - 1], "percent": max(0, min(100, percent))}


def issuers_for(volunteer: Volunteer) -> list[str]:
    """Who may appear as the issuer on a volunteer's own certificate: the units of their teams and
    the 科协 of their district and city."""
    names: list[str] = []
    teams = Unit.objects.filter(volunteer_teams__memberships__volunteer=volunteer).select_related("region")
    parts = volunteer.region_path.strip("/").split("/")
    ancestors = ["/".join(parts[:i]) + "/" for i in range(min(2, len(parts)), 0, -1)]
    associations = Unit.objects.filter(type=UnitType.ASSOCIATION, region__path__in=ancestors).select_related("region")
    for unit in [*sorted(associations, key=lambda u: -len(u.region.path)), *teams]:
        if unit.full_name not in names:
            names.append(unit.full_name)
    return names or [_("Kepu 科普平台")]


def _no_volunteer(request):
    messages.info(request, _("请先注册成为科技志愿者。"))
    return redirect("volunteers:signup")


# --- my page -------------------------------------------------------------------------------------------


@login_required
def me(request):
    user = request.user
    volunteer = my_volunteer(user)
    if volunteer is None:
        return render(request, "volunteers/me/invite.html", {})
    now = timezone.now()
    duties = list(Duty.objects.filter(
        volunteer=volunteer, activity__end__gte=now - services.CHECK_MARGIN,
        activity__status__in=[ActivityStatus.PUBLISHED, ActivityStatus.FINISHED],
    ).select_related("activity", "team").order_by("activity__start")[:20])
    for duty in duties:
        duty.in_window = services.check_window_open(duty.activity, now) and duty.record_id is None
        duty.is_today = timezone.localtime(duty.activity.start).date() == timezone.localdate()
    near = list(ServiceRequest.objects.filter(
        subtree_q([district_prefix(volunteer.region_path)], field="region_path"), status=RequestStatus.OPEN,
    ).select_related("region").order_by("window_start", "pk")[:NEAR_REQUESTS])
    leader = bool(led_team_ids(user))
    if leader and near:
        claimable = set(request_policy.visible_to(user).filter(pk__in=[r.pk for r in near]).values_list("pk", flat=True))
        for req in near:
            req.can_open = req.pk in claimable
    totals = dict(volunteer.records.values_list("status").annotate(n=Count("id")).order_by())
    pending_hours = volunteer.records.filter(status=RecordStatus.PENDING).aggregate(h=Sum("hours"))["h"] or 0
    return render(request, "volunteers/me/page.html", {
        "volunteer": volunteer,
        "progress": star_progress(volunteer.hours),
        "star_range": range(1, len(services.star_thresholds()) + 1),
        "star_changes": volunteer.star_changes.all()[:10],
        "records": volunteer.records.select_related("team").order_by("-date", "-id")[:RECENT_RECORDS],
        "record_counts": {s: totals.get(s, 0) for s in RecordStatus.values},
        "pending_hours": pending_hours,
        "memberships": Membership.objects.filter(volunteer=volunteer).select_related("team", "team__region"),
        "duties": duties,
        "near": near,
        "leader": leader,
        "certificates": volunteer.certificates.all()[:10],
    })


@login_required
def signup(request):
    user = request.user
    if my_volunteer(user) is not None:
        messages.info(request, _("您已经是注册科技志愿者。"))
        return redirect("volunteers:me")
    form = SignupForm(request.POST or None, user=user, initial=_signup_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = services.volunteer_register(actor=user, user=user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except KepuError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("注册成功！您的志愿者编号是 %(number)s。") % {"number": volunteer.number})
            return redirect("volunteers:me")
    return render(request, "volunteers/me/signup.html", {"form": form})


def _signup_initial(request) -> dict:
    """The district of the user's first grant, so a citizen of 永川区 finds it chosen."""
    for grant in scope_of(request.user).grants:
        if grant.region_path.count("/") >= 2:
            district = Region.objects.filter(path=district_prefix(grant.region_path)).first()
            if district is not None:
                return {"district": district.pk}
    return {}


@login_required
def claim(request):
    """Ask for hours served with one of my teams; a leader approves or rejects them."""
    user = request.user
    volunteer = my_volunteer(user)
    if volunteer is None:
        return _no_volunteer(request)
    if volunteer.left_on is not None:
        raise PermissionDenied
    form = HoursClaimForm(request.POST or None, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_claim(user=user, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已提交，等待服务队负责人审核。"))
            return redirect("volunteers:me")
    return render(request, "volunteers/me/claim.html", {"form": form, "has_teams": form.fields["team"].queryset.exists()})


@login_required
def my_certificate(request):
    """Issue a certificate of my verified hours, in the name of a unit I serve with."""
    user = request.user
    volunteer = my_volunteer(user)
    if volunteer is None:
        return _no_volunteer(request)
    form = CertificateForm(request.POST or None, issuers=issuers_for(volunteer))
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.certificate_issue(actor=user, volunteer=volunteer, **form.cleaned_data)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已出具证明 %(serial)s，可下载 Word 或 PDF 文件。") % {"serial": certificate.serial})
            return redirect("volunteers:my_certificate")
    return render(request, "volunteers/certificates/issue.html", {
        "form": form, "volunteer": volunteer, "own": True, "certificates": volunteer.certificates.all()[:20]})


# --- certificates --------------------------------------------------------------------------------------


def _certificate(request, pk) -> Certificate:
    """The certificate if its volunteer is the user or one the user may see; else 404."""
    certificate = Certificate.objects.select_related("volunteer").filter(pk=pk).first()
    if certificate is None:
        raise Http404
    volunteer = certificate.volunteer
    if volunteer.user_id != request.user.pk and not volunteer_policy.visible_to(request.user).filter(
            pk=volunteer.pk).exists():
        raise Http404
    return certificate


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_docx(request, pk):
    certificate = _certificate(request, pk)
    return _download(certificates.render_docx(certificate),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     certificates.file_name(certificate, "docx"))


@login_required
def certificate_pdf(request, pk):
    certificate = _certificate(request, pk)
    return _download(certificates.render_pdf(certificate), "application/pdf", certificates.file_name(certificate, "pdf"))


@login_required
def certificate_issue(request, pk):
    """Staff who may change the volunteer issue a certificate in their organization's name."""
    user = request.user
    volunteer = volunteer_policy.get_visible(user, pk=pk)
    volunteer_policy.check(user, "change", volunteer)
    form = CertificateForm(request.POST or None, initial={"issuer_name": (issuers_for(volunteer) or [""])[0]})
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.certificate_issue(actor=user, volunteer=volunteer, **form.cleaned_data)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已出具证明 %(serial)s。") % {"serial": certificate.serial})
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(request, "volunteers/certificates/issue.html", {
        "form": form, "volunteer": volunteer, "own": False, "certificates": volunteer.certificates.all()[:20]})


urlpatterns = [
    path("me/", me, name="me"),
    path("me/signup/", signup, name="signup"),
    path("me/claim/", claim, name="claim"),
    path("me/certificate/", my_certificate, name="my_certificate"),
    path("certificates/<int:pk>.docx", certificate_docx, name="certificate_docx"),
    path("certificates/<int:pk>.pdf", certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/certificate/", certificate_issue, name="certificate_issue"),
]
