"""The Yongchuan standard is reference data: `kepu loadreference` loads it (a second load changes nothing)."""

from __future__ import annotations

from kepu.core.reference import REFERENCE_DIR, register_reference_loader

STANDARD_FILES = ("standard-yongchuan-2021-2025.yaml",)


@register_reference_loader
def load_standards() -> list[tuple[str, int, int]]:
    from .models import Standard
    from .services import standard_load
    from .standards import parse_standard

    report = []
    for name in STANDARD_FILES:
        spec = parse_standard((REFERENCE_DIR / name).read_bytes())
        if Standard.objects.filter(code=spec.code, source_digest=spec.digest).exists():
            report.append((name, 0, 0))
            continue
        _, created = standard_load(actor=None, spec=spec)
        report.append((name, int(created), int(not created)))
    return report
