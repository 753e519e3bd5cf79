"""The documents of a plan: the yearly progress report (Word), the 任务分解表 tracking sheet (Excel) and
the 督查通报 supervision bulletin (Word and Excel).

Each reads the plan once through the selectors (one query for the tasks, one for the assignments,
one for every report of the plan), so the number of queries does not grow with tasks, units or
reports. `wording` holds what the documents share; `word` and `workbook` build one kind each.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from .. import selectors
from ..models import Plan
from .word import bulletin_docx, progress_docx
from .wording import Bulletin, bulletin_statuses, bulletin_unit, for_unit, sections_for_unit
from .workbook import bulletin_workbook, tracking_workbook

__all__ = ["bulletin_data", "bulletin_docx", "bulletin_filename", "bulletin_workbook", "progress_report",
           "tracking_sheet"]


def _stem(plan: Plan, unit) -> str:
    return f"{plan.code}-{unit.name}" if unit is not None else plan.code


def progress_report(plan: Plan, user, *, unit=None, today: datetime.date) -> tuple[str, bytes]:
    """(file name, .docx) of the yearly progress report of the plan, or of one unit's part of it; a
    liaison's report holds only its units' tasks."""
    unit_id = unit.pk if unit is not None else None
    groups = sections_for_unit(selectors.board(plan, user, unit_id=unit_id, today=today), unit_id)
    data = progress_docx(plan, groups, unit=unit, today=today)
    return _("%(stem)s-进展报告.docx") % {"stem": _stem(plan, unit)}, data


def tracking_sheet(plan: Plan, user, *, unit=None, today: datetime.date) -> tuple[str, bytes]:
    """(file name, .xlsx) of the 任务分解表 of the plan (or of one unit's tasks)."""
    unit_id = unit.pk if unit is not None else None
    rows = for_unit(selectors.task_rows(plan, user, unit_id=unit_id, today=today), unit_id)
    data = tracking_workbook(plan, rows, unit_id=unit_id)
    return _("%(stem)s-任务分解表.xlsx") % {"stem": _stem(plan, unit)}, data


def bulletin_data(plan: Plan, user, today: datetime.date) -> Bulletin:
    """The bulletin of `today`: the units with overdue or returned items, and the tasks by status."""
    entries = selectors.bulletin(plan, user, today)
    statuses = selectors.task_statuses(plan, user)
    return Bulletin(plan, today, [bulletin_unit(plan, e, today) for e in entries], bulletin_statuses(statuses, entries))


def bulletin_filename(plan: Plan, today: datetime.date, extension: str) -> str:
    return _("%(code)s-督查通报-%(date)s.%(ext)s") % {"code": plan.code, "date": today.isoformat(), "ext": extension}
