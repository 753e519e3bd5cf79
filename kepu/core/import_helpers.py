"""What the importers of every app share: reading yes/no and date cells, chunked lookups and a fast
batched INSERT (the framework itself is in kepu.core.imports)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from django.db import connection
from django.db.models import Model

BATCH = 2000
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "同意", "已同意"}
NO = {"否", "n", "no", "false", "0", "×", "✗", "不同意", "未同意"}


def compact(text: str) -> str:
    """The cell without any whitespace, with full-width brackets made ASCII: how names are compared."""
    return "".join(str(text).split()).replace("（", "(").replace("）", ")")


def parse_yes_no(raw: str) -> bool | None:
    """True for 是, False for 否, None for an empty cell; ValueError for anything else."""
    word = compact(raw).lower()
    if not word:
        return None
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(word)


def parse_date(raw: str) -> datetime.date:
    """A date from 1990-05-17, 1990/5/17, 1990.5.17, 1990年5月17日, 19900517 or an Excel date."""
    text = raw.strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial number the sheet did not format
        from openpyxl.utils.datetime import from_excel

        return from_excel(float(text)).date()
    if re.fullmatch(r"\d{8}", text):
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = DATE.match(text)
    if match is None:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups()))


def in_chunks(values) -> Iterator[list]:
    """`values` a few thousand at a time: one `__in` query per chunk for a whole file (SQLite
    refuses more parameters than that in one statement)."""
    values = list(values)
    size = min(5000, connection.features.max_query_params or 5000)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def insert_many(model: type[Model], columns: list[str], rows: list[tuple], constants: dict) -> None:
    """INSERT `rows` (values for `columns`, field attnames) with `constants` in every row.

    What bulk_create does, without its work per field of every object, and on PostgreSQL with COPY
    instead of INSERT statements: 100,000 roster rows of 28 columns take about 5 s instead of
    20 (bench/volunteers_import.py). Values reach the database as Django prepares them: constants
    through the field's own get_db_prep_save, dates through the backend's adapter, text and ids as
    they are, anything else through get_db_prep_save one by one. Every concrete field must be
    given: a field added to the model fails loudly here rather than going in empty. No signals
    are sent and no objects come back.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    missing = set(fields) - set(columns) - set(constants)
    if missing or set(columns) & set(constants):
        raise TypeError(f"insert_many({model.__name__}): set each field once; missing {sorted(missing)}")
    ops = connection.ops
    convert = []
    for name in columns:
        field = fields[name]
        kind = field.get_internal_type()
        if kind in ("CharField", "TextField", "ForeignKey", "OneToOneField"):
            convert.append(None)
        elif kind == "DateField":
            convert.append(ops.adapt_datefield_value)
        else:
            convert.append(lambda value, field=field: field.get_db_prep_save(value, connection))
    fixed = tuple(fields[name].get_db_prep_save(value, connection) for name, value in constants.items())
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(fields[n].column) for n in [*columns, *constants])

    def prepared(chunk):
        return [tuple(v if c is None else c(v) for v, c in zip(row, convert, strict=True)) + fixed for row in chunk]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared(rows):
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + len(fixed)))})"
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, prepared(rows[start:start + BATCH]))
