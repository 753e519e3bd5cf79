"""The self-assessment report as Word, in the layout Chinese offices file (GB/T 9704): A4, title in
方正小标宋 二号, headings in 黑体 三号, body in 仿宋 三号 with a fixed 28 pt line, signature and date at
the bottom right."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .wording import (
    basic_text,
    chinese_date,
    chinese_number,
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

TITLE_FONT, HEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "仿宋", "宋体"
# 编号 | 指标内容 | 数值 | 目标 | 状态 | 佐证材料, in millimetres (the 156 mm of an A4 text block).
COLUMN_MM = (16, 52, 22, 20, 16, 30)


def _set_fonts(element, name: str) -> None:
    """Latin and East Asian font of a style or run; theme fonts would override them, so drop those."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(16)
    _set_fonts(normal.element, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)

    heading = styles["Heading 1"]
    heading.font.size, heading.font.bold, heading.font.color.rgb = Pt(16), False, RGBColor(0, 0, 0)
    _set_fonts(heading.element, HEADING_FONT)
    heading.paragraph_format.space_before, heading.paragraph_format.space_after = Pt(6), Pt(0)
    heading.paragraph_format.first_line_indent = Pt(32)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = Pt(28)

    title = styles.add_style("报告标题", WD_STYLE_TYPE.PARAGRAPH)
    title.style_id = "ReportTitle"  # Word's own ids are ASCII; the name shows in the style gallery
    title.base_style = normal
    title.font.size = Pt(22)
    _set_fonts(title.element, TITLE_FONT)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(28)

    cell = styles.add_style("表格文字", WD_STYLE_TYPE.PARAGRAPH)
    cell.style_id = "TableText"
    cell.base_style = normal
    cell.font.size = Pt(10.5)
    _set_fonts(cell.element, TABLE_FONT)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.first_line_indent = Pt(0)


def _page(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ").font.size = Pt(14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "28")
    props = OxmlElement("w:rPr")
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    footer.add_run(" —").font.size = Pt(14)


def _body(document, text: str, *, align=None, indent: bool = True) -> None:
    from docx.shared import Pt

    for line in filter(None, (s.strip() for s in str(text).splitlines())):
        p = document.add_paragraph(line)
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if align is not None:
            p.alignment = align


def _table(document, rows: list[tuple[str, ...]], headers: tuple[str, ...], widths_mm: tuple[int, ...]) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    style_id = document.styles["表格文字"].style_id  # set by id: looking a style up by object is slow
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for r, values in enumerate([headers, *rows]):
        for c, (cell, value) in enumerate(zip(table.rows[r].cells, values, strict=True)):
            cell.width = Mm(widths_mm[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p._p.get_or_add_pPr().style = style_id
            run = p.add_run(str(value))
            if r == 0:
                run.bold = True
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif c != 1 and c != 5:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER


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


def section_number(n: int) -> str:
    """一、二、… in Chinese reports; 1, 2, … in English ones."""
    return chinese_number(n) if (get_language() or "zh").startswith("zh") else str(n)


def docx_report(card) -> bytes:
    """The self-assessment report as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    assessment = card.assessment
    narratives = assessment.narratives or {}
    document = Document()
    _styles(document)
    _page(document)
    title = _("%(region)s创建全国科普示范区自评报告（%(period)s）") % {"region": assessment.region.name,
                                                                 "period": period_text(assessment)}
    document.add_paragraph(title, style="报告标题")

    number = iter(range(1, 100))
    document.add_heading(_("%(n)s、基本情况") % {"n": section_number(next(number))}, level=1)
    _body(document, narratives.get("basic") or "\n".join(basic_text(card)))
    _body(document, snapshot_text(card))
    summary = [(g.indicator.code, g.indicator.title, str(g.total), str(g.met), f"{g.readiness * 100:.1f}%")
               for g in card.groups]
    summary.append(("", _("合计"), str(card.total), str(card.met), f"{card.readiness * 100:.1f}%"))
    _table(document, summary, (_("编号"), _("一级指标"), _("指标数"), _("已达标"), _("达标率")), (16, 76, 20, 22, 22))

    headers = (_("编号"), _("指标内容"), _("数值"), _("目标"), _("状态"), _("佐证材料"))
    for group in card.groups:
        document.add_heading(_("%(n)s、%(name)s") % {"n": section_number(next(number)), "name": group.indicator.title},
                             level=1)
        _body(document, narratives.get(group.indicator.code) or _(
            "本部分共 %(total)d 项指标，已达标 %(met)d 项。") % {"total": group.total, "met": group.met})
        _table(document, indicator_rows(card, group), headers, COLUMN_MM)

    document.add_heading(_("%(n)s、存在问题") % {"n": section_number(next(number))}, level=1)
    problems = narratives.get("problems")
    if not problems:
        lines = problem_lines(card)
        problems = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)) or _("各项指标均已达标。")
    _body(document, problems)
    document.add_heading(_("%(n)s、下一步工作") % {"n": section_number(next(number))}, level=1)
    _body(document, narratives.get("next_steps") or "\n".join(next_steps_text(card)))

    document.add_paragraph("")
    document.add_paragraph("")
    signed_by = signatory(assessment)
    _body(document, signed_by, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _body(document, chinese_date(local_time(timezone.now())), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    props = document.core_properties
    props.title, props.author = title, signed_by
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

