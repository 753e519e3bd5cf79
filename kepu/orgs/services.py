"""Writes to units: every one atomic, scope-checked and audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.regions.models import Region

from .models import Unit
from .policies import unit_policy

EDITABLE_FIELDS = ("name", "type", "region", "parent", "aliases", "contact_name", "contact_phone", "email", "address")


def _check_parent(*, actor, unit: Unit, parent: Unit | None) -> None:
    if parent is None:
        return
    if actor is not None and not unit_policy.visible_to(actor).filter(pk=parent.pk).exists():
        raise ValidationError({"parent": _("上级单位不存在或不在您的管理范围内。")})
    node, hops = parent, 0
    while node is not None and hops < 50:
        if unit.pk and node.pk == unit.pk:
            raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})
        node, hops = node.parent, hops + 1


@transaction.atomic
def unit_create(*, actor, name: str, type: str, region: Region, parent: Unit | None = None,
                aliases: list[str] | None = None, contact_name: str = "", contact_phone: str = "",
                email: str = "", address: str = "", is_demo: bool = False) -> Unit:
    """Add a unit in a region the actor administers."""
    unit_policy.check(actor, "add", region)
    unit = Unit(name=name.strip(), type=type, region=region, parent=parent, aliases=aliases or [],
                contact_name=contact_name, contact_phone=contact_phone, email=email,
                address=address, is_demo=is_demo)
    _check_parent(actor=actor, unit=unit, parent=parent)
    unit.full_clean()
    unit.save()
    log_action(actor=actor, action="unit.created", obj=unit,
               changes={"name": unit.name, "type": unit.type, "region": region.code})
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, unchanged_since=None, **fields) -> Unit:
    """Change the given fields of a unit; a unit liaison may change only the contact fields.

    As with regions, only the given fields are written onto the locked row, and `unchanged_since`
    refuses a form opened before someone else saved.
    """
    unit_policy.check(actor, "change", unit)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unit_update does not take {sorted(unknown)}")
    allowed = unit_policy.changeable_fields(actor, unit)
    unit = Unit.objects.select_for_update().select_related("region").get(pk=unit.pk)
    check_unchanged(unit, unchanged_since)
    if allowed is not None:
        # A liaison's form only offers contact fields; anything else present must be unchanged.
        forbidden = {f for f in set(fields) - allowed if getattr(unit, f) != fields[f]}
        if forbidden:
            raise PermissionDenied
    if "region" in fields and fields["region"] != unit.region:
        unit_policy.check(actor, "add", fields["region"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    if "parent" in fields:
        _check_parent(actor=actor, unit=unit, parent=fields["parent"])
    changes = apply_changes(unit, fields)
    if changes:
        unit.full_clean()
        unit.save()
        log_action(actor=actor, action="unit.updated", obj=unit, changes=changes)
    return unit
