"""The participation report of an activity: counts by target group, narrative, evidence, submit, return."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.records import serve_stored_file
from kepu.core.views_common import staff_required

from .. import services
from ..forms import EvidenceForm, ReportForm, ReturnForm
from ..models import ActivityStatus, Evidence, ParticipationReport, TargetGroup
from ..policies import activity_policy


def _error_text(exc: ValidationError | KepuError) -> str:
    return exc.message if isinstance(exc, KepuError) else "；".join(exc.messages)


def _rows(activity, report, groups) -> list[dict]:
    """One row per target group: check-ins counted by the platform, and what the organizer entered."""
    attendance = services.registered_attendance(activity)
    general = next((g for g in groups if not g.is_key_group), None)
    stored = {c.group_id: c for c in report.counts.all()} if report else {}
    rows = []
    for group in groups:
        ids = [group.pk, None] if general is not None and group.pk == general.pk else [group.pk]
        registered = sum(attendance.get((gid, False), 0) for gid in ids)
        walk_in_checkins = sum(attendance.get((gid, True), 0) for gid in ids)
        count = stored.get(group.pk)
        # The stored walk-ins include the counted walk-in check-ins; the input holds only the rest.
        entered = max(0, count.walk_ins - walk_in_checkins) if count else 0
        online = count.online if count else 0
        rows.append({"group": group, "registered": registered, "walk_in_checkins": walk_in_checkins,
                     "walk_ins": entered, "online": online,
                     "total": registered + walk_in_checkins + entered + online})
    return rows


def _context(request, activity, form=None) -> dict:
    user = request.user
    report = (ParticipationReport.objects.filter(activity=activity)
              .select_related("returned_by", "submitted_by").prefetch_related("counts").first())
    groups = list(TargetGroup.objects.all())
    rows = _rows(activity, report, groups)
    can_edit = activity_policy.can(user, "report", activity) and activity.status == ActivityStatus.FINISHED
    if form is None and can_edit:
        initial = {"narrative": report.narrative if report else ""}
        for row in rows:
            initial[f"walk_ins_{row['group'].pk}"] = row["walk_ins"]
            initial[f"online_{row['group'].pk}"] = row["online"]
        form = ReportForm(initial=initial, groups=groups)
    if form is not None:
        for row in rows:
            row["walk_ins_field"] = form[f"walk_ins_{row['group'].pk}"]
            row["online_field"] = form[f"online_{row['group'].pk}"]
    return {
        "activity": activity,
        "report": report,
        "rows": rows,
        "totals": {key: sum(r[key] for r in rows) for key in ("registered", "walk_in_checkins", "walk_ins",
                                                                 "online", "total")},
        "form": form,
        "can_edit": can_edit,
        "evidence": report.evidence.select_related("uploaded_by") if report else [],
        "evidence_form": EvidenceForm() if can_edit else None,
        "can_return": activity_policy.can(user, "return_report", activity) and activity.status == ActivityStatus.REPORTED,
        "return_form": ReturnForm(),
    }


@staff_required
def report(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    if request.method != "POST":
        return render(request, "activities/staff/report.html", _context(request, activity))
    activity_policy.check(request.user, "report", activity)
    form = ReportForm(request.POST, groups=TargetGroup.objects.all())
    if form.is_valid():
        try:
            services.report_save(actor=request.user, activity=activity, narrative=form.cleaned_data["narrative"],
                                 counts=form.counts())
        except (ValidationError, KepuError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已保存参与情况。确认无误后请点击“报送”。"))
            return redirect("activities:report", pk=activity.pk)
    else:
        messages.error(request, _("参与情况未保存，请检查下方标出的项目。"))
    return render(request, "activities/staff/report.html", _context(request, activity, form), status=400)


@staff_required
@require_POST
def evidence_upload(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "report", activity)
    files = request.FILES.getlist("files")
    form = EvidenceForm(request.POST)
    description = form.cleaned_data["description"] if form.is_valid() else ""
    if not files:
        messages.error(request, _("请选择要上传的文件。"))
    added = 0
    for upload in files:
        try:
            services.evidence_add(actor=request.user, activity=activity, upload=upload, description=description)
        except (ValidationError, KepuError) as exc:
            messages.error(request, _("“%(name)s”未上传：%(reason)s") % {"name": upload.name, "reason": _error_text(exc)})
        else:
            added += 1
    if added:
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": added})
    return redirect("activities:report", pk=activity.pk)


def _evidence(request, pk, evidence_pk) -> Evidence:
    activity = activity_policy.get_visible(request.user, pk=pk)
    return get_object_or_404(Evidence.objects.select_related("report__activity"), pk=evidence_pk,
                             report__activity=activity)


@staff_required
def evidence(request, pk, evidence_pk):
    """Serve a piece of evidence through the activity's scope check (never from a public media URL)."""
    return serve_stored_file(_evidence(request, pk, evidence_pk))


@staff_required
@require_POST
def evidence_delete(request, pk, evidence_pk):
    item = _evidence(request, pk, evidence_pk)
    activity_policy.check(request.user, "report", item.report.activity)
    try:
        services.evidence_remove(actor=request.user, evidence=item)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": item.original_name})
    return redirect("activities:report", pk=pk)


@staff_required
@require_POST
def report_submit(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "report", activity)
    try:
        services.report_submit(actor=request.user, activity=activity)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("参与情况报告已报送。"))
    return redirect("activities:report", pk=activity.pk)


@staff_required
@require_POST
def report_return(request, pk):
    activity = activity_policy.get_visible(request.user, pk=pk)
    activity_policy.check(request.user, "return_report", activity)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("报告未退回：请填写退回意见。"))
        return redirect("activities:report", pk=activity.pk)
    try:
        services.report_return(actor=request.user, activity=activity, comment=form.cleaned_data["comment"])
    except (ValidationError, KepuError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已将报告退回主办单位修改。"))
    return redirect("activities:report", pk=activity.pk)


urlpatterns = [
    path("<int:pk>/report/", report, name="report"),
    path("<int:pk>/report/submit/", report_submit, name="report_submit"),
    path("<int:pk>/report/return/", report_return, name="report_return"),
    path("<int:pk>/report/evidence/", evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", evidence, name="evidence"),
    path("<int:pk>/evidence/<int:evidence_pk>/delete/", evidence_delete, name="evidence_delete"),
]
