"""The plan: every synthetic region, population and unit of a scale, built in memory."""

from __future__ import annotations

import csv
import random
from collections import deque
from dataclasses import dataclass, field

from kepu.accounts.models import Role
from kepu.core.reference import REFERENCE_DIR
from kepu.orgs.models import UnitType
from kepu.regions.models import Kind, Level

from .names import (
    CROPS,
    FIRM,
    GIVEN,
    INDUSTRIES,
    ROADS,
    SOCIAL,
    SURNAMES,
    community_stem,
    numeral,
    unique_name,
    village_stem,
)

SCALES = ("small", "district", "city")
SEED = "kepu-gendata-2026"
BATCH = 1000
YEARS = (2023, 2024)
ROOT_CODE = "500000"
FULL_DISTRICT = "500118"  # 永川区: the district that is fully built out

BENCH_PASSWORD = "bench-pass-2026"
# username, display name, role, region code, and for a unit grant the unit's name in that region.
PERSONAS = [
    ("bench_city", "基准测试·市级管理员", Role.REGION_ADMIN, ROOT_CODE, None),
    ("bench_district", "基准测试·永川区管理员", Role.REGION_ADMIN, FULL_DISTRICT, None),
    ("bench_town", "基准测试·中山路街道管理员", Role.REGION_ADMIN, FULL_DISTRICT + "001", None),
    ("bench_liaison", "基准测试·区科协联络员", Role.UNIT_LIAISON, FULL_DISTRICT, "区科协"),
]

# Core urban districts: mostly subdistricts (街道).
CORE_URBAN = {"500103", "500104", "500105", "500106", "500107", "500108", "500109", "500112", "500113"}
# Districts whose synthetic population stays near the published figure (常住人口, 2022).
KNOWN_RESIDENTS = {"500118": 1_150_000, "500103": 590_000}
SHORT_NAMES = {"liangjiang": "两江", "gaoxin": "高新", "wansheng": "万盛"}

# --- units of a district: (name template, type, parent key, aliases) ----------------------------
# "{P}" is 区 or 县; the name is what documents of the district itself write.
ASSOCIATION = ("{P}科协", UnitType.ASSOCIATION, None)
CORE_DEPARTMENTS = [
    ("{P}委宣传部", UnitType.PARTY_GOVERNMENT, None),
    ("{P}教委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}科技局", UnitType.PARTY_GOVERNMENT, None),
]
MORE_DEPARTMENTS = [
    ("{P}委办公室", UnitType.PARTY_GOVERNMENT, None),
    ("{P}政府办公室", UnitType.PARTY_GOVERNMENT, None),
    ("{P}委组织部", UnitType.PARTY_GOVERNMENT, None),
    ("{P}发展改革委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}经济信息委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}民政局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}财政局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}人力社保局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}规划自然资源局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}生态环境局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}住房城乡建委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}农业农村委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}文化旅游委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}卫生健康委", UnitType.PARTY_GOVERNMENT, None),
    ("{P}应急局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}市场监管局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}气象局", UnitType.PARTY_GOVERNMENT, None),
    ("{P}总工会", UnitType.MASS_ORG, None),
    ("团{P}委", UnitType.MASS_ORG, None),
    ("{P}妇联", UnitType.MASS_ORG, None),
    ("{P}融媒体中心", UnitType.MEDIA, "{P}委宣传部"),
]
SOCIETIES = ["科普作家协会", "医学会", "农学会", "老科技工作者协会", "青少年科技教育协会"]
MORE_SOCIETIES = ["计算机学会", "气象学会", "护理学会", "地理学会", "中医药学会", "水利学会", "茶叶学会"]
HOSPITALS = ["人民医院", "中医院", "妇幼保健院"]
FULL_EXTRAS = [
    ("{P}第二人民医院", UnitType.HOSPITAL, "{P}卫生健康委"),
    ("{P}精神卫生中心", UnitType.HOSPITAL, "{P}卫生健康委"),
    ("{P}农业科学研究所", UnitType.RESEARCH_INSTITUTE, "{P}农业农村委"),
    ("{P}茶叶研究所", UnitType.RESEARCH_INSTITUTE, "{P}农业农村委"),
    ("{P}林业科学研究所", UnitType.RESEARCH_INSTITUTE, "{P}规划自然资源局"),
    ("{P}科技馆", UnitType.VENUE_OPERATOR, "{P}科协"),
    ("{P}博物馆", UnitType.VENUE_OPERATOR, "{P}文化旅游委"),
    ("{P}青少年活动中心", UnitType.VENUE_OPERATOR, "团{P}委"),
]



@dataclass(frozen=True)
class Profile:
    """How much of a district gets built."""

    depts: str  # "core" (宣传部, 教委, 科技局) or "all"
    societies: int = 0
    hospitals: int = 0
    schools: int = 0  # district-level schools, a quarter of them secondary
    firms: int = 0
    social: int = 0
    towns: str = "none"  # town-level units: none, gov (the government only), standard, full
    colleges: int = 0


PROFILES = {
    "minimal": Profile("core"),
    "small": Profile("all", societies=5, towns="gov"),
    "standard": Profile("all", societies=5, hospitals=3, schools=8, firms=60, social=10, towns="standard"),
    "full": Profile("all", societies=12, hospitals=3, schools=60, firms=300, social=40, towns="full", colleges=4),
}


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class RegionSpec:
    code: str
    name: str
    level: str
    kind: str
    parent: RegionSpec | None
    urban_rural_code: str = ""
    children: list[RegionSpec] = field(default_factory=list)
    residents: dict[int, int] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        for suffix in ("街道", "镇", "乡", "社区", "村"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass
class UnitSpec:
    region: RegionSpec
    name: str
    type: str
    parent: tuple[str, str] | None  # (region code, unit name)
    aliases: list[str]
    contact_name: str
    contact_phone: str
    address: str
    email: str = ""


def _rng(*parts: str) -> random.Random:
    return random.Random("/".join((SEED, *parts)))


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))






class Plan:
    def __init__(self, scale: str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
        self.scale = scale
        self.root: RegionSpec | None = None
        self.districts: list[RegionSpec] = []
        self.units: list[UnitSpec] = []

    # Regions ------------------------------------------------------------------------------------

    def build(self) -> Plan:
        ref = _read_csv("regions-chongqing.csv")
        root_row = next(r for r in ref if not r["parent_code"])
        self.root = RegionSpec(root_row["code"], root_row["name"], Level.PROVINCE, Kind.MUNICIPALITY, None)
        for row in ref:
            if row["parent_code"] == self.root.code:
                self._add(RegionSpec(row["code"], row["name"], Level.DISTRICT, row["kind"], self.root))
        for row in _read_csv("functional-areas-chongqing.csv"):
            self._add(RegionSpec(row["key"], row["name"], Level.DISTRICT, Kind.FUNCTIONAL_AREA, self.root))
        self.districts = list(self.root.children)
        for district in self.districts:
            towns_mode = self._towns_mode(district)
            if towns_mode:
                self._build_towns(district, towns_mode)
        self._populations()
        for district in self.districts:
            self._build_units(district, self._profile(district))
        return self

    def _add(self, spec: RegionSpec) -> RegionSpec:
        if spec.parent is not None:
            spec.parent.children.append(spec)
        return spec

    def _towns_mode(self, district: RegionSpec) -> str | None:
        """None (no towns), or how many villages per town: "few", "full" or "standard"."""
        if district.code == FULL_DISTRICT:
            return "few" if self.scale == "small" else "full"
        return "standard" if self.scale == "city" else None

    def _profile(self, district: RegionSpec) -> str:
        if district.code == FULL_DISTRICT:
            return {"small": "small", "district": "full", "city": "full"}[self.scale]
        return "standard" if self.scale == "city" else "minimal"

    def _town_layout(self, district: RegionSpec, rng: random.Random) -> list[tuple[str, str]]:
        """(name, kind) of a district's towns, subdistricts first."""
        if district.code == FULL_DISTRICT:
            return [(row["name"], row["kind"]) for row in _read_csv("towns-yongchuan.csv")
                    if row["parent_code"] == FULL_DISTRICT]
        if district.code == "500103":  # 渝中区: all subdistricts
            total, share_sub, share_township = 11, 1.0, 0.0
        else:
            total = rng.randint(20, 28)
            if district.code in CORE_URBAN:
                share_sub, share_township = rng.uniform(0.55, 0.8), 0.0
            elif district.kind == Kind.FUNCTIONAL_AREA:
                share_sub, share_township = rng.uniform(0.5, 0.7), 0.0
            elif district.kind == Kind.DISTRICT:
                share_sub, share_township = rng.uniform(0.15, 0.3), rng.uniform(0.0, 0.1)
            else:
                share_sub, share_township = rng.uniform(0.08, 0.15), rng.uniform(0.25, 0.45)
        n_sub = round(total * share_sub)
        n_township = round(total * share_township)
        n_town = total - n_sub - n_township
        taken: set[str] = set()
        layout = []
        for kind, count, suffix in ((Kind.SUBDISTRICT, n_sub, "街道"), (Kind.TOWN, n_town, "镇"),
                                    (Kind.TOWNSHIP, n_township, "乡")):
            for _i in range(count):
                if kind == Kind.SUBDISTRICT:
                    stem = unique_name(taken, lambda: community_stem(rng))
                else:
                    stem = unique_name(taken, lambda: village_stem(rng))
                layout.append((stem + suffix, kind))
        return layout

    def _build_towns(self, district: RegionSpec, mode: str) -> None:
        rng = _rng(district.code, "towns")
        numbers = {Kind.SUBDISTRICT: 1, Kind.TOWN: 100, Kind.TOWNSHIP: 200}
        for name, kind in self._town_layout(district, rng):
            code = f"{district.code}{numbers[kind]:03d}"
            numbers[kind] += 1
            town = self._add(RegionSpec(code, name, Level.TOWN, kind, district))
            self._build_villages(town, mode)

    def _build_villages(self, town: RegionSpec, mode: str) -> None:
        rng = _rng(town.code, "villages", mode)
        count = {"few": (4, 6), "full": (9, 15), "standard": (7, 13)}[mode]
        total = rng.randint(*count)
        if town.kind == Kind.SUBDISTRICT:
            n_communities = total
        elif town.kind == Kind.TOWN:
            n_communities = min(total, rng.randint(1, 3))
        else:
            n_communities = min(total, rng.randint(0, 1))
        taken: set[str] = set()
        for i in range(total):
            code = f"{town.code}{i + 1:03d}"
            if i < n_communities:
                name = unique_name(taken, lambda: community_stem(rng)) + "社区"
                if town.kind == Kind.SUBDISTRICT:
                    urban_rural = "111" if rng.random() < 0.8 else "112"
                else:
                    urban_rural = "121" if i == 0 else "122"
                kind = Kind.COMMUNITY
            else:
                name = unique_name(taken, lambda: village_stem(rng)) + "村"
                urban_rural = "210" if (town.kind == Kind.TOWNSHIP and i == n_communities) else "220"
                kind = Kind.VILLAGE
            self._add(RegionSpec(code, name, Level.VILLAGE, kind, town, urban_rural))

    def _populations(self) -> None:
        """First year top-down (district figure split over towns and villages), second year the
        villages' figures moved by a small growth rate and summed up again, so both years add up."""
        first, second = YEARS
        for district in self.districts:
            rng = _rng(district.code, "population")
            if district.code in KNOWN_RESIDENTS:
                known = KNOWN_RESIDENTS[district.code]
                district.residents[first] = rng.randint(round(known * 0.98), round(known * 1.02))
            else:
                district.residents[first] = 300_000 + round(2_200_000 * rng.random() ** 2.5)
            self._split_down(district, first, rng)
            self._grow_up(district, first, second, rng)
        for year in YEARS:
            self.root.residents[year] = sum(d.residents[year] for d in self.districts)

    def _split_down(self, region: RegionSpec, year: int, rng: random.Random) -> None:
        if not region.children:
            return
        weights = []
        for child in region.children:
            base = {Kind.SUBDISTRICT: 2.2, Kind.TOWN: 1.0, Kind.TOWNSHIP: 0.5,
                    Kind.COMMUNITY: 1.6, Kind.VILLAGE: 1.0}.get(child.kind, 1.0)
            weights.append(base * rng.uniform(0.6, 1.4))
        total_weight = sum(weights)
        remaining = region.residents[year]
        for i, child in enumerate(region.children):
            if i == len(region.children) - 1:
                share = remaining
            else:
                share = round(region.residents[year] * weights[i] / total_weight)
                share = min(share, remaining)
            child.residents[year] = share
            remaining -= share
            self._split_down(child, year, rng)

    def _grow_up(self, region: RegionSpec, base: int, year: int, rng: random.Random) -> int:
        if region.children:
            region.residents[year] = sum(self._grow_up(c, base, year, rng) for c in region.children)
        else:
            region.residents[year] = max(0, round(region.residents[base] * (1 + rng.uniform(-0.015, 0.01))))
        return region.residents[year]

    # Units --------------------------------------------------------------------------------------

    def _build_units(self, district: RegionSpec, profile_name: str) -> None:
        profile = PROFILES[profile_name]
        rng = _rng(district.code, "units", profile_name)
        prefix = "县" if district.kind in (Kind.COUNTY, Kind.AUTONOMOUS_COUNTY) else "区"
        short = SHORT_NAMES.get(district.code) or self._short_name(district)
        taken: dict[str, set[str]] = {}

        def add(region, name, type_, parent=None, aliases=None, email=""):
            names = taken.setdefault(region.code, set())
            if name in names:
                return None
            names.add(name)
            parent_key = None
            if parent is not None:
                parent_key = (district.code, parent.format(P=prefix)) if isinstance(parent, str) else parent
            town = region if region.level == Level.TOWN else region.parent if region.level == Level.VILLAGE else None
            where = district.name + (town.name if town else "")
            spec = UnitSpec(
                region=region, name=name, type=type_, parent=parent_key, aliases=aliases or [],
                contact_name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                contact_phone=f"023-{rng.randint(40, 89)}{rng.randint(0, 999999):06d}",
                address=f"{where}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                email=email,
            )
            self.units.append(spec)
            return spec

        def fmt(template: str) -> str:
            return template.format(P=prefix)

        add(district, fmt(ASSOCIATION[0]), ASSOCIATION[1],
            aliases=[f"{district.name}科学技术协会"],
            email=f"kx{len(district.code)}{district.code}@example.cn")
        departments = CORE_DEPARTMENTS + (MORE_DEPARTMENTS if profile.depts == "all" else [])
        for template, type_, parent in departments:
            name = fmt(template)
            aliases = [name[1:]] if name.startswith(prefix) else []
            add(district, name, type_, parent, aliases)
        for society in (SOCIETIES + MORE_SOCIETIES)[: profile.societies]:
            add(district, fmt("{P}") + society, UnitType.SOCIETY, "{P}科协")
        for hospital in HOSPITALS[: profile.hospitals]:
            add(district, fmt("{P}") + hospital, UnitType.HOSPITAL, "{P}卫生健康委")
        if profile_name == "full":
            for template, type_, parent in FULL_EXTRAS:
                add(district, fmt(template), type_, parent)
        # District schools: numbered secondary schools, then named primary schools.
        n_secondary = max(0, profile.schools // 4)
        for i in range(1, n_secondary + 1):
            add(district, fmt("{P}第") + numeral(i) + "中学", UnitType.SECONDARY_SCHOOL, "{P}教委")
        school_stems: set[str] = set()
        for _i in range(profile.schools - n_secondary):
            stem = unique_name(school_stems, lambda: community_stem(rng))
            add(district, fmt("{P}") + stem + "小学", UnitType.PRIMARY_SCHOOL, "{P}教委")
        for _i in range(profile.colleges):
            stem = unique_name(school_stems, lambda: community_stem(rng))
            add(district, f"重庆{stem}职业技术学院", UnitType.UNIVERSITY)
        firm_names: set[str] = set()
        for _i in range(profile.firms):
            firm = unique_name(firm_names, lambda: rng.choice(FIRM) + rng.choice(FIRM))
            add(district, f"重庆{short}{firm}{rng.choice(INDUSTRIES)}有限公司", UnitType.ENTERPRISE)
        social_names: set[str] = set()
        for _i in range(profile.social):
            stem = unique_name(social_names, lambda: community_stem(rng) + rng.choice(SOCIAL))
            add(district, short + stem, UnitType.SOCIAL_ORG, "{P}民政局")

        mode = profile.towns
        if mode == "none":
            return
        for town in district.children:
            self._build_town_units(district, town, mode, prefix, rng, add)

    def _short_name(self, district: RegionSpec) -> str:
        if district.kind == Kind.AUTONOMOUS_COUNTY:
            return district.name[:2]
        stem = district.name[:-1]
        return stem if len(stem) >= 2 else district.name

    def _build_town_units(self, district, town, mode, prefix, rng, add) -> None:
        is_subdistrict = town.kind == Kind.SUBDISTRICT
        gov_name = town.name + ("办事处" if is_subdistrict else "人民政府")
        add(town, gov_name, UnitType.PARTY_GOVERNMENT,
            aliases=[town.name] if not is_subdistrict else [town.name + "办事处", town.name])
        if mode == "gov":
            return
        full = mode == "full"
        if full or rng.random() < 0.7:
            add(town, town.name + "科协", UnitType.ASSOCIATION, "{P}科协")
        stem = town.stem
        if is_subdistrict:
            add(town, stem + "小学", UnitType.PRIMARY_SCHOOL, "{P}教委")
            add(town, town.name + "社区卫生服务中心", UnitType.HOSPITAL, "{P}卫生健康委")
        else:
            add(town, town.name + "中心小学", UnitType.PRIMARY_SCHOOL, "{P}教委")
            add(town, town.name + "卫生院", UnitType.HOSPITAL, "{P}卫生健康委")
            add(town, town.name + "农业服务中心", UnitType.AGRITECH_STATION, "{P}农业农村委")
        if full or rng.random() < 0.5:
            add(town, stem + "中学", UnitType.SECONDARY_SCHOOL, "{P}教委")
        if full:
            # Village schools (村小), named after villages of the town.
            villages = [v for v in town.children if v.kind == Kind.VILLAGE] or town.children
            for village in rng.sample(villages, min(2, len(villages))):
                add(town, village.stem + "小学", UnitType.PRIMARY_SCHOOL, "{P}教委")
            if not is_subdistrict:
                add(town, f"{stem}{rng.choice(CROPS)}专业技术协会", UnitType.RURAL_TECH_ASSOCIATION,
                    (town.code, town.name + "科协"))
        for village in town.children:
            committee = village.name + ("居民委员会" if village.kind == Kind.COMMUNITY else "村民委员会")
            add(village, committee, UnitType.OTHER, (town.code, gov_name),
                aliases=[village.name + ("居委会" if village.kind == Kind.COMMUNITY else "村委会")])

    def regions(self):
        """Every region of the plan, parents before children."""
        queue = deque([self.root])
        while queue:
            region = queue.popleft()
            yield region
            queue.extend(region.children)
