"""Synthetic venues for `kepu gendata`: 科普阵地, certifications, visitor figures, village officers.

| scale | venues | certifications | village officers |
| --- | --- | --- | --- |
| small | 永川区's 117 villages and 23 towns and its district-level venues, a handful in every other district: 1,948 | 188 | 94 |
| district | as small, 永川区 with 284 villages: 3,216 | 200 | 236 |
| city | 100,391 over the 10,139 villages, 997 towns and 41 district-level regions | 3,445 (3.4 % of the venues) | 8,655 |

Per village or community: an activity room (88 %, a second one in a tenth of those), 0–7 galleries,
a 科普网络书屋 (85 %), a 科普e站 (25 %), an LED screen (40 % of communities, 10 % of villages). Per town:
activity rooms, galleries, screens, e-stations, a reading room, 农村科普示范基地 in agriculture-related
towns, a few bases and 科技小院. Per built-out district: the 科技馆 (85 %), museums, 20-odd bases,
campus museums, theme parks, hundreds of galleries and screens. About 6 % of the venues opened in
2024 and 2 % have closed, so the years differ. ~58 % of the base-like venues (bases, museums, parks,
科技小院) hold a certification (6 % national, 34 % municipal, 60 % district), valid five years,
those from before 2019 mostly renewed, 3 % revoked. Museums have monthly visitors for 2023 and
2024. 85 % of the villages have a village science officer: an account with a synthetic phone number
(username m<phone>, no usable password, as village_officer_appoint creates it) and the role.

Written through kepu/orgs/base_gendata.py's helpers (explicit ids, COPY or executemany, region_path
set as save() sets it). A district that already has generated venues is skipped. Deterministic.
"""

from __future__ import annotations

import datetime
import random
import time

from django.contrib.auth.hashers import make_password

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.core.gendata import register_gendata_extension
from kepu.core.gendata.names import CROPS, ROADS, URBAN, village_stem
from kepu.orgs.base_gendata import Layout, Rows, built_out, day_between, finish, person, say, stamp
from kepu.orgs.models import Unit
from kepu.regions.models import Kind

from .demo import BASE_THEMES
from .models import Certification, Level, Venue, VenueType, VisitorFigure

SEED = "kepu-gendata-venues-2026"
MARK = "（gendata 合成数据）"
T = VenueType
CERTIFIABLE = {T.SCIENCE_MUSEUM, T.SCITECH_MUSEUM, T.EDUCATION_BASE, T.YOUTH_BASE, T.RURAL_DEMO_BASE,
               T.CAMPUS_MUSEUM, T.RURAL_SCHOOL_MUSEUM, T.THEME_PARK, T.SCIENCE_YARD}
CERTIFIED_SHARE = 0.58
OFFICER_SHARE = 0.85
OFFICER_PHONE_PREFIX = "198"  # 198 + 8 digits: synthetic numbers of generated officers
CHONGQING = (105.2, 110.2, 28.1, 32.2)  # longitude and latitude bounds for the synthetic coordinates
TITLES = {
    (Level.NATIONAL, T.YOUTH_BASE): "全国青少年科技教育基地",
    (Level.NATIONAL, T.RURAL_DEMO_BASE): "全国农村科普示范基地",
    (Level.MUNICIPAL, T.YOUTH_BASE): "重庆市青少年科普教育基地",
    (Level.MUNICIPAL, T.RURAL_DEMO_BASE): "重庆市农村科普示范基地",
    (Level.NATIONAL, None): "全国科普教育基地",
    (Level.MUNICIPAL, None): "重庆市科普教育基地",
    (Level.DISTRICT, None): "区县科普教育基地",
}
BODIES = {Level.NATIONAL: "中国科协", Level.MUNICIPAL: "重庆市科学技术协会"}
HOURS = ["周一至周五 9:00—17:00", "周二至周日 9:00—17:00", "周二至周日 9:30—16:30", "每周六、周日 14:00—18:00",
         "工作日 8:30—17:30", "全天开放"]


class DistrictVenues:
    """One district's venues, certifications, visitors and officers, into the row buffers."""

    def __init__(self, rows: dict[str, Rows], rng: random.Random, district, layout: Layout, full: bool):
        self.rows = rows
        self.rng = rng
        self.district = district
        self.layout = layout
        self.full = full
        self.now = stamp()
        self.made = dict.fromkeys(("venues", "certifications", "visitor_figures", "village_officers"), 0)
        lon = rng.uniform(CHONGQING[0] + 0.3, CHONGQING[1] - 0.3)
        lat = rng.uniform(CHONGQING[2] + 0.3, CHONGQING[3] - 0.3)
        self.centre = (lon, lat)
        self.association = Unit.objects.filter(region=district, name__in=["区科协", "县科协"]).values_list(
            "pk", flat=True).first()
        # Names the district already has (entered, or the demo's): kept, not generated again.
        self.taken = set(Venue.objects.filter(region_path__startswith=district.path).values_list(
            "region_id", "type", "name"))
        self.museum_unit = Unit.objects.filter(region=district, name__in=["区科技馆", "县科技馆"]).values_list(
            "pk", flat=True).first()

    # one venue -------------------------------------------------------------------------------------------

    def venue(self, region, type_: str, name: str, *, near=None, spread: float = 0.02, unit=None, big: bool = False,
              public: bool = True) -> int | None:
        rng = self.rng
        if (region.pk, type_, name) in self.taken:
            return None
        roll = rng.random()
        if roll < 0.06:
            opened = day_between(rng, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
        else:
            opened = day_between(rng, datetime.date(2006, 1, 1), datetime.date(2023, 12, 31))
        closed = None
        if roll > 0.98 and opened.year < 2022:
            closed = day_between(rng, max(opened + datetime.timedelta(days=365), datetime.date(2021, 1, 1)),
                                 datetime.date(2024, 11, 30)).isoformat()
        lon = lat = None
        if near is not None:
            lon = f"{near[0] + rng.uniform(-spread, spread):.6f}"
            lat = f"{near[1] + rng.uniform(-spread, spread) * 0.85:.6f}"
        area = floor = capacity = None
        hours = ""
        if big:
            floor = rng.randrange(600, 12000, 100)
            area, capacity, hours = floor * rng.randint(45, 75) // 100, rng.randrange(100, 1500, 50), rng.choice(HOURS)
        elif type_ in (T.ACTIVITY_ROOM, T.E_STATION, T.READING_ROOM, T.OTHER):
            floor = rng.randrange(30, 200, 5)
            area, capacity, hours = floor * rng.randint(40, 70) // 100, rng.randrange(15, 100, 5), rng.choice(HOURS)
        pk = self.rows["venue"].add(
            region.pk, region.path, True, self.now, self.now, name, type_, unit, f"{region.name}{rng.choice(ROADS)}"
            f"{rng.randint(1, 300)}号", lon, lat, hours, f"{floor}.0" if floor else None, f"{area}.0" if area else None,
            capacity, public, opened.isoformat(), closed, MARK)
        self.made["venues"] += 1
        if type_ in CERTIFIABLE and rng.random() < CERTIFIED_SHARE:
            self.certify(pk, type_, region, opened)
        if type_ in (T.SCIENCE_MUSEUM, T.SCITECH_MUSEUM) and closed is None:
            self.visitors(pk, big=type_ == T.SCIENCE_MUSEUM)
        return pk

    def certify(self, venue: int, type_: str, region, opened: datetime.date) -> None:
        rng = self.rng
        roll = rng.random()
        level = Level.NATIONAL if roll < 0.06 else Level.MUNICIPAL if roll < 0.40 else Level.DISTRICT
        year = rng.randint(max(2010, opened.year), 2024)
        grants = [year]
        if year <= 2018 and rng.random() < 0.8:
            grants.append(year + 5)  # renewed after five years
        for n, granted in enumerate(grants):
            revoked = None
            if n == len(grants) - 1 and rng.random() < 0.03:
                revoked = datetime.date(granted + 1, rng.randint(1, 12), 15).isoformat()
            valid = datetime.date(granted + 5, 12, 31)
            review = (valid - datetime.timedelta(days=120)).isoformat() if rng.random() < 0.5 else None
            title = TITLES.get((level, type_)) or TITLES[(level, None)]
            body = BODIES.get(level) or self.district.name + "科学技术协会"
            self.rows["certification"].add(venue, level, title, body, granted, valid.isoformat(), review,
                                           f"科协发〔{granted}〕{rng.randint(1, 200)}号", revoked, None, self.now,
                                           self.now)
            self.made["certifications"] += 1

    def visitors(self, venue: int, *, big: bool) -> None:
        base = self.rng.randrange(3_000, 20_000, 100) if big else self.rng.randrange(500, 6_000, 50)
        for year in (2023, 2024):
            for month in range(1, 13):
                summer = 1.6 if month in (7, 8) else 1.2 if month in (2, 10) else 1.0
                self.rows["visitors"].add(venue, year, month, round(base * summer * self.rng.uniform(0.85, 1.15)), "",
                                          self.now)
                self.made["visitor_figures"] += 1

    # regions -------------------------------------------------------------------------------------------------

    def district_venues(self) -> None:
        rng, d = self.rng, self.district
        themes = iter(rng.sample(BASE_THEMES, len(BASE_THEMES)))
        names: set[str] = set()

        def fresh(make) -> str:
            for _attempt in range(50):
                name = make()
                if name not in names:
                    names.add(name)
                    return name
            name = f"{make()}{len(names)}"
            names.add(name)
            return name

        if rng.random() < 0.85:
            self.venue(d, T.SCIENCE_MUSEUM, f"{d.name}科技馆", near=self.centre, spread=0.05, unit=self.museum_unit,
                       big=True)
        scale = 1 if self.full else 0
        for _n in range(rng.randint(0, 3) * scale):
            self.venue(d, T.SCITECH_MUSEUM, f"{d.name}{next(themes)}博物馆", near=self.centre, spread=0.2, big=True)
        for _n in range(rng.randint(8, 25) if self.full else 2):
            self.venue(d, T.EDUCATION_BASE, f"{d.name}{next(themes)}科普教育基地", near=self.centre, spread=0.3,
                       unit=self.association if rng.random() < 0.2 else None, big=True)
        for _n in range(rng.randint(3, 10) if self.full else 1):
            self.venue(d, T.YOUTH_BASE, f"{d.name}{next(themes)}青少年科普教育基地", near=self.centre, spread=0.3,
                       big=True)
        for _n in range(rng.randint(2, 8) * scale):
            self.venue(d, T.RURAL_DEMO_BASE, fresh(lambda: f"{d.name}{village_stem(rng)}{rng.choice(CROPS)}农村科普示范基地"),
                       near=self.centre, spread=0.35, big=True)
        for _n in range(rng.randint(10, 40) * scale):
            self.venue(d, T.CAMPUS_MUSEUM, fresh(lambda: f"{d.name}{rng.choice(URBAN)}{rng.choice(['小学', '中学'])}"
                                                 "校园科技馆"), near=self.centre, spread=0.3, public=False)
        for _n in range(rng.randint(2, 10) * scale):
            self.venue(d, T.RURAL_SCHOOL_MUSEUM, fresh(lambda: f"{d.name}{village_stem(rng)}中学科技馆"), near=self.centre,
                       spread=0.35, public=False)
        for _n in range(rng.randint(0, 4) * scale):
            self.venue(d, T.THEME_PARK, fresh(lambda: f"{d.name}{rng.choice(URBAN)}科普主题公园"), near=self.centre,
                       spread=0.2)
        for n in range(1, (rng.randint(180, 480) if self.full else 5) + 1):
            self.venue(d, T.GALLERY, f"{d.name}{rng.choice(ROADS)}科普画廊{n}号")
        for n in range(1, (rng.randint(40, 140) if self.full else 2) + 1):
            self.venue(d, T.LED_SCREEN, f"{d.name}LED科普屏{n}号")
        for n in range(1, rng.randint(5, 20) * scale + 1):
            self.venue(d, T.OTHER, f"{d.name}社区科普大学教学点{n}号", near=self.centre, spread=0.2)

    def town_venues(self, town, near) -> None:
        rng = self.rng
        rural = town.kind != Kind.SUBDISTRICT
        for n in range(1, rng.randint(1, 3) + 1):
            self.venue(town, T.ACTIVITY_ROOM, f"{town.name}科普活动站" + (f"（{n}）" if n > 1 else ""), near=near)
        for n in range(1, rng.randint(6, 16) + 1):
            self.venue(town, T.GALLERY, f"{town.name}科普宣传栏{n}号")
        for n in range(1, rng.randint(1, 4) + 1):
            self.venue(town, T.LED_SCREEN, f"{town.name}LED科普屏{n}号")
        for n in range(1, rng.randint(0, 2) + 1):
            self.venue(town, T.E_STATION, f"{town.name}科普e站" + (f"（{n}）" if n > 1 else ""), near=near)
        self.venue(town, T.READING_ROOM, f"{town.name}科普网络书屋")
        if rural and rng.random() < 0.25:
            self.venue(town, T.SCIENCE_YARD, f"{town.name}{rng.choice(CROPS)}科技小院", near=near, spread=0.05)
        if self.layout.is_agri(town):
            for crop in rng.sample(CROPS, rng.randint(0, 2)):
                self.venue(town, T.RURAL_DEMO_BASE, f"{town.name}{crop}农村科普示范基地", near=near, spread=0.05,
                           big=True)
        for theme in rng.sample(BASE_THEMES, rng.randint(0, 2)):
            self.venue(town, T.EDUCATION_BASE, f"{town.name}{theme}科普教育基地", near=near, spread=0.05, big=True)
        if rng.random() < 0.4:
            self.venue(town, T.YOUTH_BASE, f"{town.name}青少年科普教育基地", near=near, spread=0.05, big=True)
        if rng.random() < 0.3:
            self.venue(town, T.OTHER, f"{town.name}科普大篷车停靠点", near=near)

    def village_venues(self, village, near) -> None:
        rng = self.rng
        community = village.kind == Kind.COMMUNITY
        if rng.random() < 0.88:
            self.venue(village, T.ACTIVITY_ROOM, f"{village.name}科普活动室", near=near)
            if rng.random() < 0.1:
                self.venue(village, T.ACTIVITY_ROOM, f"{village.name}新时代文明实践站科普室", near=near)
        if rng.random() >= 0.1:
            for n in range(1, rng.randint(1, 7) + 1):
                self.venue(village, T.GALLERY, f"{village.name}科普画廊" + (f"{n}号" if n > 1 else ""))
        if rng.random() < 0.85:
            self.venue(village, T.READING_ROOM, f"{village.name}科普网络书屋")
        if rng.random() < 0.25:
            self.venue(village, T.E_STATION, f"{village.name}科普e站", near=near)
        if rng.random() < (0.4 if community else 0.1):
            self.venue(village, T.LED_SCREEN, f"{village.name}LED科普屏")

    def run(self, phones: PhoneBook) -> dict[str, int]:
        self.district_venues()
        rng = self.rng
        villages = []
        for town in self.layout.towns_of[self.district.pk]:
            spread = 0.08 if town.kind == Kind.SUBDISTRICT else 0.4
            near = (self.centre[0] + rng.uniform(-spread, spread), self.centre[1] + rng.uniform(-spread, spread) * 0.85)
            self.town_venues(town, near)
            for village in self.layout.villages_of[town.pk]:
                self.village_venues(village, (near[0] + rng.uniform(-0.04, 0.04), near[1] + rng.uniform(-0.03, 0.03)))
                villages.append(village)
        self.officers(villages, phones)
        return self.made

    def officers(self, villages: list, phones: PhoneBook) -> None:
        """A village science officer in OFFICER_SHARE of the villages (not where one is appointed)."""
        has = set(RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region__in=[v.pk for v in villages])
                  .values_list("region_id", flat=True)) if villages else set()
        for village in villages:
            if village.pk in has or self.rng.random() >= OFFICER_SHARE:
                continue
            phone = phones.next()
            user = self.rows["user"].add(phones.password, None, False, f"m{phone}", "", "", "", False, True, self.now,
                                         phone, person(self.rng), True)
            self.rows["role"].add(user, Role.VILLAGE_OFFICER.value, village.pk, None, None, self.now)
            self.made["village_officers"] += 1


class PhoneBook:
    """Synthetic officer phone numbers (198 + 8 digits) no account has yet, in order."""

    def __init__(self):
        self.taken = set(User.objects.filter(phone__startswith=OFFICER_PHONE_PREFIX).values_list("phone", flat=True))
        self.taken |= {u[1:] for u in User.objects.filter(username__startswith="m" + OFFICER_PHONE_PREFIX)
                       .values_list("username", flat=True)}
        self.n = 0
        self.password = make_password(None)  # unusable, as for an appointed officer without a password

    def next(self) -> str:
        while True:
            self.n += 1
            phone = f"{OFFICER_PHONE_PREFIX}{self.n:08d}"
            if phone not in self.taken:
                return phone


def _existing(district) -> dict[str, int] | None:
    venues = Venue.objects.filter(region_path__startswith=district.path, description=MARK)
    n = venues.count()
    if not n:
        return None
    return {"venues": n, "certifications": Certification.objects.filter(venue__in=venues).count(),
            "visitor_figures": VisitorFigure.objects.filter(venue__in=venues).count(),
            "village_officers": RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER,
                                                              region__path__startswith=district.path).count()}


@register_gendata_extension
def generate_venues(*, scale: str, regions: dict, stdout=None) -> dict[str, int]:
    """Venues, certifications, visitor figures and village officers for the plan's regions."""
    started = time.perf_counter()
    layout = Layout.of(regions)
    totals = dict.fromkeys(("venues", "certifications", "visitor_figures", "village_officers"), 0)
    record = ["region", "region_path", "is_demo", "created_at", "updated_at"]
    rows = {
        "venue": Rows(Venue, [*record, "name", "type", "unit", "address", "longitude", "latitude", "opening_hours",
                              "floor_area", "exhibition_area", "capacity", "is_public", "opened_on", "closed_on",
                              "description"]),
        "certification": Rows(Certification, ["venue", "level", "title", "body", "year", "valid_until", "review_on",
                                              "document_number", "revoked_on", "reminded_days", "created_at",
                                              "updated_at"]),
        "visitors": Rows(VisitorFigure, ["venue", "year", "month", "visitors", "note", "updated_at"]),
        "user": Rows(User, ["password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                            "is_staff", "is_active", "date_joined", "phone", "display_name", "is_demo"]),
        "role": Rows(RoleAssignment, ["user", "role", "region", "unit", "granted_by", "created_at"]),
    }
    phones = PhoneBook()
    for district in layout.districts:
        existing = _existing(district)
        if existing is not None:
            for key, value in existing.items():
                totals[key] += value
            continue
        rng = random.Random(f"{SEED}/{scale}/{district.code}")
        writer = DistrictVenues(rows, rng, district, layout, built_out(scale, district))
        for key, value in writer.run(phones).items():
            totals[key] += value
        for table in ("venue", "user"):  # parents before their children: foreign keys are checked
            rows[table].flush()
    finish(*rows.values())
    say(stdout, f"  venues {totals['venues']:,}, certifications {totals['certifications']:,}, visitor figures "
                f"{totals['visitor_figures']:,}, village officers {totals['village_officers']:,} "
                f"({time.perf_counter() - started:.1f} s)")
    return totals
