"""Load the reference data shipped in kepu/fixtures/reference (idempotent)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db import transaction

from .imports import get_importer, run_import

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


class ReferenceError(Exception):
    pass


def _functional_areas_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "level", "parent_code", "kind"])
    with open(REFERENCE_DIR / "functional-areas-chongqing.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            writer.writerow([row["key"], row["name"], "district", row["parent_code"], "functional_area"])
    return out.getvalue().encode()


def reference_files() -> list[tuple[str, str, bytes]]:
    """(import kind, file name, content) in the order they must load."""
    read = lambda name: (REFERENCE_DIR / name).read_bytes()  # noqa: E731
    return [
        ("regions", "regions-chongqing.csv", read("regions-chongqing.csv")),
        ("regions", "functional-areas-chongqing.csv", _functional_areas_csv()),
        ("regions", "towns-yongchuan-coded.csv", read("towns-yongchuan-coded.csv")),
        ("units", "units.csv", read("units.csv")),
    ]


_loaders: list = []


def register_reference_loader(func):
    """Apps add their own reference data (theme days, target groups ...) after the regions and units."""
    _loaders.append(func)
    return func


def read_reference_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def load_reference(*, actor=None) -> list[tuple[str, int, int]]:
    """Load every reference file; return (file, created, updated) per file."""
    report = []
    for kind, name, data in reference_files():
        result = run_import(get_importer(kind), data, filename=name, actor=actor)
        if not result.ok:
            raise ReferenceError(f"{name}: " + "; ".join(str(e) for e in result.errors[:5]))
        report.append((name, result.created, result.updated))
    for loader in _loaders:
        report.extend(loader())
    return report
