"""The 任务分解表 tracking sheet and the bulletin as Excel."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kepu.core.exports import Sheet, workbook

from ..models import Plan, ReportStatus
from ..periods import period_label
from ..selectors import TaskRow
from .wording import (
    Bulletin,
    latest_unit,
    lead_text,
    percent_of,
    responsible_text,
    status_label,
    unit_label,
)

PERCENT = "0%"


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


def _latest_text(plan: Plan, row: TaskRow, unit_id: int | None) -> str:
    latest = row.latest
    if latest is None:
        return ""
    reporter = latest_unit(row) if not unit_id else None
    return f"{unit_label(reporter, plan)}：{latest.text}" if reporter is not None else latest.text


def _state_row(plan: Plan, row: TaskRow, state) -> list:
    last = state.reports[-1] if state.reports else None
    return [row.task.number, unit_label(state.unit, plan), _("是") if state.assignment.lead else "",
            state.assignment.percent / 100,
            period_label(plan.rhythm, last.period) if last else "", last.text if last else "",
            last.get_status_display() if last else _("未报送"),
            "、".join(period_label(plan.rhythm, no) for no in state.missing),
            sum(1 for r in state.reports if r.status == ReportStatus.RETURNED)]


def tracking_workbook(plan: Plan, rows: list[TaskRow], *, unit_id: int | None = None) -> bytes:
    """任务分解表 (one row per task) and 单位进展 (one row per task and unit)."""
    tasks = []
    for row in rows:
        latest, task = row.latest, row.task
        tasks.append([task.number, task.section.heading if task.section_id else "", task.text, lead_text(task),
                      responsible_text(row), status_label(row.board_status), percent_of(row, unit_id) / 100,
                      _latest_text(plan, row, unit_id), latest.reported_on if latest else None, task.due_on,
                      _yes(row.overdue)])
    units = [_state_row(plan, row, state) for row in rows for state in row.units]
    return workbook([
        Sheet(_("任务分解表"), [_("序号"), _("章节"), _("任务内容"), _("牵头单位"), _("责任单位"), _("状态"), _("完成进度"),
                             _("最新进展"), _("进展日期"), _("完成时限"), _("是否逾期")], tasks,
              formats={6: PERCENT, 8: "yyyy-mm-dd", 9: "yyyy-mm-dd"}),
        Sheet(_("单位进展"), [_("任务编号"), _("单位"), _("牵头"), _("完成进度"), _("最近报送期次"), _("最近进展"),
                            _("审核状态"), _("缺报期次"), _("退回次数")], units, formats={3: PERCENT}),
    ])


def bulletin_workbook(b: Bulletin) -> bytes:
    """通报汇总 (one row per unit named) and 明细 (one row per problem)."""
    plan = b.plan
    summary = [[u.label, u.missing, u.late_tasks, u.returned, u.total] for u in b.units]
    if b.units:
        summary.append([_("合计"), b.missing, b.late_tasks, b.returned, b.total])
    details = [[unit_label(p.unit, plan), p.task.number, p.task.text, p.label, p.period_text(plan),
                p.deadline, p.days, p.comment] for p in b.problems]
    return workbook([
        Sheet(_("通报汇总"), [_("单位"), _("缺报期次数"), _("逾期任务数"), _("退回未改数"), _("合计")], summary),
        Sheet(_("明细"), [_("单位"), _("任务编号"), _("任务内容"), _("问题类型"), _("期次"), _("截止日期"), _("逾期天数"),
                        _("审核意见")], details, formats={5: "yyyy-mm-dd"}),
    ])
