"""Background generation of the self-assessment report, the scorecard workbook and the evidence archive."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from .models import JobStatus, ReportJob


@task()
def generate_report(job_id: int) -> str:
    """Build the job's file, saving the progress as it goes; returns the job's final status."""
    from .reports import build_report

    job = ReportJob.objects.select_related("assessment__region", "assessment__standard").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return job.status if job else "missing"
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=1)

    def progress(percent: int, message: str = "") -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=max(1, min(99, int(percent))), message=message[:300])

    try:
        filename, data = build_report(job.assessment, job.kind, progress=progress)
    except Exception as exc:  # the page shows the failure; the worker log keeps the traceback
        ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(exc)[:300],
                                                   finished_at=timezone.now())
        raise
    job.file.save(filename, ContentFile(data), save=False)
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, progress=100, message="", file=job.file.name,
                                               finished_at=timezone.now())
    return JobStatus.DONE
