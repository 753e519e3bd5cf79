"""QR codes of registration tokens (segno): inline SVG for the page, PNG to save or print."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe

# Medium error correction: survives a scratched phone screen, keeps the code small.
ERROR = "m"


def qr_svg(content: str, *, title: str = "") -> SafeString:
    """An <svg> element that scales to its container (viewBox, no fixed size)."""
    code = segno.make(content, error=ERROR, micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-code", lineclass=None,
                          title=title or None, dark="#000", light="#fff")
    # segno writes the markup and XML-escapes the title.
    return mark_safe(svg)


def qr_png(content: str, *, scale: int = 8) -> bytes:
    """A PNG of the code, `scale` pixels per module, with the standard quiet zone."""
    code = segno.make(content, error=ERROR, micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
