"""The yearly progress report and the supervision bulletin as Word, in the layout of `kepu.core.word`."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from kepu.core.word import (
    add_body,
    add_closing,
    add_heading,
    add_title,
    chinese_date,
    document_bytes,
    new_document,
    section_number,
    shorten,
)

from ..models import Plan
from ..periods import period_label
from ..selectors import SectionRows, TaskRow
from .wording import (
    MISSING,
    RETURNED,
    TASK_LATE,
    Bulletin,
    count,
    issuer_of,
    latest_unit,
    lead_text,
    percent_of,
    problem_phrases,
    responsible_text,
    state_problems,
    status_label,
    unit_label,
)

TASK_TEXT = 80  # characters of a task's text in its heading line
PROGRESS_TEXT = 400  # characters of a progress report's text


def _document_ref(plan: Plan) -> str:
    """《title》（document number）"""
    number = f"（{plan.document_number}）" if plan.document_number else ""
    return f"《{plan.title}》{number}"


# --- the yearly progress report ------------------------------------------------------------------------


def _basic_text(plan: Plan, rows: list[TaskRow], unit, today: datetime.date) -> str:
    c = count(rows)
    if unit is None:
        head = _("%(plan)s共部署任务 %(n)d 项。") % {"plan": _document_ref(plan), "n": c.tasks}
    else:
        head = _("按照%(plan)s的部署，%(unit)s承担任务 %(n)d 项，其中牵头 %(lead)d 项。") % {
            "plan": _document_ref(plan), "unit": unit.full_name, "n": c.tasks, "lead": c.lead}
    status = _("截至%(date)s，已完成 %(done)d 项，推进中 %(progress)d 项，未开始 %(not_started)d 项，"
               "其中逾期 %(overdue)d 项。") % {
        "date": chinese_date(today), "done": c.done, "progress": c.in_progress, "not_started": c.not_started,
        "overdue": c.overdue}
    reports = _("共报送进展 %(sent)d 份，其中按时报送 %(on_time)d 份，逾期报送 %(late)d 份；被退回 %(returned)d 份；"
                "尚有 %(missing)d 期次进展逾期未报送。") % {
        "sent": c.on_time + c.late, "on_time": c.on_time, "late": c.late, "returned": c.returned,
        "missing": c.missing}
    return head + status + reports


def _latest_text(plan: Plan, row: TaskRow, unit) -> str:
    latest = row.latest
    if latest is None:
        return _("最新进展：尚未报送进展。")
    facts = [period_label(plan.rhythm, latest.period), chinese_date(latest.reported_on),
             _("完成 %(percent)d%%") % {"percent": latest.percent}]
    if unit is None:
        reporter = latest_unit(row)
        if reporter is not None:
            facts.insert(0, unit_label(reporter, plan))
    return _("最新进展（%(facts)s）：%(text)s") % {"facts": "，".join(facts),
                                              "text": shorten(latest.text, PROGRESS_TEXT)}


def _task(document, plan: Plan, row: TaskRow, unit, today: datetime.date) -> None:
    task = row.task
    add_body(document, f"{task.number}. {shorten(task.text, TASK_TEXT)}", bold=True)
    facts = _("牵头单位：%(lead)s；责任单位：%(units)s。") % {"lead": lead_text(task) or "—",
                                                       "units": responsible_text(row) or "—"}
    if task.due_on:
        facts += _("完成时限：%(date)s。") % {"date": chinese_date(task.due_on)}
    facts += _("当前状态：%(status)s，完成进度 %(percent)d%%。") % {
        "status": status_label(row.board_status), "percent": percent_of(row, unit and unit.pk)}
    add_body(document, facts)
    add_body(document, _latest_text(plan, row, unit))
    problems = [p for s in row.units for p in state_problems(plan, task, s, today)]
    if problems:
        phrases = problem_phrases(plan, problems, name_task=False) if unit is not None else _unit_phrases(plan, problems)
        add_body(document, _("存在问题：%(problems)s。") % {"problems": "；".join(phrases)})


NAMED_UNITS = 5  # a plan's report names this many units per problem, then says how many in all


def _unit_phrases(plan: Plan, problems) -> list[str]:
    """One phrase per kind of problem naming the units: 市科协、市教委等 12 个单位的进展逾期未报送."""
    units: dict[str, dict] = {kind: {} for kind in (MISSING, TASK_LATE, RETURNED)}
    for p in problems:
        units[p.kind].setdefault(p.unit.pk, unit_label(p.unit, plan))
    templates = {MISSING: _("%(units)s的进展逾期未报送"), TASK_LATE: _("%(units)s超期未完成"),
                 RETURNED: _("%(units)s的进展被退回后未重新报送")}
    out = []
    for kind, names in units.items():
        if not names:
            continue
        shown = "、".join(list(names.values())[:NAMED_UNITS])
        if len(names) > NAMED_UNITS:
            shown = _("%(names)s等 %(n)d 个单位") % {"names": shown, "n": len(names)}
        out.append(templates[kind] % {"units": shown})
    return out


def _sections(document, plan: Plan, groups: list[SectionRows], unit, today: datetime.date, level: int = 1) -> None:
    for group in groups:
        if not group.all_rows():
            continue
        heading = group.section.heading if group.section else _("其他任务")
        add_heading(document, heading, level=min(level, 2))
        for row in group.rows:
            _task(document, plan, row, unit, today)
        _sections(document, plan, group.children, unit, today, level + 1)


def progress_docx(plan: Plan, groups: list[SectionRows], *, unit=None, today: datetime.date) -> bytes:
    """The yearly progress report: the basic situation, then the plan's sections task by task."""
    if unit is None:
        title = _("%(plan)s年度推进情况报告") % {"plan": plan.title}
    else:
        title = _("%(unit)s关于%(plan)s落实情况的报告") % {"unit": unit.full_name, "plan": plan.title}
    document = new_document()
    add_title(document, title)
    rows = [r for g in groups for r in g.all_rows()]
    add_body(document, _basic_text(plan, rows, unit, today))  # the lead paragraph: the plan's parts are 一、二、…
    if not rows:
        add_body(document, _("没有可报告的任务。"))
    _sections(document, plan, groups, unit, today)
    signed_by = unit.full_name if unit is not None else issuer_of(plan)
    add_closing(document, signed_by, today)
    return document_bytes(document, title=title, author=signed_by)


# --- the supervision bulletin --------------------------------------------------------------------------


def _intro(b: Bulletin) -> str:
    plan = b.plan
    head = _("为推动%(plan)s各项任务落实，%(issuer)s对截至%(date)s各责任单位任务推进和进展报送情况进行了督查。") % {
        "plan": _document_ref(plan), "issuer": issuer_of(plan), "date": chinese_date(b.today)}
    if not b.units:
        return head + _("各责任单位均按时报送进展，未发现逾期未报送、超期未完成或退回未改的情况。现将有关情况通报如下。")
    return head + _("共有 %(units)d 个单位存在逾期未报送、超期未完成或退回未改的情况，涉及缺报进展 %(missing)d 期次、"
                    "超期未完成任务 %(late)d 项、退回未改进展 %(returned)d 份。现将有关情况通报如下。") % {
        "units": len(b.units), "missing": b.missing, "late": b.late_tasks, "returned": b.returned}


def _overview(b: Bulletin) -> str:
    s = b.statuses
    return _("%(plan)s共部署任务 %(total)d 项。截至%(date)s，已完成 %(done)d 项，推进中 %(progress)d 项，"
             "未开始 %(not_started)d 项，逾期 %(overdue)d 项，有进展被退回 %(returned)d 项。") % {
        "plan": _document_ref(b.plan), "total": s.get("total", 0), "date": chinese_date(b.today),
        "done": s.get("done", 0), "progress": s.get("in_progress", 0), "not_started": s.get("not_started", 0),
        "overdue": s.get("overdue", 0), "returned": s.get("returned", 0)}


def requirements(issuer: str) -> list[str]:
    """三、工作要求: the standard text."""
    return [
        _("（一）请被通报单位高度重视，对照本通报所列问题逐项整改，自通报印发之日起 5 个工作日内通过科普平台补报逾期进展、"
          "重新报送被退回的材料，并将整改情况报%(issuer)s。") % {"issuer": issuer},
        _("（二）各责任单位要压实工作责任，明确专人负责，严格按照报送频次和时限报送任务进展，确保各项任务按期完成。"),
        _("（三）%(issuer)s将持续跟踪督办，对整改不到位的单位，将在下一期督查通报中继续通报。") % {"issuer": issuer},
    ]


def bulletin_docx(b: Bulletin) -> bytes:
    """关于…落实情况的督查通报: overall situation, the units and their problems, the requirements."""
    plan, issuer = b.plan, issuer_of(b.plan)
    title = _("关于%(plan)s落实情况的督查通报") % {"plan": plan.title}
    document = new_document()
    add_title(document, title)
    add_body(document, _intro(b))
    add_heading(document, _("%(n)s、总体情况") % {"n": section_number(1)})
    add_body(document, _overview(b))
    add_heading(document, _("%(n)s、存在问题") % {"n": section_number(2)})
    if not b.units:
        add_body(document, _("本期未发现逾期未报送、超期未完成或退回未改的情况。"))
    for i, entry in enumerate(b.units, 1):
        add_body(document, _("%(i)d. %(unit)s：%(problems)s。") % {
            "i": i, "unit": entry.label, "problems": "；".join(problem_phrases(plan, entry.problems))})
    add_heading(document, _("%(n)s、工作要求") % {"n": section_number(3)})
    add_body(document, "\n".join(requirements(issuer)))
    add_closing(document, issuer, b.today)
    return document_bytes(document, title=title, author=issuer)
