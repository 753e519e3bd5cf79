"""`kepu import standard FILE.yaml`: an indicator standard in the YAML format of the Yongchuan file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kepu.core.imports import DocumentChange, DocumentInvalid, register_document_importer
from kepu.core.reference import REFERENCE_DIR

from .models import Kind, Standard
from .services import standard_load
from .standards import StandardFileError, parse_standard


def load_standard(data: bytes, *, filename: str, actor) -> list[DocumentChange]:
    """Create the standard of the file, or bring the standard with its code up to the file."""
    try:
        spec = parse_standard(data)
        unchanged = Standard.objects.filter(code=spec.code, source_digest=spec.digest).exists()
        standard, created = standard_load(actor=actor, spec=spec)
    except StandardFileError as exc:
        raise DocumentInvalid(exc.errors) from None
    leaves = sum(1 for i in spec.indicators if i.kind != Kind.GROUP)
    action = "created" if created else "unchanged" if unchanged else "updated"
    return [DocumentChange(f"standard {standard.code} ({standard.title})", action,
                           f"{len(spec.indicators)} indicators, {leaves} leaves, {len(spec.phases)} phases")]


register_document_importer("standard", load_standard, label=_("指标标准"),
                           template=REFERENCE_DIR / "standard-yongchuan-2021-2025.yaml")
