"""Writing a plan to the database: bulk inserts, reusing rows that already exist."""

from __future__ import annotations

from django.db import transaction

from kepu.accounts.models import RoleAssignment, User
from kepu.orgs.models import Unit
from kepu.regions.models import Level, Population, Region

from .plan import BATCH, BENCH_PASSWORD, PERSONAS, YEARS, Plan


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + ("" if message.endswith("\n") else "\n"))


def _write_regions(plan: Plan, stdout) -> dict[str, Region]:
    """Create the plan's regions that are missing, level by level; return code -> Region."""
    existing = {r.code: r for r in Region.objects.all()}
    by_parent_name = {(r.parent_id, r.name): r for r in existing.values()}
    resolved: dict[str, Region] = {}
    levels = [[plan.root], plan.districts]
    levels.append([t for d in plan.districts for t in d.children])
    levels.append([v for t in levels[2] for v in t.children])
    for level_specs in levels:
        batch: list[tuple[str, Region]] = []
        for spec in level_specs:
            parent = resolved[spec.parent.code] if spec.parent else None
            region = existing.get(spec.code)
            if region is None and parent is not None:
                region = by_parent_name.get((parent.pk, spec.name))
            if region is not None:
                resolved[spec.code] = region
                continue
            code = spec.code
            if parent is not None and spec.parent.code != parent.code:
                # The parent exists under another code: keep the numbering below the real one.
                code = parent.code + spec.code[len(spec.parent.code):]
            batch.append((spec.code, Region(
                code=code, name=spec.name, level=spec.level, kind=spec.kind, parent=parent,
                urban_rural_code=spec.urban_rural_code, is_demo=True,
                path=(parent.path if parent else "") + code + "/",
                depth=(parent.depth + 1) if parent else 0,
            )))
        if batch:
            Region.objects.bulk_create([obj for _code, obj in batch], batch_size=BATCH)
            if any(obj.pk is None for _code, obj in batch):
                ids = dict(Region.objects.filter(code__in=[o.code for _c, o in batch]).values_list("code", "pk"))
                for _code, obj in batch:
                    obj.pk = ids[obj.code]
            for spec_code, obj in batch:
                resolved[spec_code] = obj
        if level_specs:
            _say(stdout, f"  {level_specs[0].level} regions: {len(level_specs)} ({len(batch)} new)")
    return resolved


def _write_populations(plan: Plan, resolved: dict[str, Region]) -> int:
    region_ids = [resolved[spec.code].pk for spec in plan.regions()]
    have = set()
    for start in range(0, len(region_ids), BATCH):
        chunk = region_ids[start:start + BATCH]
        have.update(Population.objects.filter(region_id__in=chunk).values_list("region_id", "year"))
    rows = []
    total = 0
    for spec in plan.regions():
        region = resolved[spec.code]
        for year in YEARS:
            total += 1
            if (region.pk, year) in have:
                continue
            rows.append(Population(region_id=region.pk, year=year, residents=spec.residents[year],
                                   source=Population.Source.SYNTHETIC, note="gendata"))
    Population.objects.bulk_create(rows, batch_size=BATCH)
    return total


def _write_units(plan: Plan, resolved: dict[str, Region]) -> int:
    """Create the plan's missing units, parents before children; return how many the plan has."""
    ids = sorted({resolved[u.region.code].pk for u in plan.units})
    made: dict[tuple[int, str], int] = {}
    for start in range(0, len(ids), BATCH):
        rows = Unit.objects.filter(region_id__in=ids[start:start + BATCH]).values_list("region_id", "name", "pk")
        made.update({(r, n): pk for r, n, pk in rows})

    def key_of(region_code: str, name: str) -> tuple[int, str] | None:
        region = resolved.get(region_code)
        return (region.pk, name) if region is not None else None

    pending = [(key_of(u.region.code, u.name), u) for u in plan.units]
    pending = [(key, u) for key, u in pending if key not in made]
    planned = {key for key, _u in pending}
    while pending:
        # A unit goes in the first round after its parent exists (a parent nobody makes: none).
        ready, waiting = [], []
        for key, spec in pending:
            parent_key = key_of(*spec.parent) if spec.parent else None
            if parent_key is not None and parent_key not in made and parent_key in planned:
                waiting.append((key, spec))
            else:
                ready.append((key, spec, made.get(parent_key) if parent_key else None))
        if not ready:  # a cycle cannot come out of the plan; create the rest without parents
            ready, waiting = [(key, spec, None) for key, spec in waiting], []
        objs = [
            Unit(name=spec.name, type=spec.type, region_id=key[0], parent_id=parent_id,
                 aliases=spec.aliases, contact_name=spec.contact_name, contact_phone=spec.contact_phone,
                 email=spec.email, address=spec.address, is_demo=True)
            for key, spec, parent_id in ready
        ]
        Unit.objects.bulk_create(objs, batch_size=BATCH)
        if any(o.pk is None for o in objs):  # backends that do not return ids from bulk inserts
            region_ids = sorted({key[0] for key, _s, _p in ready})
            for start in range(0, len(region_ids), BATCH):
                rows = Unit.objects.filter(region_id__in=region_ids[start:start + BATCH])
                made.update({(r, n): pk for r, n, pk in rows.values_list("region_id", "name", "pk")})
        else:
            made.update({key: o.pk for (key, _s, _p), o in zip(ready, objs, strict=True)})
        for key, _s, _p in ready:
            planned.discard(key)
        pending = waiting
    return sum(1 for u in plan.units if key_of(u.region.code, u.name) in made)


def _write_personas(resolved: dict[str, Region]) -> int:
    made = 0
    for username, display_name, role, region_code, unit_name in PERSONAS:
        if User.objects.filter(username=username).exists():
            continue
        region = resolved.get(region_code) or Region.objects.filter(code=region_code).first()
        if region is None:
            continue
        target = {"region": region}
        if unit_name is not None:
            unit = Unit.objects.filter(region=region, name=unit_name).first()
            if unit is None:
                continue
            target = {"unit": unit}
        user = User(username=username, display_name=display_name, is_demo=True)
        user.set_password(BENCH_PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=role, **target)
        made += 1
    return made


_extensions: list = []


def register_gendata_extension(func):
    """Apps add their synthetic records after the regions and units: func(scale=, regions=, stdout=) -> counts."""
    _extensions.append(func)
    return func


def generate(scale: str, *, stdout=None) -> dict:
    """Create the synthetic data set of `scale`; return its size (reused and new rows alike)."""
    plan = Plan(scale).build()
    _say(stdout, f"gendata {scale}: planned {sum(1 for _ in plan.regions())} regions, {len(plan.units)} units")
    with transaction.atomic():
        resolved = _write_regions(plan, stdout)
        populations = _write_populations(plan, resolved)
        _say(stdout, f"  populations: {populations}")
        units = _write_units(plan, resolved)
        _say(stdout, f"  units: {units}")
        personas = _write_personas(resolved)
        _say(stdout, f"  persona users created: {personas}")
        extra = {}
        for extension in _extensions:
            extra.update(extension(scale=scale, regions=resolved, stdout=stdout))
    specs = list(plan.regions())
    return {
        "regions": len(specs),
        "towns": sum(1 for s in specs if s.level == Level.TOWN),
        "villages": sum(1 for s in specs if s.level == Level.VILLAGE),
        "units": units,
        "populations": populations,
        **extra,
    }


def average_from_env(name: str, default: float, maximum: float, what: str) -> float:
    """An average per row read from the environment variable `name` (how dense the generated data is)."""
    import os

    from django.core.exceptions import ImproperlyConfigured

    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={raw!r}: use a number from 0 to {maximum:g} ({what})")
    return value
