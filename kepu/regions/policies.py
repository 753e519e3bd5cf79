from __future__ import annotations

from django.db.models import Q

from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy

from .models import Region
from .querysets import subtree_q


class RegionPolicy(Policy):
    """Staff see their subtrees and the regions above them; region admins change their subtrees."""

    model = Region

    def visible_to(self, user):
        return Region.objects.filter(self.visible_q(user))

    def visible_q(self, user, prefix: str = "") -> Q:
        """The visibility rule as a condition on `<prefix>path` (e.g. "children__" for counts)."""
        scope = scope_of(user)
        if scope.platform_admin:
            return Q()
        if not scope.grants:
            return Q(pk__in=[])
        return subtree_q(scope.region_paths(STAFF_ROLES), field=f"{prefix}path") | Q(
            **{f"{prefix}path__in": scope.ancestor_paths()}
        )

    def allows(self, scope, action, obj):
        if action in ("change", "add_child", "set_population"):
            return obj is not None and scope.covers_path(obj.path, REGION_WRITE_ROLES)
        return False

    def can_browse(self, user) -> bool:
        return scope_of(user).is_staff


region_policy = RegionPolicy()
