"""The audit log: every service write calls log_action inside its transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def _plain(value: Any) -> Any:
    """Make a field value JSON-friendly for the changes column."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | decimal.Decimal):
        return str(value)
    return value


def apply_changes(obj: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields on obj and return {field: [old, new]} for those that differ."""
    changes: dict[str, list[Any]] = {}
    for field, new in data.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def check_unchanged(obj: models.Model, unchanged_since) -> None:
    """Refuse a write based on a stale read: the row changed after the editor loaded it."""
    if unchanged_since is not None and getattr(obj, "updated_at", None) != unchanged_since:
        from django.utils.translation import gettext as _

        from .errors import Conflict

        raise Conflict(_("该记录在您打开后已被他人修改，请刷新页面后重新填写。"), code="stale")


def log_action(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    scope_path: str | None = None,
) -> AuditEntry:
    """Record one write with a dotted action code, e.g. `region.updated`."""
    if scope_path is None:
        scope_path = getattr(obj, "audit_scope_path", "") if obj is not None else ""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "system")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=dict(changes or {}),
        scope_path=scope_path or "",
    )
