"""What a user's role assignments let them reach: resolved once per request (after Sentry)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Role

STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}
# Roles that may change records in their region subtree (not only read them).
REGION_WRITE_ROLES = frozenset({Role.REGION_ADMIN})


@dataclass(frozen=True)
class Grant:
    assignment_id: int
    role: str
    region_id: int | None
    region_path: str  # the region's path, or for a unit grant the unit's region path
    region_name: str
    unit_id: int | None = None
    unit_name: str = ""


@dataclass
class Scope:
    user_id: int | None
    platform_admin: bool = False
    grants: list[Grant] = field(default_factory=list)

    @property
    def is_staff(self) -> bool:
        return self.platform_admin or any(g.role in STAFF_ROLES for g in self.grants)

    def has_role(self, *roles: str) -> bool:
        return self.platform_admin or any(g.role in roles for g in self.grants)

    def region_paths(self, roles=STAFF_ROLES) -> list[str]:
        """Roots of the region subtrees the user holds any of `roles` over."""
        return sorted({g.region_path for g in self.grants if g.unit_id is None and g.role in roles})

    def unit_ids(self, roles=STAFF_ROLES) -> set[int]:
        return {g.unit_id for g in self.grants if g.unit_id and g.role in roles}

    def unit_region_paths(self, roles=STAFF_ROLES) -> list[str]:
        return sorted({g.region_path for g in self.grants if g.unit_id and g.role in roles})

    def region_q(self, field: str = "region_path", roles=STAFF_ROLES):
        """The region part of a visibility filter: rows whose `field` lies in the user's region
        subtrees (none: a filter that keeps nothing); None when the user sees the whole tree."""
        from django.db.models import Q

        from kepu.regions.querysets import covers_whole_tree, subtree_q

        if self.platform_admin:
            return None
        roots = self.region_paths(roles)
        if covers_whole_tree(roots):
            return None
        return subtree_q(roots, field=field) if roots else Q(pk__in=[])

    def covers_path(self, path: str, roles=STAFF_ROLES) -> bool:
        """Whether `path` lies in a region subtree the user holds one of `roles` over."""
        if self.platform_admin:
            return True
        return any(path.startswith(root) for root in self.region_paths(roles))

    def ancestor_paths(self) -> set[str]:
        """Every region above a granted region or unit: shown for navigation, never editable."""
        out: set[str] = set()
        for g in self.grants:
            parts = g.region_path.strip("/").split("/")
            out.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
        return out


ANONYMOUS = Scope(user_id=None)


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_kepu_scope", None)
    if cached is not None:
        return cached
    from .models import RoleAssignment

    grants = []
    platform_admin = user.is_superuser
    rows = RoleAssignment.objects.filter(user=user).select_related("region", "unit__region")
    for a in rows:
        if a.role == Role.PLATFORM_ADMIN:
            platform_admin = True
            continue
        if a.region_id:
            grants.append(Grant(a.id, a.role, a.region_id, a.region.path, a.region.name))
        else:
            grants.append(
                Grant(
                    a.id, a.role, a.unit.region_id, a.unit.region.path, a.unit.region.name,
                    a.unit_id, a.unit.name,
                )
            )
    scope = Scope(user_id=user.pk, platform_admin=platform_admin, grants=grants)
    user._kepu_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's role assignments changed."""
    if hasattr(user, "_kepu_scope"):
        del user._kepu_scope
