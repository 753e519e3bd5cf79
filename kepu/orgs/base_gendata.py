"""Synthetic base data of units for `kepu gendata`: schools and their profiles, 农技协, funding.

| scale | schools (primary and secondary units) | school profiles | 农技协 | funding records |
| --- | --- | --- | --- | --- |
| small | the plan's (none) | 0 | 27 | 216 |
| district | the plan's (永川区's 152) | 304 | 41 | 216 |
| city | 15,000: the plan's 1,902 and 13,098 village schools (村小, 村中学) added here | 30,000 | 1,154 | 2,434 |

Profiles are for 2023 and 2024 (the years the plan has populations for): ~95 % district-run,
~85 % with the science staff B1.4 asks for, ~55 % with a tech activity room, a few 科技特色学校
(1 % national, 4 % municipal, 10 % district). Agriculture-related towns are the plan's towns with a
rural village (class 2xx); where the plan made a 农技协 unit (永川区 at district and city scale) the
association carries its name and unit. Funding: the district 科协's fiscal budget and special fund
at 0.8–3.6 yuan per resident, donations, self-raised and other money, the education department's
special fund, and each town 科协's budget.

Also the helpers kepu/venues/gendata.py and kepu/channels/gendata.py write with: rows with explicit
ids through kepu.activities.gendata.Table (COPY on PostgreSQL, executemany on SQLite), timestamps
and decimals as text, region_path set as RegionRecord.save() would, sequences reset after. A
district that already has generated base data (the marker MARK) is skipped, so a second run adds
nothing. Deterministic: seeded per district.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from kepu.activities.gendata import Table
from kepu.core.gendata import register_gendata_extension
from kepu.core.gendata.names import CROPS, GIVEN, SURNAMES
from kepu.core.gendata.plan import FULL_DISTRICT
from kepu.regions.models import Kind, Level, Population

from .models import (
    SCHOOL_TYPES,
    FeatureLevel,
    FundingRecord,
    FundingSource,
    FundingUse,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
    UnitType,
)

SEED = "kepu-gendata-basedata-2026"
MARK = "（gendata 合成数据）"
YEARS = (2023, 2024)
CITY_SCHOOLS = 15_000
CHUNK = 5_000
EPOCH = datetime.date(2024, 1, 15)  # created_at / updated_at of the generated rows


# --- shared by the base-data generators (venues, channels) ----------------------------------------------


class Rows:
    """Rows of one model with explicit ids, written in chunks through activities' Table."""

    def __init__(self, model, fields: list[str]):
        self.model = model
        self.table = Table(model, ["id", *fields])
        self.next_id = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.count = 0

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.count += 1
        self.table.rows.append((pk, *values))
        if len(self.table.rows) >= CHUNK:
            self.table.flush()
        return pk

    def flush(self) -> None:
        self.table.flush()


def finish(*tables: Rows) -> None:
    """Write what is left and move the sequences past the explicit ids."""
    for rows in tables:
        rows.flush()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables]):
            cursor.execute(sql)


def stamp(day: datetime.date = EPOCH, hour: int = 2) -> str:
    """A timestamp (UTC) as the database takes it in text."""
    suffix = "+00" if connection.vendor == "postgresql" else ""
    return f"{day.isoformat()} {hour:02d}:00:00{suffix}"


def day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡", "社区", "村"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Layout:
    """The plan's districts (by code), each one's towns and each town's villages."""

    districts: list = field(default_factory=list)
    towns_of: dict = field(default_factory=dict)
    villages_of: dict = field(default_factory=dict)

    @classmethod
    def of(cls, regions: dict) -> Layout:
        by_parent = defaultdict(list)
        for region in regions.values():
            by_parent[region.parent_id].append(region)
        layout = cls(sorted((r for r in regions.values() if r.level == Level.DISTRICT), key=lambda r: r.code))
        for district in layout.districts:
            towns = sorted(by_parent.get(district.pk, []), key=lambda r: r.code)
            layout.towns_of[district.pk] = towns
            for town in towns:
                layout.villages_of[town.pk] = sorted(by_parent.get(town.pk, []), key=lambda r: r.code)
        return layout

    def villages(self, district) -> list:
        return [v for town in self.towns_of[district.pk] for v in self.villages_of[town.pk]]

    def is_agri(self, town) -> bool:
        """As agri_related_q decides for a town without an override."""
        return town.urban_rural_code.startswith("2") or any(
            v.urban_rural_code.startswith("2") for v in self.villages_of[town.pk])


def built_out(scale: str, district) -> bool:
    """Whether the district gets the full set of district-level records (the plan's 'standard' or
    'full' profile), or a handful (the other districts of the small and district scales)."""
    return scale == "city" or district.code == FULL_DISTRICT


def say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


# --- schools --------------------------------------------------------------------------------------------


def _extra_schools(layout: Layout, fresh: list, rng: random.Random) -> dict[int, int]:
    """How many village schools each village of the fresh districts gets so that the city holds
    CITY_SCHOOLS primary and secondary schools."""
    extra = CITY_SCHOOLS - Unit.objects.filter(type__in=SCHOOL_TYPES).count()
    villages = [v for d in fresh for v in layout.villages(d)]
    if extra <= 0 or not villages:
        return {}
    each, rest = divmod(extra, len(villages))
    counts = dict.fromkeys((v.pk for v in villages), each)
    for pk in rng.sample(sorted(counts), rest):
        counts[pk] += 1
    return counts


SCHOOL_NAMES = [("小学", UnitType.PRIMARY_SCHOOL), ("中学", UnitType.SECONDARY_SCHOOL),
                ("第二小学", UnitType.PRIMARY_SCHOOL), ("九年制学校", UnitType.SECONDARY_SCHOOL)]


def _write_schools(layout: Layout, district, counts: dict[int, int], units: Rows, rng: random.Random) -> int:
    education = (Unit.objects.filter(region=district, name__in=["区教委", "县教委"]).values_list("pk", flat=True)
                 .first())
    taken = set(Unit.objects.filter(region__path__startswith=district.path).values_list("region_id", "name"))
    made = 0
    now = stamp()
    for village in layout.villages(district):
        for n in range(min(counts.get(village.pk, 0), len(SCHOOL_NAMES))):
            suffix, type_ = SCHOOL_NAMES[n]
            name = stem(village.name) + ("村" if village.kind == Kind.VILLAGE else "") + suffix
            if (village.pk, name) in taken:
                continue
            taken.add((village.pk, name))
            units.add(name, type_, village.pk, education, "[]", person(rng) + "老师", "", "",
                      f"{village.name}{rng.randint(1, 200)}号", True, now, now)
            made += 1
    return made


def _profiles(district, profiles: Rows, rng: random.Random) -> int:
    schools = (Unit.objects.filter(region__path__startswith=district.path, type__in=SCHOOL_TYPES)
               .order_by("pk").values_list("pk", "region_id", "region__path", "type"))
    have = set(SchoolProfile.objects.filter(region_path__startswith=district.path).values_list("unit_id", "year"))
    now = stamp()
    made = 0
    for pk, region_id, path, type_ in schools:
        district_run = rng.random() < 0.95
        room = rng.random() < 0.5
        feature = rng.random()
        level = (FeatureLevel.NATIONAL if feature < 0.01 else FeatureLevel.MUNICIPAL if feature < 0.05
                 else FeatureLevel.DISTRICT if feature < 0.15 else "")
        for year in YEARS:
            roll = rng.random()
            if roll < 0.15:  # short of science staff
                teachers, full, part = rng.choice([(0, 0, 1), (1, 0, 1), (1, 1, 0), (0, 0, 2), (1, 0, 0)])
            else:
                teachers = rng.randint(2, 6) if type_ == UnitType.SECONDARY_SCHOOL or roll < 0.6 else rng.randint(0, 1)
                full, part = rng.randint(0, 1), rng.randint(0, 4)
                if teachers < 2 and full + part < 3:
                    part = 3 - full
            room = room or rng.random() < 0.08  # rooms are built, rarely taken down
            if (pk, year) in have:  # entered by hand or by the demo: kept
                continue
            profiles.add(region_id, path, True, now, now, pk, year, district_run, teachers, full, part, room,
                         level, MARK)
            made += 1
    return made


# --- 农技协 and funding -----------------------------------------------------------------------------------


def _associations(layout: Layout, district, rows: Rows, rng: random.Random) -> int:
    planned = defaultdict(list)  # 农技协 units the plan made, by town
    for pk, region_id, name in Unit.objects.filter(region__parent=district,
                                                   type=UnitType.RURAL_TECH_ASSOCIATION).values_list(
                                                       "pk", "region_id", "name"):
        planned[region_id].append((pk, name))
    taken = set(RuralTechAssociation.objects.filter(region_path__startswith=district.path)
                .values_list("region_id", "name"))
    now = stamp()
    made = 0
    for town in layout.towns_of[district.pk]:
        if not layout.is_agri(town) or rng.random() >= 0.85:
            continue
        crops = rng.sample(CROPS, rng.choices([1, 2, 3], weights=[35, 40, 25])[0])
        named = [(pk, name, next((c for c in CROPS if c in name), "")) for pk, name in planned[town.pk]]
        named += [(None, f"{stem(town.name)}{crop}专业技术协会", crop) for crop in crops
                  if all(crop != c for _pk, _n, c in named)]
        for unit, name, crop in named[:3]:
            founded = day_between(rng, datetime.date(2003, 1, 1), datetime.date(2023, 6, 30))
            dissolved = (day_between(rng, datetime.date(2019, 1, 1), datetime.date(2023, 12, 31))
                         if rng.random() < 0.03 and founded.year < 2018 else None)
            if (town.pk, name) in taken:
                continue
            rows.add(town.pk, town.path, True, now, now, name, unit, founded.isoformat(),
                     dissolved.isoformat() if dissolved else None, rng.randrange(20, 600, 5), rng.random() < 0.6, crop,
                     person(rng))
            made += 1
    return made


def _funding(layout: Layout, district, residents: dict, rows: Rows, rng: random.Random, full: bool) -> int:
    units = dict(Unit.objects.filter(region=district).values_list("name", "pk"))
    association = units.get("区科协") or units.get("县科协")
    education = units.get("区教委") or units.get("县教委")
    town_associations = dict(Unit.objects.filter(region__parent=district, type=UnitType.ASSOCIATION)
                             .values_list("region_id", "pk"))
    now = stamp()
    per_resident = rng.uniform(0.8, 3.6)
    made = 0

    def add(region, unit, year, source, use, amount: int, purpose: str, received_share: float = 1.0) -> None:
        nonlocal made
        amount = int(amount)
        received = round(amount * received_share / 100) * 100
        rows.add(region.pk, region.path, True, now, now, unit, year, source, use, f"{amount}.00", f"{received}.00",
                 purpose, f"财行〔{year}〕{rng.randint(1, 150)}号" if source in ("fiscal_budget", "fiscal_special")
                 else "", MARK)
        made += 1

    for year in YEARS:
        people = residents.get((district.pk, year)) or 500_000
        fiscal = people * per_resident * rng.uniform(0.95, 1.08)
        add(district, association, year, FundingSource.FISCAL_BUDGET, FundingUse.ACTIVITIES,
            round(fiscal * 0.85, -3), "科协科普工作经费", rng.uniform(0.9, 1.0))
        add(district, association, year, FundingSource.FISCAL_SPECIAL, FundingUse.ACTIVITIES,
            round(fiscal * 0.15, -3), "科普示范创建专项经费", rng.uniform(0.6, 1.0))
        if not full:
            continue
        add(district, None, year, FundingSource.DONATION, FundingUse.VENUE_CONSTRUCTION,
            rng.randrange(50_000, 2_000_000, 1000), "社会捐赠科普设施")
        add(district, association, year, FundingSource.SELF_RAISED, FundingUse.ACTIVITIES,
            rng.randrange(20_000, 800_000, 1000), "学会自筹科普活动经费")
        add(district, education, year, FundingSource.FISCAL_SPECIAL, FundingUse.ACTIVITIES,
            rng.randrange(100_000, 900_000, 1000), "青少年科技创新活动经费")
        if rng.random() < 0.4:
            add(district, None, year, FundingSource.OTHER, FundingUse.OTHER, rng.randrange(10_000, 300_000, 1000),
                "其他科普收入")
        for town in layout.towns_of[district.pk]:
            add(town, town_associations.get(town.pk), year, FundingSource.FISCAL_BUDGET, FundingUse.ACTIVITIES,
                rng.randrange(20_000, 400_000, 1000), "镇（街）科普工作经费", rng.uniform(0.8, 1.0))
    return made


def _existing(district) -> dict[str, int] | None:
    profiles = SchoolProfile.objects.filter(region_path__startswith=district.path, note=MARK)
    funding = FundingRecord.objects.filter(region_path__startswith=district.path, note=MARK)
    if not profiles.exists() and not funding.exists():
        return None
    return {"school_profiles": profiles.count(), "funding_records": funding.count(),
            "rural_associations": RuralTechAssociation.objects.filter(region_path__startswith=district.path,
                                                                      is_demo=True).count()}


@register_gendata_extension
def generate_base_data(*, scale: str, regions: dict, stdout=None) -> dict[str, int]:
    """Schools (city scale), school profiles, 农技协 and funding records for the plan's regions."""
    started = time.perf_counter()
    layout = Layout.of(regions)
    totals = dict.fromkeys(("schools_added", "school_profiles", "rural_associations", "funding_records"), 0)
    fresh = []
    for district in layout.districts:
        existing = _existing(district)
        if existing is None:
            fresh.append(district)
        else:
            for key, value in existing.items():
                totals[key] += value
    residents = {(r, y): n for r, y, n in Population.objects.filter(region__in=layout.districts, year__in=YEARS)
                 .values_list("region_id", "year", "residents")}
    units = Rows(Unit, ["name", "type", "region", "parent", "aliases", "contact_name", "contact_phone", "email",
                        "address", "is_demo", "created_at", "updated_at"])
    record = ["region", "region_path", "is_demo", "created_at", "updated_at"]
    profiles = Rows(SchoolProfile, [*record, "unit", "year", "district_run", "science_teachers", "tutors_full_time",
                                    "tutors_part_time", "has_tech_room", "feature_level", "note"])
    associations = Rows(RuralTechAssociation, [*record, "name", "unit", "founded_on", "dissolved_on", "members",
                                               "on_smart_platform", "industry", "contact_name"])
    funding = Rows(FundingRecord, [*record, "unit", "year", "source", "use", "budgeted", "received", "purpose",
                                   "document_number", "note"])
    counts = _extra_schools(layout, fresh, random.Random(f"{SEED}/{scale}/schools")) if scale == "city" else {}
    for district in fresh:
        rng = random.Random(f"{SEED}/{scale}/{district.code}")
        totals["schools_added"] += _write_schools(layout, district, counts, units, rng)
        units.flush()  # the profiles read the district's schools back
        totals["school_profiles"] += _profiles(district, profiles, rng)
        totals["rural_associations"] += _associations(layout, district, associations, rng)
        totals["funding_records"] += _funding(layout, district, residents, funding, rng, built_out(scale, district))
    finish(units, profiles, associations, funding)
    say(stdout, f"  schools added {totals['schools_added']:,}, school profiles {totals['school_profiles']:,}, "
                f"农技协 {totals['rural_associations']:,}, funding records {totals['funding_records']:,} "
                f"({time.perf_counter() - started:.1f} s)")
    return totals
