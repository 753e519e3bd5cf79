"""Demo base data of units (演示数据): schools and their yearly profiles, 农技协, science funding.

`kepu loaddemo` calls `load_demo_base_data(rng)` once the regions, units and personas exist
(kepu/orgs/demo.py imports this module so that autodiscovery finds it). For 2023 and 2024:

* 永川区: its 46 primary and secondary schools (the core demo's two per town; two secondary ones
  run by the city, not the district), each with a profile per year but one primary school without
  a 2024 profile; a few lack science staff (B1.4 unmet), about 60 % of the district-run ones have a
  tech activity room (B3.4 met), a few are municipal or national 科技特色学校 (counted by B3.5). 沙坪坝区's
  demo schools have profiles too;
* 永川区's agriculture-related towns (decided by their villages' class codes): a 农技协 in 14 of the
  16 (B1.5 met), most of them on the 智慧农技协 platform; one association dissolved in 2022 leaves its
  town without;
* funding: 永川区科协's fiscal budget at about 2.2 yuan per resident of the year's population (B2.1
  met), donations and self-raised money, a department's fiscal money (not the 科协's, so not counted);
  渝北区's published fiscal 7,500,000 and social 13,000,000 yuan (published-figures-districts.yaml
  500112 fiscal_investment_yuan, social_investment_yuan) in 2024; 渝中区's fiscal money at about 9
  yuan per resident (500103 fiscal_funding_per_capita_yuan).

Rows are bulk-inserted with region_path set as RegionRecord.save() sets it (a profile sits in its
school's region). A population missing for a year gets a synthetic one (source synthetic), so
that the per-capita figure has a denominator. Deterministic: the rng.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from kepu.activities.demo import person_name
from kepu.core.demo import register_demo_loader
from kepu.core.gendata.names import CROPS
from kepu.regions.models import Level, Population, Region

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

NOTE = "（演示数据）"
BATCH = 500
YEARS = (2023, 2024)
YONGCHUAN, SHAPINGBA, YUBEI, YUZHONG = "500118", "500106", "500112", "500103"
CITY_RUN = 2  # 永川区 secondary schools run by the city, not the district (outside B3.4's count)
# Per year: schools short of science staff (B1.4), share of district-run schools with a tech room
# (B3.4), and the 科技特色学校 levels handed out.
SHORT_OF_STAFF = {2023: 7, 2024: 3}
TECH_ROOM_SHARE = {2023: 0.52, 2024: 0.60}
FEATURE = {2023: [FeatureLevel.MUNICIPAL] * 2 + [FeatureLevel.DISTRICT] * 4,
           2024: [FeatureLevel.NATIONAL] + [FeatureLevel.MUNICIPAL] * 2 + [FeatureLevel.DISTRICT] * 5}
FISCAL_PER_RESIDENT = {YONGCHUAN: (Decimal("1.90"), Decimal("0.30")),  # budget + special fund ≈ 2.2 yuan
                       YUZHONG: (Decimal("8.00"), Decimal("1.00"))}  # 500103 fiscal_funding_per_capita_yuan: about 9


def _schools(code: str) -> list[Unit]:
    """The core demo's primary and secondary schools of the district (two per town).

    No school is added here: the activities demo picks organizers among a district's units and its
    re-run must see the units its first run saw (kepu/core/demo.py would be the place for more)."""
    return list(Unit.objects.filter(region__path__startswith=Region.objects.get(code=code).path,
                                    type__in=SCHOOL_TYPES).select_related("region").order_by("region__path", "name"))


def _profile(rng: random.Random, school: Unit, year: int, *, short: bool, room: bool, district_run: bool,
             feature: str = "") -> SchoolProfile:
    if short:  # fewer than 2 science teachers and fewer than 3 tutors
        teachers, full, part = rng.choice([(0, 0, 1), (1, 0, 1), (1, 1, 0), (0, 1, 1)])
    else:
        teachers = rng.choice([2, 2, 3, 3, 4, 5, 6]) if school.type == UnitType.SECONDARY_SCHOOL else rng.choice(
            [1, 2, 2, 3])
        full, part = rng.choice([0, 0, 1]), rng.randint(1, 4)
        if teachers < 2 and full + part < 3:
            part = 3 - full
    return SchoolProfile(
        unit=school, region=school.region, region_path=school.region.path, year=year,
        district_run=district_run, science_teachers=teachers, tutors_full_time=full,
        tutors_part_time=part, has_tech_room=room, feature_level=feature, is_demo=True,
        note=("科学教师调离，尚未补齐" if short else "" if district_run else "市属学校") + NOTE,
    )


def _profiles(rng: random.Random, schools: list[Unit], *, gaps: bool) -> list[SchoolProfile]:
    """Profiles for both years. With `gaps`: the deliberate shortfalls of 永川区."""
    rows = []
    primary = [s for s in schools if s.type == UnitType.PRIMARY_SCHOOL]
    secondary = [s for s in schools if s.type == UnitType.SECONDARY_SCHOOL]
    missing = rng.choice(primary) if gaps and primary else None  # no 2024 profile: counts as unmet
    city_run = {s.pk for s in rng.sample(secondary, min(len(secondary), CITY_RUN))} if gaps else set()
    city_rooms = {pk for pk in sorted(city_run) if rng.random() < 0.5}
    with_room: set[int] = set()
    for year in YEARS:
        candidates = [s for s in schools if not (s is missing and year == 2024)]
        short = {s.pk for s in rng.sample(candidates, SHORT_OF_STAFF[year])} if gaps else set()
        run = [s for s in candidates if s.pk not in city_run]
        # Rooms persist: 2024 keeps 2023's and adds some.
        target = round(len(run) * (TECH_ROOM_SHARE[year] if gaps else rng.uniform(0.5, 0.7)))
        others = [s for s in run if s.pk not in with_room]
        with_room |= {s.pk for s in rng.sample(others, max(0, min(len(others), target - len(with_room))))}
        features = {}
        if gaps:  # 科技特色学校 among the schools with their staff complete
            staffed = [s for s in run if s.pk not in short]
            features = dict(zip((s.pk for s in rng.sample(staffed, len(FEATURE[year]))), FEATURE[year], strict=True))
        for school in candidates:
            room = school.pk in with_room or school.pk in city_rooms
            rows.append(_profile(rng, school, year, short=school.pk in short, room=room,
                                 district_run=school.pk not in city_run, feature=features.get(school.pk, "")))
    return rows


def _associations(rng: random.Random) -> list[RuralTechAssociation]:
    """农技协 in 14 of 永川区's 16 agriculture-related towns; a dissolved one in one of the other two."""
    district = Region.objects.get(code=YONGCHUAN)
    towns = [t for t in Region.objects.filter(parent=district, level=Level.TOWN).order_by("code")
             if Region.objects.filter(parent=t, urban_rural_code__startswith="2").exists()]
    if not towns:
        return []
    without = rng.sample(towns, max(0, len(towns) - round(len(towns) * 0.875)))
    rows = []
    used: set[str] = set()

    def add(town: Region, crop: str, **fields) -> None:
        name = f"永川区{town.name.removesuffix('镇')}{crop}专业技术协会"
        if name in used:
            return
        used.add(name)
        rows.append(RuralTechAssociation(
            region=town, region_path=town.path, name=name, industry=crop, contact_name=person_name(rng),
            members=rng.randrange(30, 420, 5), is_demo=True, **fields))

    for town in towns:
        if town in without:
            continue
        for crop in rng.sample(CROPS, rng.choice([1, 1, 1, 2])):
            add(town, crop, founded_on=datetime.date(rng.randint(2005, 2020), rng.randint(1, 12), rng.randint(1, 28)),
                on_smart_platform=rng.random() < 0.65)
    if without:
        add(without[0], rng.choice(CROPS), founded_on=datetime.date(2009, 4, 16),
            dissolved_on=datetime.date(2022, 6, 30))
    return rows


def _yuan(amount: Decimal) -> Decimal:
    """Rounded to the thousand yuan, as budgets are written."""
    return Decimal(round(amount / 1000) * 1000)


def _population(region: Region, year: int, rng: random.Random) -> int:
    row = Population.objects.filter(region=region, year=year).first()
    if row is None:  # the per-capita figure needs a denominator: a synthetic one, marked as such
        row = Population.objects.create(region=region, year=year, residents=rng.randrange(400_000, 1_200_000, 1000),
                                        source=Population.Source.SYNTHETIC, note="演示数据，非统计数字")
    return row.residents


def _funding(rng: random.Random) -> list[FundingRecord]:
    rows = []

    def add(region: Region, year: int, source: str, amount: Decimal, purpose: str, *, unit: Unit | None = None,
            use: str = FundingUse.ACTIVITIES, received: Decimal | None = None, **fields) -> None:
        rows.append(FundingRecord(
            region=region, region_path=region.path, unit=unit, year=year, source=source, use=use, budgeted=amount,
            received=amount if received is None else received, purpose=purpose, is_demo=True,
            note=fields.pop("note", NOTE), **fields))

    for code, (budget, special) in FISCAL_PER_RESIDENT.items():
        region = Region.objects.get(code=code)
        association = Unit.objects.filter(region=region, name="区科协").first()
        years = YEARS if code == YONGCHUAN else (2024,)
        for year in years:
            residents = _population(region, year, rng)
            short = region.name.removesuffix("区")
            add(region, year, FundingSource.FISCAL_BUDGET, _yuan(budget * residents), "区科协科普工作经费",
                unit=association, use=FundingUse.ACTIVITIES, document_number=f"{short}财行〔{year}〕{rng.randint(5, 60)}号")
            add(region, year, FundingSource.FISCAL_SPECIAL, _yuan(special * residents),
                "全国科普示范区创建专项经费", unit=association, use=FundingUse.ACTIVITIES,
                received=_yuan(special * residents * Decimal("0.9")),
                document_number=f"{short}财行〔{year}〕{rng.randint(61, 120)}号")
    yongchuan = Region.objects.get(code=YONGCHUAN)
    units = {u.name: u for u in Unit.objects.filter(region=yongchuan)}
    for year in YEARS:
        add(yongchuan, year, FundingSource.DONATION, Decimal(rng.randrange(120_000, 260_000, 1000)),
            "企业捐赠科普大篷车运行经费", unit=units.get("区科协"))
        add(yongchuan, year, FundingSource.SELF_RAISED, Decimal(rng.randrange(300_000, 520_000, 1000)),
            "科技馆展品更新自筹经费", unit=units.get("区科技馆"), use=FundingUse.VENUE_CONSTRUCTION)
        # A department's fiscal money: part of the statistics, not of the 科协's budget (B2.1).
        add(yongchuan, year, FundingSource.FISCAL_SPECIAL, Decimal(rng.randrange(400_000, 650_000, 1000)),
            "青少年科技创新大赛及科技节", unit=units.get("区教委"))
    # 渝北区 (500112): fiscal_investment_yuan about 7,500,000, social_investment_yuan about 13,000,000.
    yubei = Region.objects.get(code=YUBEI)
    yubei_association = Unit.objects.filter(region=yubei, name="区科协").first()
    add(yubei, 2024, FundingSource.FISCAL_BUDGET, Decimal(7_500_000), "全国科普示范区创建财政投入",
        unit=yubei_association, note="公开数据：财政投入约 750 万元" + NOTE)
    add(yubei, 2024, FundingSource.DONATION, Decimal(8_200_000), "企业和社会组织捐赠科普设施与活动",
        use=FundingUse.VENUE_CONSTRUCTION, note="公开数据：社会投入约 1300 万元（捐赠部分）" + NOTE)
    add(yubei, 2024, FundingSource.SELF_RAISED, Decimal(4_800_000), "科普基地和校园科技馆自筹建设经费",
        use=FundingUse.VENUE_CONSTRUCTION, note="公开数据：社会投入约 1300 万元（自筹部分）" + NOTE)
    return rows


@register_demo_loader
def load_demo_base_data(rng: random.Random) -> None:
    """School profiles, 农技协 and funding records for the demo districts."""
    if SchoolProfile.objects.filter(is_demo=True).exists():
        return
    profiles = _profiles(rng, _schools(YONGCHUAN), gaps=True) + _profiles(rng, _schools(SHAPINGBA), gaps=False)
    SchoolProfile.objects.bulk_create(profiles, batch_size=BATCH)
    RuralTechAssociation.objects.bulk_create(_associations(rng), batch_size=BATCH)
    FundingRecord.objects.bulk_create(_funding(rng), batch_size=BATCH)
