"""Demo venues (演示数据): 科普阵地, certifications, visitor figures and village science officers.

`kepu loaddemo` calls `load_demo_venues(rng)` once the regions, units and personas exist. Where
kepu/fixtures/reference/published-figures-districts.yaml has a figure the demo has exactly that
many venues of the matching type (the comment next to each count names the key):

* 永川区: 289 activity rooms over its towns, villages and communities, 24 科普e站, 51 LED screens in
  communities, 261 科普网络书屋; galleries in most villages; the district 科技馆 with coordinates and
  monthly visitors for 2023 and 2024; municipal and national bases, enough for B3.5 (≥ 5).
  Deliberate gaps for the 站栏员 coverage (B3.2): 15 villages without an activity room, some without
  a gallery (a few got theirs only in 2024) and some without a village science officer;
* 北碚区: 3 national and 22 municipal 科普教育基地;
* 渝北区: 15 community science rooms, 10 campus science museums, 11 rural demonstration bases,
  12 科普e站, 3 national and 10 municipal bases;
* 沙坪坝区: an activity room (科普站) in each of its 202 villages and communities, 17 community and
  youth science halls, 3 science theme parks, 68 bases certified by the city or the district;
* 万州区: 6 campus science museums, 3 community science museums, 100 galleries, 18 community science
  classrooms, 35 bases of all levels.

Everything else (names, coordinates, areas, dates) is synthetic and deterministic (the rng).
Rows are bulk-inserted with region_path set as RegionRecord.save() sets it; officers are accounts
with synthetic phone numbers, created as village_officer_appoint creates them (username m<phone>,
no usable password). No audit entries: this is demo data, not a service write.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.activities.demo import person_name
from kepu.core.demo import register_demo_loader
from kepu.core.gendata.names import URBAN, community_stem, unique_name, village_stem
from kepu.orgs.models import Unit
from kepu.regions.models import Kind, Level, Region

from .models import Certification, Venue, VenueType, VisitorFigure
from .models import Level as CertLevel

NOTE = "（演示数据）"
BATCH = 500
YONGCHUAN, BEIBEI, YUBEI, SHAPINGBA, WANZHOU = "500118", "500109", "500112", "500106", "500101"

# Rough centres (longitude, latitude) of the demo districts, for plausible coordinates.
CENTRES = {YONGCHUAN: (105.927, 29.356), BEIBEI: (106.396, 29.806), YUBEI: (106.631, 29.718),
           SHAPINGBA: (106.456, 29.541), WANZHOU: (108.408, 30.808)}

# 永川区 (published-figures-districts.yaml, 500118).
YC_ACTIVITY_ROOMS = 289  # activity_rooms_town_village_community
YC_E_STATIONS = 24  # kepu_e_stations
YC_LED_SCREENS = 51  # community_led_screens
YC_READING_ROOMS = 261  # online_reading_rooms
YC_VILLAGES_WITHOUT_ROOM = 15  # deliberate gap (B3.2)
YC_VILLAGES_WITHOUT_GALLERY = 24  # deliberate gap (B3.2)
YC_GALLERIES_NEW_IN_2024 = 9  # villages whose gallery went up in 2024: 2023's coverage is lower
YC_VILLAGES_WITHOUT_OFFICER = 22  # deliberate gap (B3.2)
OFFICER_PHONE_PREFIX = "1770118"  # synthetic numbers of the demo officers: 1770118 + 4 digits

BODY = {CertLevel.NATIONAL: "中国科协", CertLevel.MUNICIPAL: "重庆市科学技术协会"}
TITLE = {
    (CertLevel.NATIONAL, VenueType.EDUCATION_BASE): "全国科普教育基地",
    (CertLevel.MUNICIPAL, VenueType.EDUCATION_BASE): "重庆市科普教育基地",
    (CertLevel.MUNICIPAL, VenueType.YOUTH_BASE): "重庆市青少年科普教育基地",
    (CertLevel.MUNICIPAL, VenueType.RURAL_DEMO_BASE): "重庆市农村科普示范基地",
    (CertLevel.MUNICIPAL, VenueType.SCIENCE_MUSEUM): "重庆市科普教育基地",
}
# Themes of the synthetic bases (北碚区, 渝北区, 沙坪坝区, 万州区): "<district><theme>科普教育基地".
BASE_THEMES = ["地质", "气象", "生物多样性", "航空航天", "水利", "中医药", "防灾减灾", "食品安全", "森林生态", "湿地",
               "天文", "人工智能", "智能制造", "新能源汽车", "生命健康", "消防安全", "交通安全", "地震", "农业科技", "茶文化",
               "蚕桑", "柑橘", "电力", "通信", "环境保护", "海洋", "古生物", "昆虫", "植物", "动物", "数字经济",
               "心理健康", "禁毒", "法治", "反诈", "节水", "无线电", "计量", "标准化", "知识产权", "科技创新",
               "机器人", "大数据", "新材料", "生物医药", "轨道交通", "桥梁", "城市规划", "文物保护", "非遗技艺",
               "花卉", "畜牧", "水产", "林业", "园艺", "营养健康", "口腔健康", "眼健康", "应急救护", "科学家精神",
               "国防科技", "核科学", "光电", "集成电路", "软件", "汽车文化", "低碳", "垃圾分类", "节能"]
RURAL_THEMES = ["柑橘", "茶叶", "生猪", "蔬菜", "水产", "中药材", "花椒", "食用菌", "蜂业", "稻渔", "李子"]


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _near(rng: random.Random, centre: tuple[float, float], spread: float) -> tuple[Decimal, Decimal]:
    lon = centre[0] + rng.uniform(-spread, spread)
    lat = centre[1] + rng.uniform(-spread, spread) * 0.85
    return Decimal(f"{lon:.6f}"), Decimal(f"{lat:.6f}")


class Venues:
    """Venues and certifications planned in memory, then bulk-inserted."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.venues: list[Venue] = []
        self.certifications: list[tuple[Venue, dict]] = []
        self.museum: Venue | None = None

    def add(self, region: Region, type_: str, name: str, *, opened: tuple[int, int] = (2012, 2021),
            coords: tuple[float, float] | None = None, spread: float = 0.02, **fields) -> Venue:
        rng = self.rng
        if "opened_on" not in fields:
            fields["opened_on"] = _day(rng, datetime.date(opened[0], 1, 1), datetime.date(opened[1], 12, 31))
        if coords is not None:
            fields["longitude"], fields["latitude"] = _near(rng, coords, spread)
        fields.setdefault("description", f"{name}。{NOTE}")
        venue = Venue(region=region, region_path=region.path, type=type_, name=name, is_demo=True, **fields)
        self.venues.append(venue)
        return venue

    def certify(self, venue: Venue, level: str, year: int, *, valid_until: datetime.date | None = None,
                **fields) -> None:
        fields.setdefault("title", TITLE.get((level, venue.type), TITLE.get((level, VenueType.EDUCATION_BASE), "")))
        fields.setdefault("body", BODY.get(level, venue.region.name + "科学技术协会"))
        if valid_until is None:
            valid_until = datetime.date(year + 5, 12, 31)
        number = {CertLevel.NATIONAL: "科协函普字", CertLevel.MUNICIPAL: "渝科协发"}.get(level, "科协发")
        fields.setdefault("document_number", f"{number}〔{year}〕{self.rng.randint(2, 160)}号")
        self.certifications.append((venue, {"level": level, "year": year, "valid_until": valid_until, **fields}))

    def write(self) -> None:
        Venue.objects.bulk_create(self.venues, batch_size=BATCH)
        Certification.objects.bulk_create([Certification(venue=v, **f) for v, f in self.certifications],
                                          batch_size=BATCH)


def _room_fields(rng: random.Random) -> dict:
    area = rng.randrange(40, 160, 5)
    return {"floor_area": Decimal(area), "exhibition_area": Decimal(area * rng.randint(40, 70) // 100),
            "capacity": rng.randrange(20, 90, 5), "opening_hours": rng.choice(
                ["周一至周五 9:00—17:00", "周二至周日 9:00—17:30", "每周六、周日 14:00—18:00", "工作日 8:30—17:30"])}


def _pick(rng: random.Random, items: list, count: int) -> list:
    """`count` of the items, in their original order (sampling keeps the demo stable)."""
    chosen = set(rng.sample(range(len(items)), count))
    return [item for n, item in enumerate(items) if n in chosen]


# --- 永川区 ------------------------------------------------------------------------------------------------


def _yongchuan(rng: random.Random, plan: Venues) -> list[Region]:
    """Activity rooms, e-stations, screens, reading rooms, galleries and bases of 永川区; returns its
    villages and communities (the officers' turn)."""
    district = Region.objects.get(code=YONGCHUAN)
    towns = list(Region.objects.filter(parent=district).order_by("code"))
    villages = list(Region.objects.filter(parent__parent=district, level=Level.VILLAGE).order_by("code"))
    by_town = defaultdict(list)
    for village in villages:
        by_town[village.parent_id].append(village)
    centre = CENTRES[YONGCHUAN]
    town_centre = {}
    for town in towns:
        spread = 0.04 if town.kind == Kind.SUBDISTRICT else 0.2
        lon, lat = _near(rng, centre, spread)
        town_centre[town.pk] = (float(lon), float(lat))
    where = {v.pk: town_centre[v.parent_id] for v in villages} | town_centre
    communities = [v for v in villages if v.kind == Kind.COMMUNITY]

    # Activity rooms (activity_rooms_town_village_community: 289): every town, a second one in the
    # biggest towns, and every village or community but YC_VILLAGES_WITHOUT_ROOM.
    without_room = {v.pk for v in _pick(rng, villages, YC_VILLAGES_WITHOUT_ROOM)}
    roomed = [v for v in villages if v.pk not in without_room]
    second = YC_ACTIVITY_ROOMS - len(roomed) - len(towns)
    big_towns = sorted(towns, key=lambda t: (-len(by_town[t.pk]), t.code))[:second]
    for town in towns:
        plan.add(town, VenueType.ACTIVITY_ROOM, f"{town.name}科普活动站", coords=where[town.pk], spread=0.01,
                 address=f"{district.name}{town.name}综合文化站", **_room_fields(rng))
    for town in big_towns:
        plan.add(town, VenueType.ACTIVITY_ROOM, f"{town.name}新时代文明实践所科普活动室", coords=where[town.pk],
                 spread=0.01, **_room_fields(rng))
    for village in roomed:
        plan.add(village, VenueType.ACTIVITY_ROOM, f"{village.name}科普活动室", coords=where[village.pk],
                 address=f"{village.name}{'党群服务中心' if village.kind == Kind.VILLAGE else '居民活动中心'}",
                 **_room_fields(rng))

    # 科普e站 (kepu_e_stations: 24): one per subdistrict, the rest in communities with a room.
    subdistricts = [t for t in towns if t.kind == Kind.SUBDISTRICT]
    for town in subdistricts:
        plan.add(town, VenueType.E_STATION, f"{town.name}科普e站", opened=(2019, 2022), coords=where[town.pk],
                 spread=0.01)
    for village in _pick(rng, [c for c in communities if c.pk not in without_room], YC_E_STATIONS - len(subdistricts)):
        plan.add(village, VenueType.E_STATION, f"{village.name}科普e站", opened=(2019, 2022), coords=where[village.pk])

    # LED screens in communities (community_led_screens: 51).
    for village in _pick(rng, communities, YC_LED_SCREENS):
        plan.add(village, VenueType.LED_SCREEN, f"{village.name}LED科普屏", opened=(2018, 2022),
                 coords=where[village.pk], description=f"社区广场的户外 LED 科普屏，每日滚动播放科普内容。{NOTE}")

    # 科普网络书屋 (online_reading_rooms: 261).
    for village in _pick(rng, villages, YC_READING_ROOMS):
        plan.add(village, VenueType.READING_ROOM, f"{village.name}科普网络书屋", opened=(2016, 2020))

    # Galleries: every town, most villages; a few villages only since 2024.
    without_gallery = {v.pk for v in _pick(rng, villages, YC_VILLAGES_WITHOUT_GALLERY)}
    galleried = [v for v in villages if v.pk not in without_gallery]
    late = {v.pk for v in _pick(rng, galleried, YC_GALLERIES_NEW_IN_2024)}
    for town in towns:
        plan.add(town, VenueType.GALLERY, f"{town.name}科普宣传栏", opened=(2010, 2020))
    for village in galleried:
        if village.pk in late:
            plan.add(village, VenueType.GALLERY, f"{village.name}科普画廊", opened=(2024, 2024),
                     opened_on=_day(rng, datetime.date(2024, 3, 1), datetime.date(2024, 10, 31)))
        else:
            plan.add(village, VenueType.GALLERY, f"{village.name}科普画廊", opened=(2010, 2021))

    _yongchuan_bases(rng, plan, district, towns, by_town, where)
    return villages


def _yongchuan_bases(rng, plan: Venues, district: Region, towns, by_town, where) -> None:
    """The district 科技馆 and the certified bases (B3.5: at least 5 municipal or national)."""
    units = {u.name: u for u in Unit.objects.filter(region=district)}
    agri_towns = [t for t in towns if any(v.urban_rural_code.startswith("2") for v in by_town[t.pk])]
    today = timezone.localdate()
    museum = plan.add(district, VenueType.SCIENCE_MUSEUM, "永川区科技馆", opened_on=datetime.date(2017, 5, 18),
                      unit=units.get("区科技馆"), address="永川区兴龙大道 1666 号", longitude=Decimal("105.912340"),
                      latitude=Decimal("29.348760"), opening_hours="周二至周日 9:00—17:00（周一闭馆）",
                      floor_area=Decimal("6800.0"), exhibition_area=Decimal("4200.0"), capacity=800,
                      description=f"区级综合性科技馆，设基础科学、智能制造、生命健康和儿童科学乐园等展区。{NOTE}")
    # Its title runs out a few weeks from today, so the expiry reminder and the re-evaluation show.
    plan.certify(museum, CertLevel.MUNICIPAL, 2019, valid_until=today + datetime.timedelta(days=45),
                 review_on=today + datetime.timedelta(days=15))
    bases = [
        ("永川区茶山竹海生态科普教育基地", VenueType.EDUCATION_BASE, CertLevel.NATIONAL, 2021, None, (105.98, 29.42)),
        ("永川区青少年科技创新教育基地", VenueType.YOUTH_BASE, CertLevel.MUNICIPAL, 2020, None, (105.93, 29.36)),
        ("永川区智能制造科普教育基地", VenueType.EDUCATION_BASE, CertLevel.MUNICIPAL, 2022, None, (105.89, 29.33)),
        ("永川区现代农业科技示范园", VenueType.RURAL_DEMO_BASE, CertLevel.MUNICIPAL, 2021, "agri", None),
        ("永川区秀芽茶科普示范基地", VenueType.RURAL_DEMO_BASE, CertLevel.MUNICIPAL, 2023, "agri", None),
        # Expired in mid-2023 and not renewed: it counts for 2023, not for 2024.
        ("永川区气象科普教育基地", VenueType.EDUCATION_BASE, CertLevel.MUNICIPAL, 2018, datetime.date(2023, 6, 30),
         (105.95, 29.37)),
        # District-level titles: listed, but not counted by B3.5.
        ("永川区中医药科普教育基地", VenueType.EDUCATION_BASE, CertLevel.DISTRICT, 2022, None, (105.92, 29.35)),
        ("永川区防灾减灾科普教育基地", VenueType.EDUCATION_BASE, CertLevel.DISTRICT, 2021, None, (105.94, 29.34)),
    ]
    for name, type_, level, year, valid, place in bases:
        region, coords = district, place
        if place == "agri":
            region = rng.choice(agri_towns)
            coords, valid = where[region.pk], None
        venue = plan.add(region, type_, name, opened=(2012, year - 1), coords=coords, spread=0.01,
                         floor_area=Decimal(rng.randrange(800, 5000, 100)), capacity=rng.randrange(100, 600, 50),
                         opening_hours="周二至周日 9:00—17:00",
                         unit=units.get("区科协") if region.pk == district.pk else None)
        plan.certify(venue, level, year, valid_until=valid if isinstance(valid, datetime.date) else None,
                     **({"body": "永川区科学技术协会", "title": "永川区科普教育基地"} if level == CertLevel.DISTRICT
                        else {}))
    plan.museum = museum


def _visitors(rng: random.Random, museum: Venue) -> None:
    """Monthly visitors of the 永川区科技馆, 2023 and 2024: summer and holidays busier, 2024 up."""
    season = {1: 1.25, 2: 1.35, 3: 0.85, 4: 0.9, 5: 1.1, 6: 0.95, 7: 1.7, 8: 1.8, 9: 0.85, 10: 1.3, 11: 0.8, 12: 0.75}
    rows = []
    for year, base in ((2023, 9_200), (2024, 9_900)):
        for month in range(1, 13):
            rows.append(VisitorFigure(venue=museum, year=year, month=month,
                                      visitors=round(base * season[month] * rng.uniform(0.92, 1.08))))
    VisitorFigure.objects.bulk_create(rows)


def _officers(rng: random.Random, villages: list[Region]) -> int:
    """Officers for all villages but YC_VILLAGES_WITHOUT_OFFICER (the persona's village keeps its own)."""
    has = set(RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region__in=villages)
              .values_list("region_id", flat=True))
    without = {v.pk for v in _pick(rng, [v for v in villages if v.pk not in has], YC_VILLAGES_WITHOUT_OFFICER)}
    taken = set(User.objects.filter(phone__startswith=OFFICER_PHONE_PREFIX).values_list("phone", flat=True))
    users, targets = [], []
    serial = 0
    for village in villages:
        if village.pk in has or village.pk in without:
            continue
        serial += 1
        phone = f"{OFFICER_PHONE_PREFIX}{serial:04d}"
        if phone in taken:
            continue
        users.append(User(username=f"m{phone}", phone=phone, display_name=person_name(rng),
                          password=make_password(None), is_demo=True))
        targets.append(village)
    User.objects.bulk_create(users, batch_size=BATCH)
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.VILLAGE_OFFICER, region=v)
                                        for u, v in zip(users, targets, strict=True)], batch_size=BATCH)
    return len(users)


# --- the other districts -------------------------------------------------------------------------------------


def _certified_bases(rng: random.Random, plan: Venues, district: Region, levels: list[str], *, first_year=2016,
                     suffix: str = "科普教育基地") -> None:
    """One base per entry of `levels`, named by theme, certified at that level (valid through 2025 at least)."""
    themes = rng.sample(BASE_THEMES, len(levels))
    for theme, level in zip(themes, levels, strict=True):
        type_ = VenueType.YOUTH_BASE if theme in ("航空航天", "天文", "机器人", "人工智能") else VenueType.EDUCATION_BASE
        venue = plan.add(district, type_, f"{district.name}{theme}{suffix}", opened=(2008, 2019),
                         coords=CENTRES.get(district.code), spread=0.08,
                         floor_area=Decimal(rng.randrange(500, 8000, 100)), capacity=rng.randrange(80, 800, 20))
        year = rng.randint(first_year, 2022)
        fields = {}
        if level == CertLevel.DISTRICT:
            fields = {"body": f"{district.name}科学技术协会", "title": f"{district.name}科普教育基地"}
        plan.certify(venue, level, year, valid_until=datetime.date(max(year + 5, 2025), 12, 31), **fields)


def _beibei(rng: random.Random, plan: Venues) -> None:
    district = Region.objects.get(code=BEIBEI)
    # national_science_bases: 3, municipal_science_bases: 22
    _certified_bases(rng, plan, district, [CertLevel.NATIONAL] * 3 + [CertLevel.MUNICIPAL] * 22)


def _yubei(rng: random.Random, plan: Venues) -> None:
    district = Region.objects.get(code=YUBEI)
    centre = CENTRES[YUBEI]
    used: set[str] = set()
    for _n in range(15):  # community_science_rooms: 15
        name = unique_name(used, lambda: community_stem(rng)) + "社区科普活动室"
        plan.add(district, VenueType.ACTIVITY_ROOM, f"渝北区{name}", coords=centre, spread=0.1, **_room_fields(rng))
    for _n in range(10):  # campus_science_museums: 10
        name = unique_name(used, lambda: rng.choice(URBAN)) + rng.choice(["小学", "中学", "实验学校"])
        plan.add(district, VenueType.CAMPUS_MUSEUM, f"渝北区{name}校园科技馆", coords=centre, spread=0.1,
                 opened=(2016, 2022), is_public=False)
    for theme in rng.sample(RURAL_THEMES, 11):  # rural_demo_bases: 11
        plan.add(district, VenueType.RURAL_DEMO_BASE, f"渝北区{unique_name(used, lambda: village_stem(rng))}{theme}"
                 "农村科普示范基地", coords=centre, spread=0.15)
    for _n in range(12):  # kepu_e_stations: 12
        name = unique_name(used, lambda: community_stem(rng)) + "社区科普e站"
        plan.add(district, VenueType.E_STATION, f"渝北区{name}", coords=centre, spread=0.1, opened=(2019, 2022))
    # national_science_bases: 3, municipal_science_bases: 10
    _certified_bases(rng, plan, district, [CertLevel.NATIONAL] * 3 + [CertLevel.MUNICIPAL] * 10)


def _shapingba(rng: random.Random, plan: Venues) -> None:
    district = Region.objects.get(code=SHAPINGBA)
    centre = CENTRES[SHAPINGBA]
    towns = list(Region.objects.filter(parent=district).order_by("code"))
    villages = list(Region.objects.filter(parent__parent=district, level=Level.VILLAGE).order_by("code"))
    for village in villages:  # village_community_science_stations: 202 (the demo has 202 villages)
        plan.add(village, VenueType.ACTIVITY_ROOM, f"{village.name}科普站", coords=centre, spread=0.06,
                 **_room_fields(rng))
    # community_and_youth_science_halls: 17 (at town level: 12 community, 5 youth science halls)
    for n, town in enumerate(_pick(rng, towns, 17)):
        kind = "社区科普馆" if n < 12 else "青少年科普馆"
        plan.add(town, VenueType.ACTIVITY_ROOM, f"{town.name}{kind}", coords=centre, spread=0.06,
                 **_room_fields(rng))
    for name in ("沙坪坝区科学公园", "沙坪坝区磁器口科普主题公园", "沙坪坝区歌乐山森林科普公园"):
        plan.add(district, VenueType.THEME_PARK, name, coords=centre, spread=0.05)  # community_science_parks: 3
    # science_bases_city_and_district: 68 (20 certified by the city, 48 by the district)
    _certified_bases(rng, plan, district, [CertLevel.MUNICIPAL] * 20 + [CertLevel.DISTRICT] * 48, first_year=2012,
                     suffix="科普基地")


def _wanzhou(rng: random.Random, plan: Venues) -> None:
    district = Region.objects.get(code=WANZHOU)
    centre = CENTRES[WANZHOU]
    used: set[str] = set()
    for _n in range(6):  # campus_science_museums: 6
        name = unique_name(used, lambda: rng.choice(URBAN)) + rng.choice(["小学", "中学"])
        plan.add(district, VenueType.CAMPUS_MUSEUM, f"万州区{name}校园科技馆", coords=centre, spread=0.05,
                 is_public=False)
    for _n in range(3):  # community_science_museums: 3
        name = unique_name(used, lambda: community_stem(rng))
        plan.add(district, VenueType.ACTIVITY_ROOM, f"万州区{name}社区科普馆", coords=centre, spread=0.05,
                 **_room_fields(rng))
    for _n in range(100):  # science_galleries: about 100
        name = unique_name(used, lambda: community_stem(rng))
        plan.add(district, VenueType.GALLERY, f"万州区{name}社区科普画廊", opened=(2010, 2022))
    for _n in range(18):  # community_science_classrooms: 18
        name = unique_name(used, lambda: community_stem(rng))
        plan.add(district, VenueType.OTHER, f"万州区{name}社区科普课堂", coords=centre, spread=0.05,
                 description=f"社区科普大学教学点（社区科普课堂）。{NOTE}")
    # science_bases_all_levels: 35 (2 national, 10 municipal, 23 district)
    _certified_bases(rng, plan, district, [CertLevel.NATIONAL] * 2 + [CertLevel.MUNICIPAL] * 10
                     + [CertLevel.DISTRICT] * 23, suffix="科普基地")


@register_demo_loader
def load_demo_venues(rng: random.Random) -> None:
    """Venues, certifications, the 科技馆's visitors and village officers for the demo districts."""
    if Venue.objects.filter(is_demo=True).exists():
        return
    plan = Venues(rng)
    villages = _yongchuan(rng, plan)
    _beibei(rng, plan)
    _yubei(rng, plan)
    _shapingba(rng, plan)
    _wanzhou(rng, plan)
    plan.write()
    _visitors(rng, plan.museum)
    _officers(rng, villages)
