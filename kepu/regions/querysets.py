from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


def subtree_q(paths: Iterable[str], field: str = "path") -> models.Q:
    """Rows whose `field` lies in any of the subtrees rooted at `paths` (one indexed filter each).

    PostgreSQL serves LIKE 'prefix%' from the varchar_pattern_ops index; SQLite's LIKE is
    case-insensitive and skips the index, so there the prefix becomes a range, which the plain
    index serves (paths are compared bytewise and '/' sorts just before '0').
    """
    q = models.Q()
    for path in set(paths):
        if connection.vendor == "postgresql":
            q |= models.Q(**{f"{field}__startswith": path})
        else:
            upper = path[:-1] + chr(ord(path[-1]) + 1)
            q |= models.Q(**{f"{field}__gte": path, f"{field}__lt": upper})
    if not q:
        # An empty OR would match everything; no roots means nothing.
        return models.Q(pk__in=[])
    return q


def covers_whole_tree(paths: Iterable[str]) -> bool:
    """Whether the subtrees at `paths` hold every region (one of them is the only root).

    A filter that keeps everything is then left out: on SQLite it would otherwise steer the
    planner to the path index and make it sort the whole table instead of reading by date.
    """
    from .models import Region

    roots = [p for p in paths if p.count("/") == 1]
    if not roots:
        return False
    return set(Region.objects.filter(parent__isnull=True).values_list("path", flat=True)) <= set(roots)


class RegionQuerySet(models.QuerySet):
    def subtree(self, *roots) -> RegionQuerySet:
        """The given regions and everything below them."""
        return self.filter(subtree_q(r.path for r in roots))

    def with_latest_population(self) -> RegionQuerySet:
        from .models import Population

        latest = Population.objects.filter(region=models.OuterRef("pk")).order_by("-year")
        return self.annotate(
            population=models.Subquery(latest.values("residents")[:1]),
            population_year=models.Subquery(latest.values("year")[:1]),
        )

    def visible_to(self, user) -> RegionQuerySet:
        from .policies import region_policy

        return region_policy.visible_to(user) & self
