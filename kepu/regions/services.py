"""Writes to the region tree: every one atomic, scope-checked and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action

from .models import LEVEL_DEPTH, Level, Population, Region
from .policies import region_policy

# The short code's length at each level, and how much of it a child shares with its parent.
CODE_LENGTH = {Level.PROVINCE: 6, Level.PREFECTURE: 6, Level.DISTRICT: 6, Level.TOWN: 9, Level.VILLAGE: 12}
PARENT_PREFIX = {Level.PROVINCE: 2, Level.PREFECTURE: 4, Level.DISTRICT: 6, Level.TOWN: 9}


def check_code_fits(*, code: str, level: str, parent: Region | None) -> None:
    """Statistical codes nest: a town's 9 digits start with its district's 6, and so on."""
    if not code.isdigit():
        return  # a functional area's key: no numbering rule to check
    if len(code) != CODE_LENGTH[level]:
        raise ValidationError(
            {"code": _("%(level)s的区划代码应为 %(n)d 位数字。") % {"level": Level(level).label, "n": CODE_LENGTH[level]}}
        )
    if parent is not None and parent.code.isdigit():
        shared = PARENT_PREFIX[Level(parent.level)]
        if code[:shared] != parent.code[:shared]:
            raise ValidationError(
                {"code": _("区划代码 %(code)s 与上级区划 %(parent)s（%(pcode)s）的编码不一致。")
                 % {"code": code, "parent": parent.name, "pcode": parent.code}}
            )


def check_level_fits(*, level: str, parent: Region | None) -> None:
    if parent is None:
        if level != Level.PROVINCE:
            raise ValidationError({"parent": _("只有省级区划可以没有上级区划。")})
        return
    if LEVEL_DEPTH[level] <= LEVEL_DEPTH[parent.level]:
        raise ValidationError(
            {"level": _("层级“%(level)s”不能位于“%(parent)s”之下。")
             % {"level": Level(level).label, "parent": Level(parent.level).label}}
        )


def build_region(*, code: str, name: str, level: str, kind: str, parent: Region | None,
                 urban_rural_code: str = "", is_demo: bool = False) -> Region:
    """An unsaved, validated region with its path set (shared by the service and the importer)."""
    code = code.strip()
    check_level_fits(level=level, parent=parent)
    check_code_fits(code=code, level=level, parent=parent)
    region = Region(
        code=code,
        name=name.strip(),
        level=level,
        kind=kind,
        parent=parent,
        urban_rural_code=urban_rural_code,
        is_demo=is_demo,
        path=(parent.path if parent else "") + code + "/",
        depth=(parent.depth + 1) if parent else 0,
    )
    # Field validators only; uniqueness is the caller's (one query here, one per file in imports).
    region.clean_fields()
    return region


@transaction.atomic
def region_create(*, actor, parent: Region | None, code: str, name: str, level: str, kind: str,
                  urban_rural_code: str = "", is_demo: bool = False) -> Region:
    """Add a region under a parent the actor administers."""
    region_policy.check(actor, "add_child" if parent else "add_root", parent)
    region = build_region(code=code, name=name, level=level, kind=kind, parent=parent,
                          urban_rural_code=urban_rural_code, is_demo=is_demo)
    region.validate_unique()
    region.save()
    log_action(actor=actor, action="region.created", obj=region,
               changes={"code": region.code, "name": region.name, "level": region.level})
    return region


REGION_EDITABLE = ("name", "kind", "urban_rural_code", "agri_related_override")


@transaction.atomic
def region_update(*, actor, region: Region, unchanged_since=None, **fields) -> Region:
    """Rename or reclassify a region; its code and place in the tree do not change.

    Only the given fields are written, onto the row as it is now (locked), so two people changing
    different fields do not undo each other. With `unchanged_since` (the updated_at the editor
    loaded) a form that was opened before someone else saved is refused instead of overwriting.
    """
    unknown = set(fields) - set(REGION_EDITABLE)
    if unknown:
        raise TypeError(f"region_update does not take {sorted(unknown)}")
    region_policy.check(actor, "change", region)
    region = Region.objects.select_for_update().get(pk=region.pk)
    check_unchanged(region, unchanged_since)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    changes = apply_changes(region, fields)
    if changes:
        region.full_clean()
        region.save()
        log_action(actor=actor, action="region.updated", obj=region, changes=changes)
    return region


@transaction.atomic
def population_set(*, actor, region: Region, year: int, residents: int,
                   source: str = Population.Source.ENTERED, note: str = "") -> Population:
    """Record (or correct) a region's resident population for a year."""
    region_policy.check(actor, "set_population", region)
    candidate = Population(region=region, year=year, residents=residents, source=source, note=note)
    candidate.clean_fields(exclude=["region"])
    # get_or_create survives two first entries at once: the loser of the insert reads the winner's.
    population, created = Population.objects.get_or_create(
        region=region, year=year, defaults={"residents": residents, "source": source, "note": note}
    )
    if created:
        log_action(actor=actor, action="region.population_set", obj=region,
                   changes={"year": year, "residents": [None, residents]})
        return population
    population = Population.objects.select_for_update().get(pk=population.pk)
    changes = apply_changes(population, {"residents": residents, "source": source, "note": note})
    if changes:
        population.full_clean()
        population.save()
        log_action(actor=actor, action="region.population_set", obj=region, changes={"year": year, **changes})
    return population
