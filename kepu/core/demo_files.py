"""Files for the demo data: real documents (a PDF with Chinese text) rather than placeholders."""

from __future__ import annotations

import io

PDF_FONT = "STSong-Light"


def _wrap(text: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase import pdfmetrics

    lines, line, used = [], "", 0.0
    for ch in text:
        w = pdfmetrics.stringWidth(ch, PDF_FONT, size)
        if used + w > width and line:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    return [*lines, line] if line else lines


def evidence_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A one-page A4 PDF with a title and paragraphs in Chinese."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(title)
    page.setFont(PDF_FONT, 16)
    page.drawString(72, 770, title)
    page.setFont(PDF_FONT, 11)
    y = 736
    for paragraph in paragraphs:
        for line in _wrap(paragraph, 11, A4[0] - 144):
            if y < 72:
                break
            page.drawString(72, y, line)
            y -= 18
        y -= 8
    page.showPage()
    page.save()
    return out.getvalue()
