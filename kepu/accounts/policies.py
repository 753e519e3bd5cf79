from __future__ import annotations

from django.db.models import Q

from kepu.core.policies import Policy
from kepu.regions.querysets import subtree_q

from .models import Role, RoleAssignment
from .scope import REGION_WRITE_ROLES, scope_of


class RoleAssignmentPolicy(Policy):
    """Region admins see and manage the role assignments inside their subtrees."""

    model = RoleAssignment

    def visible_to(self, user):
        scope = scope_of(user)
        qs = RoleAssignment.objects.select_related("user", "region", "unit__region")
        if scope.platform_admin:
            return qs
        roots = scope.region_paths(REGION_WRITE_ROLES)
        if not roots:
            return qs.filter(user_id=scope.user_id) if scope.user_id else qs.none()
        return qs.filter(
            subtree_q(roots, field="region__path") | subtree_q(roots, field="unit__region__path")
            | Q(user_id=scope.user_id)
        )

    def allows(self, scope, action, obj):
        if action in ("grant", "revoke") and obj is not None:
            if obj.role == Role.PLATFORM_ADMIN:
                return False
            path = obj.region.path if obj.region_id else obj.unit.region.path
            return scope.covers_path(path, REGION_WRITE_ROLES)
        if action == "manage":
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        return False


role_assignment_policy = RoleAssignmentPolicy()
