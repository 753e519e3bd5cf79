"""The import framework: xlsx/csv -> validated rows -> all-or-nothing commit.

Every bulk import goes through run_import. A file with any bad row changes nothing; each error
names the row (as numbered in the spreadsheet, header = row 1), the column and the reason, in
Chinese. Columns are matched by their Chinese header or English key, in any order; extra
columns are ignored.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from .audit import log_action

MAX_ROWS = 200_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""

    def names(self) -> set[str]:
        return {_norm(n) for n in (self.key, self.header, *self.aliases)}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)d 行") % {"row": self.row} if self.row else _("文件")
        if self.column:
            where += f"「{self.column}」"
        return f"{where}: {self.message}"


class RowInvalid(Exception):
    """Raised by clean_row with one or more (column header, message) pairs."""

    def __init__(self, *problems: tuple[str, str]):
        super().__init__(problems)
        self.problems = list(problems)


class RowsInvalid(Exception):
    """Raised by commit for problems found only while writing (each names its row)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Importer:
    """Base class: subclasses name their columns and clean, check and commit rows."""

    kind: str = ""
    label: str = ""
    columns: list[Column] = []

    def clean_row(self, values: dict[str, str], row: int) -> Any:
        raise NotImplementedError

    def check_rows(self, rows: list[tuple[int, Any]]) -> list[RowError]:
        """Checks across rows (duplicates, references to other rows); none by default."""
        return []

    def commit(self, rows: list[tuple[int, Any]], *, actor) -> tuple[int, int, int]:
        """Write the cleaned rows; return (created, updated, skipped)."""
        raise NotImplementedError

    def header_of(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)


_importers: dict[str, type[Importer]] = {}


def register_importer(cls: type[Importer]) -> type[Importer]:
    _importers[cls.kind] = cls
    return cls


def get_importer(kind: str) -> Importer:
    return _importers[kind]()


def importer_kinds() -> list[str]:
    return sorted(_importers)


def _norm(name: str) -> str:
    return "".join(str(name).split()).lower().replace("（", "(").replace("）", ")")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a csv or xlsx file into its header and (row number, cells) pairs."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or data[:2] == b"PK":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif suffix in (".csv", ".txt", ""):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("无法识别文件编码，请使用 UTF-8 或 GBK 编码的 CSV 文件。"))
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ImportFileError(_("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件。") % {"suffix": suffix})
    if not rows:
        raise ImportFileError(_("文件是空的。"))
    header, body = rows[0], rows[1:]
    numbered = [(i + 2, r) for i, r in enumerate(body) if any(c for c in r)]
    if len(numbered) > MAX_ROWS:
        raise ImportFileError(_("文件超过 %(max)d 行，请分批导入。") % {"max": MAX_ROWS})
    return header, numbered


def run_import(importer: Importer, data: bytes | BinaryIO, *, filename: str, actor, dry_run=False):
    """Validate every row, then write all of them in one transaction, or nothing."""
    if not isinstance(data, bytes):
        data = data.read()
    result = ImportResult(kind=importer.kind, dry_run=dry_run)
    try:
        header, raw_rows = read_table(data, filename)
    except ImportFileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    result.headers = header
    result.total_rows = len(raw_rows)

    positions: dict[str, int] = {}
    for column in importer.columns:
        names = column.names()
        for index, name in enumerate(header):
            if _norm(name) in names:
                positions[column.key] = index
                break
        else:
            if column.required:
                result.errors.append(RowError(1, column.header, _("缺少必填列")))
    if result.errors:
        return result

    cleaned: list[tuple[int, Any]] = []
    for row_number, cells in raw_rows:
        values = {
            key: (cells[index] if index < len(cells) else "") for key, index in positions.items()
        }
        result.rows.append((row_number, cells))
        try:
            cleaned.append((row_number, importer.clean_row(values, row_number)))
        except RowInvalid as invalid:
            result.errors.extend(RowError(row_number, col, msg) for col, msg in invalid.problems)
    # Cross-row checks run on the rows that cleaned, so one pass shows every problem.
    result.errors.extend(importer.check_rows(cleaned))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result

    with transaction.atomic():
        try:
            result.created, result.updated, result.skipped = importer.commit(cleaned, actor=actor)
        except RowsInvalid as invalid:
            transaction.set_rollback(True)
            result.errors.extend(invalid.errors)
            return result
        if dry_run:
            transaction.set_rollback(True)
        else:
            log_action(
                actor=actor,
                action=f"import.{importer.kind}",
                changes={
                    "file": filename,
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                },
            )
    return result


def error_workbook(result: ImportResult) -> bytes:
    """The uploaded rows with an 错误 column, so the user can fix them in place."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("错误")
    sheet.append([*result.headers, _("错误")])
    by_row: dict[int, list[str]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(
            f"「{error.column}」{error.message}" if error.column else error.message
        )
    red = PatternFill("solid", fgColor="F8D7DA")
    width = len(result.headers)
    for row_number, cells in result.rows:
        messages = by_row.get(row_number, [])
        padded = (list(cells) + [""] * width)[:width]
        sheet.append([*padded, "；".join(messages)])
        if messages:
            for cell in sheet[sheet.max_row]:
                cell.fill = red
    for row_number in sorted(r for r in by_row if r <= 1):
        sheet.append([""] * len(result.headers) + ["；".join(by_row[row_number])])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook(importer: Importer) -> bytes:
    """An empty workbook with the importer's headers and a row of help."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(importer.label or importer.kind)[:31]
    sheet.append([c.header for c in importer.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = book.create_sheet(_("说明"))
    help_sheet.append([_("列"), _("必填"), _("说明")])
    for c in importer.columns:
        help_sheet.append([c.header, _("是") if c.required else _("否"), c.help])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- documents: one structured file (YAML) that becomes one object --------------------------------------


class DocumentInvalid(Exception):
    """Raised by a document loader with every problem found (in Chinese); nothing is written."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class DocumentChange:
    """What loading a document did to one object: `what` names it, `action` is created/updated/unchanged."""

    what: str
    action: str
    detail: str = ""


class DocumentLoader(Protocol):
    def __call__(self, data: bytes, *, filename: str, actor) -> list[DocumentChange]: ...


@dataclass(frozen=True)
class DocumentImporter:
    kind: str
    label: str
    load: DocumentLoader
    template: Path | None = None  # an example document that `--template` copies


@dataclass
class DocumentResult:
    kind: str
    dry_run: bool
    changes: list[DocumentChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_document_importers: dict[str, DocumentImporter] = {}


def register_document_importer(kind: str, load: DocumentLoader, *, label: str, template: Path | None = None) -> None:
    """Let `kepu import KIND FILE` load documents of this kind (a standard, a work plan) with `load`."""
    if kind in _importers:
        raise ValueError(f"import kind {kind!r} is already a table importer")
    _document_importers[kind] = DocumentImporter(kind, label, load, template)


def get_document_importer(kind: str) -> DocumentImporter | None:
    return _document_importers.get(kind)


def document_importer_kinds() -> list[str]:
    return sorted(_document_importers)


def run_document_import(importer: DocumentImporter, data: bytes, *, filename: str, actor,
                        dry_run: bool = False) -> DocumentResult:
    """Load one document in one transaction; on any error (or a dry run) nothing is written."""
    result = DocumentResult(kind=importer.kind, dry_run=dry_run)
    with transaction.atomic():
        try:
            result.changes = importer.load(data, filename=filename, actor=actor)
        except DocumentInvalid as invalid:
            transaction.set_rollback(True)
            result.errors = list(invalid.errors)
            return result
        if dry_run:
            transaction.set_rollback(True)
    return result
