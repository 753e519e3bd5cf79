"""An assessment's reports: ask for the Word report, the Excel scorecard or the evidence archive; the
page lists the jobs, polls those still running, and serves the finished files."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from kepu.core.errors import KepuError
from kepu.core.views_common import staff_required

from .. import services
from ..models import JobStatus, ReportJob, ReportKind
from ..policies import assessment_policy
from ..reports import content_type, report_filename

JOBS_SHOWN = 30


def _job(request, pk) -> ReportJob:
    """A job of an assessment the user may see; any other is 404, as if it did not exist."""
    jobs = ReportJob.objects.filter(assessment__in=assessment_policy.visible_to(request.user))
    return get_object_or_404(jobs.select_related("assessment__region", "assessment__standard", "requested_by"),
                             pk=pk)


@staff_required
def report_jobs(request, pk):
    assessment = assessment_policy.get_visible(request.user, pk=pk)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            job = services.report_request(actor=request.user, assessment=assessment, kind=kind)
        except KepuError as exc:
            messages.error(request, exc.message)
        else:
            job.refresh_from_db(fields=["status"])  # run already where tasks run immediately
            name = job.get_kind_display()
            if job.status == JobStatus.DONE:
                messages.success(request, _("已生成“%(kind)s”，请在下表下载。") % {"kind": name})
            elif job.status == JobStatus.FAILED:
                messages.error(request, _("“%(kind)s”生成失败，请稍后重试或联系管理员。") % {"kind": name})
            else:
                messages.success(request, _("已开始生成“%(kind)s”，完成后可在下表下载。") % {"kind": name})
        return redirect("indicators:report_jobs", pk=assessment.pk)
    jobs = assessment.report_jobs.select_related("requested_by")[:JOBS_SHOWN]
    return render(request, "indicators/report_jobs.html",
                  {"assessment": assessment, "jobs": jobs, "kinds": ReportKind.choices, "shown": JOBS_SHOWN})


@staff_required
def report_job(request, pk):
    """One job's row: what the jobs page polls while the job runs."""
    job = _job(request, pk)
    if not request.htmx:
        return redirect("indicators:report_jobs", pk=job.assessment_id)
    return render(request, "indicators/partials/_report_job.html", {"job": job})


@staff_required
def report_download(request, pk):
    job = _job(request, pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    # The stored name is made safe for the disk; the download keeps the Chinese name (RFC 5987).
    response = FileResponse(handle, content_type=content_type(job.kind), as_attachment=True,
                            filename=report_filename(job.assessment, job.kind))
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("assessments/<int:pk>/reports/", report_jobs, name="report_jobs"),
    path("reports/<int:pk>/", report_job, name="report_job"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
]
