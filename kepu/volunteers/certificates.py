"""A certificate of service hours (志愿服务时长证明) as Word (.docx) and PDF.

Both documents say the same things, in the same order, built once by `certificate_text`: the
figures as issued (stored on the Certificate), the masked ID number only, and where the figures
come from. The PDF uses reportlab's built-in CID font STSong-Light, so no font file is needed;
the Word file names 宋体 as the East Asian font and leaves rendering to Word.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Certificate

SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK_FONT = "宋体"
PDF_FONT = "STSong-Light"


def chinese_date(day: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def stars_text(stars: int) -> str:
    return _("%(n)d 星") % {"n": stars} if stars else _("未评星级")


@dataclass(frozen=True)
class CertificateText:
    title: str
    serial: str
    body: str
    facts: list[tuple[str, str]]
    source: str
    issuer: str
    date: str


def certificate_text(certificate: Certificate) -> CertificateText:
    """What the certificate says, in the active language."""
    volunteer = certificate.volunteer
    start = certificate.period_start or volunteer.registered_on
    start_text = chinese_date(start) if certificate.period_start else _("注册之日（%(d)s）") % {"d": chinese_date(start)}
    period = _("%(start)s至%(end)s") % {"start": start_text, "end": chinese_date(certificate.period_end)}
    hours = f"{certificate.hours:.1f}"
    body = _(
        "兹证明 %(name)s（志愿者编号 %(number)s）%(period)s参加科技志愿服务，经认定的服务时长累计 %(hours)s 小时，"
        "参加志愿服务 %(records)d 次。"
    ) % {"name": volunteer.name, "number": volunteer.number, "period": period, "hours": hours,
         "records": certificate.records}
    facts = [
        (_("姓名"), volunteer.name),
        (_("身份证号码"), volunteer.id_masked),
        (_("志愿者编号"), volunteer.number),
        (_("服务期间"), period),
        (_("认定服务时长"), _("%(h)s 小时") % {"h": hours}),
        (_("服务次数"), _("%(n)d 次") % {"n": certificate.records}),
        (_("星级"), stars_text(certificate.stars)),
    ]
    issued = timezone.localtime(certificate.issued_at, SHANGHAI).date() if certificate.issued_at \
        else timezone.localdate(timezone=SHANGHAI)
    return CertificateText(
        title=_("志愿服务时长证明"),
        serial=_("证明编号：%(serial)s") % {"serial": certificate.serial},
        body=body,
        facts=facts,
        source=_("以上数据来自 Kepu 科普平台中经认定的志愿服务记录。"),
        issuer=certificate.issuer_name,
        date=chinese_date(issued),
    )


def file_name(certificate: Certificate, ext: str) -> str:
    return _("志愿服务时长证明-%(serial)s.%(ext)s") % {"serial": certificate.serial, "ext": ext}


# --- Word ----------------------------------------------------------------------------------------------


def render_docx(certificate: Certificate) -> bytes:
    """The certificate as a Word document."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    text = certificate_text(certificate)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = CJK_FONT
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)

    def paragraph(value: str, *, size: int = 12, bold: bool = False, align=None, space_after: int = 6):
        p = document.add_paragraph()
        run = p.add_run(value)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = CJK_FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        return p

    paragraph(text.title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=4)
    paragraph(text.serial, size=10, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=18)
    body = paragraph(text.body, space_after=12)
    body.paragraph_format.first_line_indent = Pt(24)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in text.facts:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        for cell in cells:
            for run in cell.paragraphs[0].runs:
                run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
    paragraph("", space_after=6)
    paragraph(text.source, size=10, space_after=36)
    paragraph(text.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=4)
    paragraph(text.date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    core = document.core_properties
    core.title, core.author = text.title, text.issuer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 PDF."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    text = certificate_text(certificate)
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    small = ParagraphStyle("small", parent=base, fontSize=10, leading=16)
    serial = ParagraphStyle("serial", parent=small, alignment=TA_RIGHT)
    body = ParagraphStyle("indent", parent=base, firstLineIndent=24)

    facts = Table([[Paragraph(escape(label), base), Paragraph(escape(value), base)] for label, value in text.facts],
                  colWidths=[40 * mm, 110 * mm])
    facts.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [
        Paragraph(escape(text.title), title), Spacer(1, 4 * mm),
        Paragraph(escape(text.serial), serial), Spacer(1, 8 * mm),
        Paragraph(escape(text.body), body), Spacer(1, 6 * mm),
        facts, Spacer(1, 6 * mm),
        Paragraph(escape(text.source), small), Spacer(1, 18 * mm),
        Paragraph(escape(text.issuer), right),
        Paragraph(escape(text.date), right),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=text.title, author=text.issuer,
                            leftMargin=25 * mm, rightMargin=25 * mm, topMargin=30 * mm, bottomMargin=25 * mm)
    doc.build(story)
    return out.getvalue()
