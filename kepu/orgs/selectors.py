from __future__ import annotations

from django.db.models import Q, QuerySet

from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import Unit
from .policies import unit_policy


def unit_list(user, *, region: Region | None = None, types: list[str] | None = None,
              query: str = "") -> QuerySet[Unit]:
    """Visible units, optionally in a region's whole subtree, of some types, matching a name."""
    qs = unit_policy.visible_to(user).select_related("region", "parent")
    if region is not None:
        qs = qs.filter(subtree_q([region.path], field="region__path"))
    if types:
        qs = qs.filter(type__in=types)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(aliases__icontains=query))
    return qs.order_by("region__path", "name", "id")


def parent_choices(user, region: Region) -> QuerySet[Unit]:
    """Units that may be a parent of a unit in `region`: visible ones in it or above it."""
    return (unit_policy.visible_to(user).filter(region__path__in=region.ancestor_paths())
            .select_related("region").order_by("region__depth", "name"))


def unit_choices_for(user, current: int | None = None) -> QuerySet[Unit]:
    """Units a record's form offers: the visible ones, and the record's current unit even when not."""
    where = Q(pk__in=unit_policy.visible_to(user).values("pk"))
    if current:
        where |= Q(pk=current)
    return Unit.objects.filter(where).select_related("region").order_by("region__path", "name")


def unit_name_index(region: Region) -> tuple[list[Unit], dict[str, Unit]]:
    """The units of `region` and of its towns, and every name documents call them by (name, full
    name, aliases); region-level units win over town-level ones of the same name."""
    here = list(Unit.objects.filter(Q(region=region) | Q(region__parent=region)).select_related("region")
                .order_by("region__depth", "name"))
    by_name: dict[str, Unit] = {}
    for unit in reversed(here):
        for name in (unit.name, unit.full_name, *unit.aliases):
            by_name[name] = unit
    return here, by_name
