from __future__ import annotations

from django.db.models import Q, QuerySet

from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.regions.querysets import subtree_q

from .models import AuditEntry


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    """Platform admins read the whole log; region admins read what happened in their subtrees."""
    scope = scope_of(user)
    qs = AuditEntry.objects.select_related("content_type")
    if scope.platform_admin:
        return qs
    roots = scope.region_paths(REGION_WRITE_ROLES)
    if not roots:
        return qs.none()
    return qs.filter(subtree_q(roots, field="scope_path"))


def audit_entries(user, *, object_type: str = "", object_id: str = "", actor: str = "",
                  action: str = "") -> QuerySet[AuditEntry]:
    """The audit log a user may read, filtered by object (app_label.model + id), actor and action."""
    qs = audit_entries_visible_to(user)
    if object_type and "." in object_type:
        app_label, model = object_type.lower().split(".", 1)
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(Q(actor__username=actor) | Q(actor_name=actor))
    if action:
        qs = qs.filter(action__startswith=action)
    return qs
