"""The work plans' evidence source: for an indicator of an assessment, the files of the accepted
progress reports and of the done deliverables of the tasks linked to it, as far as the user may
see them (registered with core.evidence; loaded by WorkplansConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kepu.core.evidence import OfferedFile, register_evidence_source

from .models import DeliverableFile, IndicatorLink, ReportFile, ReportStatus, Task
from .periods import period_label
from .policies import deliverable_file_policy, report_file_policy

REPORT_FILE = "workplans.report-file"
DELIVERABLE_FILE = "workplans.deliverable-file"


def _reader(stored):
    def read() -> bytes:
        with stored.file.open("rb") as handle:
            return handle.read()

    return read


def _source(task: Task) -> tuple[str, str]:
    return _("工作任务 %(number)s") % {"number": task.number}, reverse("workplans:task_detail", args=[task.pk])


def _short(text: str, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _report_offer(f: ReportFile) -> OfferedFile:
    report = f.report
    task = report.assignment.task
    description = _("%(period)s进展（%(unit)s，%(percent)d%%）：%(text)s") % {
        "period": period_label(task.plan.rhythm, report.period), "unit": report.assignment.unit.full_name,
        "percent": report.percent, "text": _short(report.text)}
    if f.description:
        description = f"{description} · {f.description}"
    source, url = _source(task)
    return OfferedFile(key=f"{REPORT_FILE}:{f.pk}", name=f.original_name, description=description,
                       content_type=f.content_type, size=f.size, source=source, open=_reader(f), source_url=url)


def _deliverable_offer(f: DeliverableFile) -> OfferedFile:
    deliverable = f.deliverable
    description = _("成果“%(name)s”（%(unit)s，%(date)s 完成）") % {
        "name": deliverable.name, "unit": deliverable.done_unit.full_name if deliverable.done_unit_id else "—",
        "date": deliverable.done_on.isoformat()}
    if deliverable.note:
        description = f"{description}：{_short(deliverable.note)}"
    if f.description:
        description = f"{description} · {f.description}"
    source, url = _source(deliverable.task)
    return OfferedFile(key=f"{DELIVERABLE_FILE}:{f.pk}", name=f.original_name, description=description,
                       content_type=f.content_type, size=f.size, source=source, open=_reader(f), source_url=url)


@register_evidence_source
def task_evidence(*, assessment, indicator, user) -> list[OfferedFile]:
    """Files of the tasks linked to the indicator: accepted reports' and done deliverables'."""
    tasks = IndicatorLink.objects.filter(assessment=assessment, indicator=indicator).values("task_id")
    reports = (report_file_policy.visible_to(user)
               .filter(report__assignment__task_id__in=tasks, report__status=ReportStatus.ACCEPTED)
               .select_related("report__assignment__task__plan", "report__assignment__unit__region")
               .order_by("report__assignment__task__order", "report__period", "pk"))
    deliverables = (deliverable_file_policy.visible_to(user)
                    .filter(deliverable__task_id__in=tasks, deliverable__done_on__isnull=False)
                    .select_related("deliverable__task", "deliverable__done_unit__region")
                    .order_by("deliverable__task__order", "deliverable__order", "pk"))
    return [*map(_report_offer, reports), *map(_deliverable_offer, deliverables)]
