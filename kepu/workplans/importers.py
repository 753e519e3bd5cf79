"""`kepu import plan FILE.yaml`: a work plan in the YAML format of the 2022 Chongqing work points."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kepu.core.imports import DocumentChange, register_document_importer
from kepu.core.reference import REFERENCE_DIR

from .plans import parse_plan
from .services.plans import plan_load


def load_plan(data: bytes, *, filename: str, actor) -> list[DocumentChange]:
    """Create the plan of the file, or bring the plan with its code up to the file."""
    spec = parse_plan(data)
    plan, action = plan_load(actor=actor, spec=spec)
    changes = [DocumentChange(f"plan {plan.code} ({plan.title})", action,
                              f"{len(spec.sections)} sections, {len(spec.tasks)} tasks, "
                              f"{plan.members.count()} member units")]
    for name, numbers in sorted(plan.unmatched_units.items()):
        where = ", ".join(numbers) if numbers else "members"
        changes.append(DocumentChange(f"unit name {name}", "unmatched", f"tasks {where}: map it on the plan page"))
    return changes


register_document_importer("plan", load_plan, label=_("工作计划"),
                           template=REFERENCE_DIR / "cq-2022-work-points.yaml")
