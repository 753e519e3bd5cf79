"""Excel workbooks for pages and reports: one sheet per table, bold headers, numbers as numbers."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    # Excel number formats by column index, e.g. {3: "0.00%"}.
    formats: dict[int, str] = field(default_factory=dict)


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx with one sheet per table; cells keep their Python types (int, Decimal, date ...)."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(_BAD_TITLE.sub("_", str(sheet.title))[:31] or "Sheet")
        ws.append([str(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
        for column, number_format in sheet.formats.items():
            for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = number_format
        for i, header in enumerate(sheet.headers, start=1):
            width = max([_width(header), *(_width(r[i - 1]) for r in sheet.rows if len(r) >= i)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
    if not book.worksheets:
        book.create_sheet("Sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is None or isinstance(value, int | float | str | bool):
        return value
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, datetime):
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal | date):
        return value
    return str(value)


def _width(value) -> int:
    # CJK characters take two columns.
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A download with a UTF-8 file name (Chinese names survive in every browser)."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response
