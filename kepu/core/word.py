"""Word documents in the layout Chinese offices file (GB/T 9704), for the reports of every app.

A4 with the standard margins and the page number in the footer; the title in 方正小标宋 二号, headings
in 黑体 (一、) and 楷体 (（一）) 三号, the body in 仿宋 三号 on a fixed 28 pt line, tables in 宋体 五号, the
signature and the date at the bottom right. Also the words documents write numbers and dates in.

python-docx is imported inside the functions: only the requests that build a document pay for it.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋", "宋体"
TITLE_STYLE, TABLE_STYLE = "报告标题", "表格文字"
INDENT_PT = 32  # two characters of 三号
LOCAL = ZoneInfo("Asia/Shanghai")


# --- words ---------------------------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (section numbers)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def section_number(n: int) -> str:
    """一、二、… in Chinese documents; 1, 2, … in English ones."""
    return chinese_number(n) if (get_language() or "zh").startswith("zh") else str(n)


def chinese_date(day) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def local_time(moment):
    return timezone.localtime(moment, LOCAL)


def when_text(moment) -> str:
    local = local_time(moment)
    return f"{chinese_date(local)} {local:%H:%M}"


def shorten(text: str, limit: int = 60) -> str:
    """The text up to `limit` characters, cut after a clause where one ends in the second half."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) for mark in "。；，、;,")
    return (head[:cut] if cut > limit // 2 else head) + "……"


# --- the document --------------------------------------------------------------------------------------


def set_fonts(element, name: str) -> None:
    """Latin and East Asian font of a style or run; theme fonts would override them, so drop those."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _heading_style(style, font: str) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    style.font.size, style.font.bold, style.font.italic = Pt(16), False, False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, font)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(6), Pt(0)
    fmt.first_line_indent = Pt(INDENT_PT)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)


def _styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(16)
    set_fonts(normal.element, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)

    _heading_style(styles["Heading 1"], HEADING_FONT)
    _heading_style(styles["Heading 2"], SUBHEADING_FONT)

    title = styles.add_style(TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    title.style_id = "ReportTitle"  # Word's own ids are ASCII; the name shows in the style gallery
    title.base_style = normal
    title.font.size = Pt(22)
    set_fonts(title.element, TITLE_FONT)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(28)

    cell = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.style_id = "TableText"
    cell.base_style = normal
    cell.font.size = Pt(10.5)
    set_fonts(cell.element, TABLE_FONT)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.first_line_indent = Pt(0)


def _page(document) -> None:
    """A4 with the GB/T 9704 margins; “— 1 —” centred in the footer."""
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


def new_document():
    """An empty python-docx Document with the page, the styles and the footer set up."""
    from docx import Document

    document = Document()
    _styles(document)
    _page(document)
    return document


def add_title(document, text: str) -> None:
    document.add_paragraph(text, style=TITLE_STYLE)


def add_heading(document, text: str, level: int = 1) -> None:
    """一、… (level 1, 黑体) or （一）… (level 2, 楷体)."""
    document.add_heading(text, level=level)


def add_body(document, text: str, *, align=None, indent: bool = True, bold: bool = False) -> None:
    """One paragraph per non-empty line of `text`, indented two characters unless `indent` is False."""
    from docx.shared import Pt

    for line in filter(None, (s.strip() for s in str(text).splitlines())):
        p = document.add_paragraph()
        run = p.add_run(line)
        if bold:
            run.bold = True
        if indent:
            p.paragraph_format.first_line_indent = Pt(INDENT_PT)
        if align is not None:
            p.alignment = align


def add_table(document, rows, headers, widths_mm, *, left=(1,)) -> None:
    """A grid with a bold header row repeated on every page; the columns in `left` are aligned
    left (long texts), the others centred."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    style_id = document.styles[TABLE_STYLE].style_id  # set by id: looking a style up by object is slow
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
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
            elif c not in left:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def add_closing(document, signed_by: str, day) -> None:
    """The issuing unit and the date (in words) at the bottom right, after two empty lines."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document.add_paragraph("")
    document.add_paragraph("")
    add_body(document, signed_by, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    add_body(document, chinese_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)


def document_bytes(document, *, title: str, author: str) -> bytes:
    """The .docx file, with its title and author in the document properties."""
    props = document.core_properties
    props.title, props.author = title, author
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_response(data: bytes, filename: str):
    """A Word download with a UTF-8 file name, like `exports.xlsx_response`."""
    from .exports import xlsx_response

    response = xlsx_response(data, filename)
    response["Content-Type"] = DOCX
    return response
