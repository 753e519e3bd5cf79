from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Region
from .policies import region_policy


def covered_regions(user) -> QuerySet[Region]:
    """Regions whose figures the user may see: their own subtrees (not the regions above them, which
    region_policy shows them for navigation)."""
    from kepu.accounts.scope import STAFF_ROLES, scope_of

    from .querysets import subtree_q

    scope = scope_of(user)
    if scope.platform_admin:
        return Region.objects.all()
    return Region.objects.filter(subtree_q(scope.region_paths(STAFF_ROLES)))


def region_roots(user) -> QuerySet[Region]:
    """Where the tree starts for this user: the top of what they can see."""
    visible = region_policy.visible_to(user)
    top = visible.order_by("depth").values_list("depth", flat=True).first()
    if top is None:
        return visible.none()
    return _tree_nodes(user, visible.filter(depth=top))


def region_children(user, region: Region) -> QuerySet[Region]:
    """The visible direct children of a region, with their visible child counts and population."""
    return _tree_nodes(user, region_policy.visible_to(user).filter(parent=region))


def _tree_nodes(user, qs: QuerySet[Region]) -> QuerySet[Region]:
    visible_child = region_policy.visible_q(user, prefix="children__")
    return (qs.annotate(child_count=Count("children", filter=visible_child, distinct=True))
            .with_latest_population().order_by("code"))


def region_search(user, query: str, limit: int = 100) -> QuerySet[Region]:
    """Visible regions whose name contains the query or whose code starts with it."""
    query = query.strip()
    qs = region_policy.visible_to(user).select_related("parent")
    if not query:
        return qs.none()
    return qs.filter(Q(name__icontains=query) | Q(code__startswith=query)).order_by("depth", "code")[:limit]


def region_breadcrumbs(user, region: Region) -> list[Region]:
    """The visible regions from the top down to this one."""
    return list(region_policy.visible_to(user).filter(path__in=region.ancestor_paths()).order_by("depth"))
