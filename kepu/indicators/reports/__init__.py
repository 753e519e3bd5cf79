"""The self-assessment report (Word), the scorecard (Excel) and the evidence archive (ZIP).

All three read one computation of the scorecard (`selectors.scorecard`): the submissions and their
files are already on it, so building a report issues no query per indicator. `wording` holds the
text the reports share; `word`, `workbook` and `archive` build one kind each.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import selectors
from ..models import ReportKind
from .archive import evidence_zip
from .word import docx_report
from .wording import Progress, no_progress, period_text
from .workbook import scorecard_workbook

__all__ = ["build_report", "content_type", "docx_report", "evidence_zip", "report_filename", "scorecard_workbook"]

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def build_report(assessment, kind: str, *, progress: Progress = no_progress) -> tuple[str, bytes]:
    """(file name, content) of the report `kind` ("docx", "xlsx", "zip") of `assessment`."""
    if kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    progress(5, _("正在计算指标结果"))
    card = selectors.scorecard(assessment)
    progress(40, _("正在生成文件"))
    if kind == ReportKind.DOCX:
        data = docx_report(card)
    elif kind == ReportKind.XLSX:
        data = scorecard_workbook(card)
    else:
        data = evidence_zip(assessment, card, progress)
    progress(99, _("正在保存"))
    return report_filename(assessment, kind), data


def report_filename(assessment, kind: str) -> str:
    """The download name, e.g. 永川区2024年度创建全国科普示范区自评报告.docx."""
    region, period = assessment.region.name, period_text(assessment)
    stem = {
        ReportKind.DOCX: _("%(region)s%(period)s创建全国科普示范区自评报告"),
        ReportKind.XLSX: _("%(region)s%(period)s指标得分表"),
        ReportKind.ZIP: _("%(region)s%(period)s佐证材料"),
    }[kind] % {"region": region, "period": period}
    return f"{stem}.{kind}"


def content_type(kind: str) -> str:
    return CONTENT_TYPES[kind]

