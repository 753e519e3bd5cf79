"""The self-assessment report as Word, in the layout of `kepu.core.word` (GB/T 9704): the basic
situation, one part per level-1 indicator with its table, the problems and the next steps."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.word import (
    add_body,
    add_closing,
    add_heading,
    add_table,
    add_title,
    document_bytes,
    new_document,
    section_number,
)

from .wording import (
    basic_text,
    evidence_names,
    local_time,
    next_steps_text,
    period_text,
    problem_lines,
    shorten,
    signatory,
    snapshot_text,
    status_text,
    top_of,
    value_lines,
)

# 编号 | 指标内容 | 数值 | 目标 | 状态 | 佐证材料, in millimetres (the 156 mm of an A4 text block).
COLUMN_MM = (16, 52, 22, 20, 16, 30)
LEFT_COLUMNS = (1, 5)  # 指标内容 and 佐证材料 are long texts


def indicator_rows(card, group) -> list[tuple[str, ...]]:
    """The table rows of a level-1 indicator's leaves."""
    top = top_of(card)
    rows = []
    for r in card.leaves:
        if top[r.code].pk != group.indicator.pk:
            continue
        value, target = value_lines(r)
        rows.append((r.code, shorten(r.indicator.title), value, target, status_text(r),
                     "\n".join(evidence_names(r)) or "—"))
    return rows


def docx_report(card) -> bytes:
    """The self-assessment report as a Word document."""
    assessment = card.assessment
    narratives = assessment.narratives or {}
    document = new_document()
    title = _("%(region)s创建全国科普示范区自评报告（%(period)s）") % {"region": assessment.region.name,
                                                                 "period": period_text(assessment)}
    add_title(document, title)

    number = iter(range(1, 100))
    add_heading(document, _("%(n)s、基本情况") % {"n": section_number(next(number))})
    add_body(document, narratives.get("basic") or "\n".join(basic_text(card)))
    add_body(document, snapshot_text(card))
    summary = [(g.indicator.code, g.indicator.title, str(g.total), str(g.met), f"{g.readiness * 100:.1f}%")
               for g in card.groups]
    summary.append(("", _("合计"), str(card.total), str(card.met), f"{card.readiness * 100:.1f}%"))
    add_table(document, summary, (_("编号"), _("一级指标"), _("指标数"), _("已达标"), _("达标率")), (16, 76, 20, 22, 22),
              left=LEFT_COLUMNS)

    headers = (_("编号"), _("指标内容"), _("数值"), _("目标"), _("状态"), _("佐证材料"))
    for group in card.groups:
        add_heading(document, _("%(n)s、%(name)s") % {"n": section_number(next(number)), "name": group.indicator.title})
        add_body(document, narratives.get(group.indicator.code) or _(
            "本部分共 %(total)d 项指标，已达标 %(met)d 项。") % {"total": group.total, "met": group.met})
        add_table(document, indicator_rows(card, group), headers, COLUMN_MM, left=LEFT_COLUMNS)

    add_heading(document, _("%(n)s、存在问题") % {"n": section_number(next(number))})
    problems = narratives.get("problems")
    if not problems:
        lines = problem_lines(card)
        problems = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)) or _("各项指标均已达标。")
    add_body(document, problems)
    add_heading(document, _("%(n)s、下一步工作") % {"n": section_number(next(number))})
    add_body(document, narratives.get("next_steps") or "\n".join(next_steps_text(card)))

    signed_by = signatory(assessment)
    add_closing(document, signed_by, local_time(timezone.now()))
    return document_bytes(document, title=title, author=signed_by)
