"""`kepu loaddemo`: a deterministic demo data set on top of the reference data.

Everything here that is not a published figure is synthetic and marked so (is_demo on regions,
units and users; Population.source = synthetic). Where the published figures of
fixtures/reference/published-figures-districts.yaml cover the same thing, the demo agrees with
them: Yongchuan has 23 towns and 266 villages and communities (the seed counts 289 activity rooms
across its towns, villages and communities).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from kepu.accounts.models import Role, User
from kepu.accounts.services import role_grant, user_create
from kepu.orgs.models import Unit, UnitType
from kepu.regions.models import Kind, Level, Population, Region
from kepu.regions.services import build_region

from .gendata.names import community_stem, unique_name, village_stem
from .reference import load_reference

SEED = 20221
DEMO_PASSWORD = "Kepu-demo-2026"
POPULATION_YEARS = (2023, 2024)



@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    region_code: str | None = None
    unit: tuple[str, str] | None = None  # (region code, unit name)
    phone: str | None = None
    note: str = ""


PERSONAS = [
    Persona("admin", "平台管理员（演示）", Role.PLATFORM_ADMIN, note="platform admin"),
    Persona("cq_admin", "市科协管理员（演示）", Role.REGION_ADMIN, "500000", note="city admin"),
    Persona("yc_admin", "永川区科协管理员（演示）", Role.REGION_ADMIN, "500118", note="Yongchuan admin"),
    Persona("spb_admin", "沙坪坝区科协管理员（演示）", Role.REGION_ADMIN, "500106", note="Shapingba admin"),
    Persona("cq_liaison", "市教委联络员（演示）", Role.UNIT_LIAISON, unit=("500000", "市教委"), note="city unit liaison"),
    Persona("yc_liaison", "永川区教委联络员（演示）", Role.UNIT_LIAISON, unit=("500118", "区教委"), note="unit liaison"),
    Persona("yc_reviewer", "永川区审核员（演示）", Role.REVIEWER, "500118", note="reviewer"),
    Persona("yc_officer", "村级科普员（演示）", Role.VILLAGE_OFFICER, "500118100001", note="village science officer"),
    Persona("yc_leader", "永川区科技志愿服务队队长（演示）", Role.TEAM_LEADER, unit=("500118", "区科协"),
            note="volunteer team leader"),
    Persona("citizen", "市民（演示）", Role.CITIZEN, "500118", phone="13800000001", note="citizen, logs in by phone too"),
]

# District-level populations (synthetic): plausible magnitudes, not statistics.
_POPULATION_RANGE = {Kind.DISTRICT: (300_000, 1_700_000), Kind.COUNTY: (180_000, 900_000),
                     Kind.AUTONOMOUS_COUNTY: (200_000, 550_000), Kind.FUNCTIONAL_AREA: (150_000, 1_200_000)}


def _place_name(rng: random.Random, used: set[str], suffix: str) -> str:
    stem = community_stem if suffix == "社区" else village_stem
    return unique_name(used, lambda: stem(rng) + suffix)


def _villages(rng: random.Random, towns: list[Region], total: int) -> list[Region]:
    """Spread `total` villages and communities over the towns; subdistricts get communities."""
    per_town = [total // len(towns)] * len(towns)
    for i in range(total - sum(per_town)):
        per_town[i] += 1
    out = []
    for town, count in zip(towns, per_town, strict=True):
        used: set[str] = set(Region.objects.filter(parent=town).values_list("name", flat=True))
        for n in range(1, count + 1):
            community = town.kind == Kind.SUBDISTRICT or n == 1
            name = _place_name(rng, used, "社区" if community else "村")
            out.append(build_region(
                code=f"{town.code}{n:03d}", name=name, level=Level.VILLAGE,
                kind=Kind.COMMUNITY if community else Kind.VILLAGE, parent=town,
                urban_rural_code=("111" if town.kind == Kind.SUBDISTRICT else "121") if community else "220",
                is_demo=True,
            ))
    return out


def _shapingba_towns(rng: random.Random, district: Region, count: int) -> list[Region]:
    used: set[str] = set()
    out = []
    for n in range(1, count + 1):
        subdistrict = n <= count * 2 // 3
        code = f"{district.code}{n:03d}" if subdistrict else f"{district.code}{100 + n:03d}"
        out.append(build_region(
            code=code, name=_place_name(rng, used, "街道" if subdistrict else "镇"), level=Level.TOWN,
            kind=Kind.SUBDISTRICT if subdistrict else Kind.TOWN, parent=district,
            urban_rural_code="111" if subdistrict else "121", is_demo=True,
        ))
    return out


def _populations(rng: random.Random) -> list[Population]:
    rows = []
    districts = list(Region.objects.filter(level=Level.DISTRICT).order_by("code"))
    total = 0
    for region in districts:
        low, high = _POPULATION_RANGE.get(region.kind, (200_000, 800_000))
        base = rng.randrange(low, high, 1000)
        total += base
        for year in POPULATION_YEARS:
            rows.append(Population(region=region, year=year, residents=base + (year - 2023) * rng.randrange(-3000, 9000),
                                   source=Population.Source.SYNTHETIC, note="演示数据，非统计数字"))
    city = Region.objects.get(code="500000")
    for year in POPULATION_YEARS:
        rows.append(Population(region=city, year=year, residents=total + (year - 2023) * 40_000,
                               source=Population.Source.SYNTHETIC, note="演示数据，非统计数字"))
    for town in Region.objects.filter(level=Level.TOWN, parent__code__in=["500118", "500106"]).order_by("code"):
        base = rng.randrange(15_000, 90_000, 100)
        for year in POPULATION_YEARS:
            rows.append(Population(region=town, year=year, residents=base, source=Population.Source.SYNTHETIC,
                                   note="演示数据，非统计数字"))
    return rows


def _units(rng: random.Random) -> list[Unit]:
    """Schools, hospitals, societies and enterprises of Yongchuan and Shapingba (synthetic)."""
    out = []
    for district_code in ("500118", "500106"):
        district = Region.objects.get(code=district_code)
        towns = list(Region.objects.filter(parent=district).order_by("code"))
        education = Unit.objects.filter(region=district, name="区教委").first()
        used: set[str] = set(Unit.objects.filter(region__parent=district).values_list("name", flat=True))
        for town in towns:
            short = town.name.removesuffix("街道").removesuffix("镇")
            for kind, suffix in ((UnitType.PRIMARY_SCHOOL, "小学"), (UnitType.SECONDARY_SCHOOL, "中学")):
                name = f"{district.name}{short}{suffix}"
                if name not in used:
                    used.add(name)
                    out.append(Unit(name=name, type=kind, region=town, parent=education, is_demo=True,
                                    contact_name="联系人（演示）"))
            if rng.random() < 0.5:
                name = f"{district.name}{short}卫生院" if town.kind == Kind.TOWN else f"{short}社区卫生服务中心"
                if name not in used:
                    used.add(name)
                    out.append(Unit(name=name, type=UnitType.HOSPITAL, region=town, is_demo=True))
        for name, kind in (("区农学会", UnitType.SOCIETY), ("区医学会", UnitType.SOCIETY),
                           ("区青少年科技教育协会", UnitType.SOCIETY), ("区人民医院", UnitType.HOSPITAL),
                           ("区科技馆", UnitType.VENUE_OPERATOR)):
            if not Unit.objects.filter(region=district, name=name).exists():
                out.append(Unit(name=name, type=kind, region=district, is_demo=True))
    return out


_demo_loaders: list = []


def register_demo_loader(func):
    """Apps add their demo records once the regions, units and personas exist: func(rng)."""
    _demo_loaders.append(func)
    return func


@transaction.atomic
def load_demo() -> list[Persona]:
    """Create the demo data set once; a second run changes nothing."""
    load_reference()
    if User.objects.filter(username="admin", is_demo=True).exists():
        return PERSONAS
    rng = random.Random(SEED)
    yongchuan = Region.objects.get(code="500118")
    shapingba = Region.objects.get(code="500106")
    Region.objects.bulk_create(_shapingba_towns(rng, shapingba, 26))
    yc_towns = list(Region.objects.filter(parent=yongchuan).order_by("code"))
    spb_towns = list(Region.objects.filter(parent=shapingba).order_by("code"))
    Region.objects.bulk_create(_villages(rng, yc_towns, 266) + _villages(rng, spb_towns, 202))
    Population.objects.bulk_create(_populations(rng))
    Unit.objects.bulk_create(_units(rng))
    for persona in PERSONAS:
        user = user_create(actor=None, username=persona.username, password=DEMO_PASSWORD,
                           display_name=persona.display_name, phone=persona.phone, is_demo=True)
        region = Region.objects.get(code=persona.region_code) if persona.region_code else None
        unit = Unit.objects.get(region__code=persona.unit[0], name=persona.unit[1]) if persona.unit else None
        role_grant(actor=None, user=user, role=persona.role, region=region, unit=unit)
    # The Yongchuan admin is also the liaison of the district's 科协, to show the scope switcher.
    role_grant(actor=None, user=User.objects.get(username="yc_admin"), role=Role.UNIT_LIAISON,
               unit=Unit.objects.get(region__code="500118", name="区科协"))
    for loader in _demo_loaders:
        loader(random.Random(f"{SEED}/{loader.__module__}"))
    return PERSONAS


def logins_text() -> str:
    lines = [f"  {'username':<12} {'password':<16} who"]
    for p in PERSONAS:
        login = p.username + (f" / {p.phone}" if p.phone else "")
        lines.append(f"  {login:<12} {DEMO_PASSWORD:<16} {p.display_name} ({p.note})")
    return "\n".join(lines)
