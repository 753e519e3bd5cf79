"""Demo activities (演示数据) for the nine 2021–2025 national demonstration districts.

`kepu loaddemo` calls `load_demo_activities(rng)` once the regions, units and personas exist. The
figures agree with kepu/fixtures/reference/published-figures-districts.yaml where it speaks of
activities:

* 巴南区: about 350 全国科普日 events in 2025 with about 1.5 million reported person-times;
* 沙坪坝区: about 300 科技志愿服务 activities held in 2025;
* 江北区: reported person-times of each year ≈ 0.8 × its (demo) resident population (activity
  coverage about 0.8), of which about 100,000 at volunteer-service activities in 2025;
* 万州区: about 200,000 person-times at theme-day activities and about 10,000 at volunteer
  service in 2025;
* 渝中区: about 1,000 community activities a year.

Past activities are dated relative to a fixed anchor (ANCHOR, 2025-12-31) so the data set is the
same on every run; the few upcoming ones (published, open for registration) are dated from today,
so that registration is open whenever someone starts the demo. Rows are bulk-inserted (services
would take minutes for thousands of rows and write an audit entry each), keeping what the services
keep: region_path = region.path, status 已报送 exactly when the report is submitted, a report's
person_times = the sum of its counts, confirmed_count = the confirmed registrations.
"""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass, field

from django.utils import timezone

from kepu.accounts.models import User
from kepu.core import pii
from kepu.core.demo import register_demo_loader
from kepu.core.gendata.names import GIVEN, SURNAMES, URBAN
from kepu.orgs.models import Unit, UnitType
from kepu.regions.models import Population, Region

from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    ParticipationReport,
    Registration,
    RegistrationStatus,
    ReportCount,
    TargetGroup,
    ThemeDay,
    ThemeDayDate,
)

ANCHOR = datetime.date(2025, 12, 31)
YEARS = (2024, 2025)
NOTE = "（演示数据）"
BATCH = 500

# Variable theme days the demo (and gendata) use, and the month they fall in: the third full week
# of the month, Saturday to Friday (科技活动周 2025: 5 月 17 日–23 日).
VARIABLE_THEME_MONTHS = {"科技活动周": 5, "全国科普日": 9}
SCIENCE_DAY = "全国科普日"
SCIENCE_WEEK = "科技活动周"


def third_full_week(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The third Saturday-to-Friday week of the month."""
    first = datetime.date(year, month, 1)
    saturday = first + datetime.timedelta(days=(5 - first.weekday()) % 7) + datetime.timedelta(weeks=2)
    return saturday, saturday + datetime.timedelta(days=6)


def ensure_theme_dates(years) -> dict[tuple[str, int], tuple[datetime.date, datetime.date]]:
    """Set the dates of the variable theme days used here where nobody has set them yet."""
    days = {d.name: d for d in ThemeDay.objects.filter(name__in=VARIABLE_THEME_MONTHS)}
    out = {}
    for name, month in VARIABLE_THEME_MONTHS.items():
        if name not in days:
            continue
        for year in years:
            start, end = third_full_week(year, month)
            row, _created = ThemeDayDate.objects.get_or_create(theme_day=days[name], year=year,
                                                               defaults={"start": start, "end": end})
            out[(name, year)] = (row.start, row.end)
    return out


# --- vocabulary shared with gendata ------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    name: str
    kinds: tuple[str, ...]
    groups: tuple[str, ...]  # TargetGroup keys
    field: str  # who organizes it: edu, health, agri, officials, general
    theme: str = ""  # a fixed-date theme day it belongs to


K = ActivityKind
TOPICS = [
    Topic("人工智能启蒙", (K.LECTURE, K.EXHIBITION, K.CONTEST, K.ONLINE), ("youth",), "edu"),
    Topic("青少年近视防控", (K.LECTURE, K.HEALTH_CONSULTATION), ("youth",), "health"),
    Topic("无人机与编程", (K.TRAINING, K.CONTEST), ("youth",), "edu"),
    Topic("趣味科学实验", (K.PERFORMANCE, K.OPEN_DAY), ("youth",), "edu"),
    Topic("航天知识", (K.EXHIBITION, K.LECTURE), ("youth", "public"), "edu", "中国航天日"),
    Topic("地球与生命科学", (K.EXHIBITION, K.OPEN_DAY), ("youth",), "general", "世界地球日"),
    Topic("柑橘绿色高效栽培", (K.TRAINING,), ("farmers",), "agri"),
    Topic("茶叶病虫害绿色防控", (K.TRAINING,), ("farmers",), "agri"),
    Topic("生猪科学养殖", (K.TRAINING,), ("farmers",), "agri"),
    Topic("农村电商与直播带货", (K.TRAINING, K.ONLINE), ("farmers",), "agri"),
    Topic("节粮减损", (K.EXHIBITION, K.LECTURE), ("farmers", "public"), "agri", "世界粮食日"),
    Topic("气象灾害防御", (K.LECTURE, K.EXHIBITION), ("farmers", "public"), "general", "世界气象日"),
    Topic("安全生产与应急避险", (K.TRAINING, K.LECTURE), ("industrial_workers",), "general", "安全生产月"),
    Topic("职业病防治", (K.LECTURE, K.HEALTH_CONSULTATION), ("industrial_workers",), "health"),
    Topic("智能制造新技能", (K.TRAINING,), ("industrial_workers",), "general"),
    Topic("老年人智能手机使用", (K.TRAINING,), ("elderly",), "general"),
    Topic("防范电信网络诈骗", (K.LECTURE, K.PERFORMANCE), ("elderly", "public"), "general"),
    Topic("慢性病防治与合理用药", (K.HEALTH_CONSULTATION, K.LECTURE), ("elderly",), "health"),
    Topic("领导干部科学素质", (K.LECTURE, K.TRAINING), ("officials",), "officials"),
    Topic("数据安全与数字政府", (K.LECTURE,), ("officials",), "officials"),
    Topic("节约用水", (K.EXHIBITION, K.VOLUNTEER_SERVICE), ("public", "youth"), "general", "世界水日"),
    Topic("结核病防治", (K.HEALTH_CONSULTATION,), ("public",), "health", "世界防治结核病日"),
    Topic("防灾减灾", (K.EXHIBITION, K.PERFORMANCE, K.TRAINING), ("public", "youth"), "general", "全国防灾减灾日"),
    Topic("学生营养与健康", (K.LECTURE,), ("youth",), "health", "中国学生营养日"),
    Topic("控烟与健康", (K.LECTURE, K.VOLUNTEER_SERVICE), ("public",), "health", "世界无烟日"),
    Topic("生态环境保护", (K.EXHIBITION, K.VOLUNTEER_SERVICE), ("public",), "general", "世界环境日"),
    Topic("艾滋病防治", (K.HEALTH_CONSULTATION,), ("public", "youth"), "health", "世界艾滋病日"),
    Topic("爱国卫生与健康家园", (K.VOLUNTEER_SERVICE,), ("public", "elderly"), "health", "爱国卫生月"),
    Topic("科技工作者风采", (K.LECTURE, K.EXHIBITION), ("public",), "general", "全国科技工作者日"),
    Topic("计量与生活", (K.EXHIBITION,), ("public",), "general", "世界计量日"),
    Topic("生物多样性保护", (K.EXHIBITION,), ("public", "youth"), "general", "国际生物多样性日"),
    Topic("珍惜每一寸土地", (K.EXHIBITION,), ("public",), "general", "全国土地日"),
    Topic("心肺复苏与急救", (K.TRAINING,), ("public",), "health"),
    Topic("垃圾分类", (K.VOLUNTEER_SERVICE, K.EXHIBITION), ("public", "youth"), "general"),
    Topic("科普大篷车进乡村", (K.SCIENCE_CARAVAN,), ("farmers", "youth"), "general"),
    Topic("流动科技馆", (K.MOBILE_MUSEUM,), ("youth", "public"), "general"),
]
THEMED_TOPICS = [t for t in TOPICS if t.theme]
VOLUNTEER_TOPICS = [t for t in TOPICS if t.field in ("health", "general", "agri")]

KIND_SUFFIX = {
    K.LECTURE: "科普讲座", K.EXHIBITION: "主题科普展", K.CONTEST: "知识竞赛", K.SCIENCE_CARAVAN: "巡游",
    K.MOBILE_MUSEUM: "巡展", K.VOLUNTEER_SERVICE: "志愿服务", K.OPEN_DAY: "开放日", K.TRAINING: "培训班",
    K.HEALTH_CONSULTATION: "义诊咨询", K.PERFORMANCE: "科普展演", K.ONLINE: "线上直播", K.OTHER: "科普活动",
}
# People at the venue (walk-ins) for one activity of each kind; online views come on top.
KIND_AUDIENCE = {
    K.LECTURE: (30, 200), K.EXHIBITION: (150, 1500), K.CONTEST: (40, 400), K.SCIENCE_CARAVAN: (200, 1500),
    K.MOBILE_MUSEUM: (800, 6000), K.VOLUNTEER_SERVICE: (20, 300), K.OPEN_DAY: (100, 1200),
    K.TRAINING: (20, 120), K.HEALTH_CONSULTATION: (40, 400), K.PERFORMANCE: (80, 800), K.ONLINE: (0, 0),
    K.OTHER: (30, 300),
}
HOURS = [(9, 0), (9, 30), (10, 0), (14, 0), (14, 30), (15, 0), (19, 0)]
DISTRICT_VENUES = {
    "edu": ["科技馆", "青少年活动中心", "图书馆", "职业教育中心"],
    "health": ["人民医院门诊大厅", "中医院", "文化广场", "图书馆"],
    "agri": ["农业技术推广中心", "现代农业示范园", "新时代文明实践中心"],
    "officials": ["委党校", "行政服务中心会议室"],
    "general": ["科技馆", "图书馆", "文化馆", "文化广场", "新时代文明实践中心", "会展中心"],
}
TOWN_VENUES = ["综合文化站", "新时代文明实践所", "便民服务中心", "中心小学", "文化广场"]
VILLAGE_VENUES = ["党群服务中心", "新时代文明实践站", "文化活动室", "科普活动室"]
CANCEL_REASONS = ["因天气原因取消", "场地临时调整，活动取消", "主讲专家行程变化，活动取消"]
RETURN_COMMENTS = ["请补充活动现场照片。", "参与人次与签到记录不一致，请核实后重新报送。"]
# Who organizes what, by unit type (first found in the district wins, else the 区科协).
FIELD_UNIT_TYPES = {
    "edu": (UnitType.PRIMARY_SCHOOL, UnitType.SECONDARY_SCHOOL, UnitType.PARTY_GOVERNMENT),
    "health": (UnitType.HOSPITAL, UnitType.PARTY_GOVERNMENT),
    "agri": (UnitType.AGRITECH_STATION, UnitType.RURAL_TECH_ASSOCIATION, UnitType.SOCIETY),
    "officials": (UnitType.PARTY_GOVERNMENT,),
    "general": (UnitType.ASSOCIATION, UnitType.VENUE_OPERATOR, UnitType.SOCIETY),
}
FIELD_UNIT_NAMES = {"edu": ("区教委",), "health": ("区卫生健康委",), "agri": ("区农业农村委", "区农学会"),
                    "officials": ("区委组织部", "区委宣传部"), "general": ("区科技馆",)}


def aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


# --- the plan of one district ---------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictProfile:
    per_year: int  # ordinary activities a year
    audience: float = 1.0  # walk-in multiplier


PROFILES = {
    "500101": DistrictProfile(130, 1.2),  # 万州区
    "500103": DistrictProfile(110, 1.0),  # 渝中区
    "500105": DistrictProfile(140, 1.3),  # 江北区
    "500106": DistrictProfile(120, 1.1),  # 沙坪坝区
    "500107": DistrictProfile(120, 1.1),  # 九龙坡区
    "500109": DistrictProfile(120, 1.0),  # 北碚区
    "500112": DistrictProfile(130, 1.2),  # 渝北区
    "500113": DistrictProfile(110, 1.0),  # 巴南区
    "500118": DistrictProfile(150, 1.0),  # 永川区
}
# Units the other seven districts get if the reference data has none: (name, type).
DISTRICT_UNITS = [("区科协", UnitType.ASSOCIATION), ("区教委", UnitType.PARTY_GOVERNMENT),
                  ("区卫生健康委", UnitType.PARTY_GOVERNMENT)]


@dataclass
class Planned:
    """One activity with what hangs off it, before it is written."""

    activity: Activity
    themes: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    co_organizers: list[int] = field(default_factory=list)
    # [group key, walk-ins, online] per group; empty when no report is written.
    counts: list[list] = field(default_factory=list)
    report_status: str = ""

    @property
    def person_times(self) -> int:
        return sum(w + o for _g, w, o in self.counts)


class DistrictDemo:
    """Plans the activities of one district (deterministic for a given rng)."""

    def __init__(self, rng: random.Random, district: Region, units: list[Unit], theme_dates, actor=None):
        self.rng = rng
        self.district = district
        self.towns = list(Region.objects.filter(parent=district).order_by("code"))
        villages = Region.objects.filter(parent__parent=district).order_by("code")
        self.villages_of: dict[int, list[Region]] = {}
        for village in villages:
            self.villages_of.setdefault(village.parent_id, []).append(village)
        self.regions = {r.pk: r for r in [district, *self.towns, *(v for vs in self.villages_of.values() for v in vs)]}
        self.units = units
        self.association = next(u for u in units if u.name == "区科协" and u.region_id == district.pk)
        self.theme_dates = theme_dates
        self.actor = actor
        self.planned: list[Planned] = []
        self.group_names = dict(TargetGroup.objects.values_list("key", "name"))

    # where and by whom -------------------------------------------------------------------------

    def organizer(self, topic: Topic) -> Unit:
        rng = self.rng
        if rng.random() < 0.4:
            return self.association
        names = FIELD_UNIT_NAMES[topic.field]
        types = FIELD_UNIT_TYPES[topic.field]
        candidates = [u for u in self.units if u.region_id == self.district.pk and u.name in names]
        candidates += [u for u in self.units if u.type in types and u.type != UnitType.PARTY_GOVERNMENT]
        return rng.choice(candidates) if candidates else self.association

    def place(self, unit: Unit, topic: Topic) -> tuple[Region, str]:
        rng = self.rng
        if unit.region_id != self.district.pk:  # a town's school or hospital: its town or a village of it
            town = self.regions.get(unit.region_id) or self.district
            villages = self.villages_of.get(town.pk, [])
            if villages and rng.random() < 0.3:
                village = rng.choice(villages)
                return village, village.name + rng.choice(VILLAGE_VENUES)
            return town, unit.name if unit.type != UnitType.PARTY_GOVERNMENT else town.name + rng.choice(TOWN_VENUES)
        roll = rng.random()
        if self.towns and roll < 0.45:
            town = rng.choice(self.towns)
            villages = self.villages_of.get(town.pk, [])
            if villages and roll < 0.15:
                village = rng.choice(villages)
                return village, village.name + rng.choice(VILLAGE_VENUES)
            return town, town.name + rng.choice(TOWN_VENUES)
        if unit.type in (UnitType.HOSPITAL, UnitType.VENUE_OPERATOR):
            return self.district, self.district.name + unit.name.removeprefix("区")
        return self.district, self.district.name + rng.choice(DISTRICT_VENUES[topic.field])

    # one activity --------------------------------------------------------------------------------

    def add(self, *, topic: Topic, day: datetime.date, themes: list[str], kind: str | None = None,
            volunteer: bool | None = None, audience: float = 1.0, status: str | None = None, title: str = "",
            organizer: Unit | None = None) -> Planned:
        rng = self.rng
        kind = kind or rng.choice(topic.kinds)
        unit = organizer or self.organizer(topic)
        region, venue = self.place(unit, topic)
        hour, minute = rng.choice(HOURS)
        start = aware(day, hour, minute)
        days = rng.randint(1, 3) if kind in (K.EXHIBITION, K.MOBILE_MUSEUM) else 0
        end = start + datetime.timedelta(days=days, hours=rng.choice([1.5, 2, 2.5, 3]))
        if volunteer is None:
            volunteer = kind == K.VOLUNTEER_SERVICE or (kind in (K.SCIENCE_CARAVAN, K.HEALTH_CONSULTATION)
                                                         and rng.random() < 0.3)
        if not title:
            prefix = f"{day.year}年{themes[0]}·" if themes else ""
            where = "" if themes or region.pk == self.district.pk or rng.random() < 0.5 else region.name
            title = f"{prefix}{where}{topic.name}{KIND_SUFFIX[kind]}"
        groups = list(topic.groups)
        if "public" not in groups and rng.random() < 0.2:
            groups.append("public")
        activity = Activity(
            title=title[:200], kind=kind, organizer=unit, region=region, region_path=region.path,
            venue="" if kind == K.ONLINE else venue[:200],
            online_url=f"https://live.example.cn/kepu/{self.district.code}/{len(self.planned) + 1}" if kind == K.ONLINE else "",
            description=f"围绕“{topic.name}”开展的{K(kind).label}活动，面向{'、'.join(self.group_names.get(g, g) for g in groups)}。{NOTE}",
            start=start, end=end, is_volunteer_service=volunteer, created_by=self.actor, is_demo=True,
        )
        planned = Planned(activity, themes=themes, groups=groups)
        if unit.pk != self.association.pk and rng.random() < 0.35:
            planned.co_organizers.append(self.association.pk)
        self._settle(planned, status, audience)
        self.planned.append(planned)
        return planned

    def _settle(self, planned: Planned, status: str | None, audience: float) -> None:
        """Status by date (past ones mostly reported), and the report's counts."""
        rng = self.rng
        a = planned.activity
        if status is None:
            roll = rng.random()
            recent = a.start.date() > ANCHOR - datetime.timedelta(days=45)
            if roll < 0.03:
                status = ActivityStatus.CANCELLED
            elif recent:
                status = ActivityStatus.FINISHED if roll < 0.5 else ActivityStatus.REPORTED
            else:
                status = ActivityStatus.FINISHED if roll < 0.07 else ActivityStatus.REPORTED
        a.status = status
        if status == ActivityStatus.CANCELLED:
            a.cancel_reason = rng.choice(CANCEL_REASONS)
            return
        if status == ActivityStatus.REPORTED:
            planned.report_status = ParticipationReport.Status.SUBMITTED
        elif status == ActivityStatus.FINISHED and rng.random() < 0.35:
            planned.report_status = ParticipationReport.Status.DRAFT
        if not planned.report_status:
            return
        low, high = KIND_AUDIENCE[a.kind]
        walk_ins = round(rng.randint(low, high) * audience) if high else 0
        online = 0
        if a.kind == K.ONLINE:
            online = round(rng.randint(500, 20_000) * audience)
        elif rng.random() < 0.15:
            online = round(rng.randint(200, 5_000) * audience)
        walk_ins = max(walk_ins, 0 if online else 1)
        shares = [rng.random() + 0.3 for _g in planned.groups]
        total = sum(shares)
        counts, left_w, left_o = [], walk_ins, online
        for i, group in enumerate(planned.groups):
            last = i == len(planned.groups) - 1
            w = left_w if last else round(walk_ins * shares[i] / total)
            o = left_o if last else round(online * shares[i] / total)
            counts.append([group, w, o])
            left_w, left_o = left_w - w, left_o - o
        planned.counts = [c for c in counts if c[1] or c[2]]

    # the year's ordinary activities ----------------------------------------------------------

    def theme_day(self, name: str, year: int) -> datetime.date:
        rng = self.rng
        start, end = self.theme_dates[(name, year)]
        return start + datetime.timedelta(days=rng.randint(0, (end - start).days))

    def fixed_theme_day(self, theme: ThemeDay, year: int) -> datetime.date:
        rng = self.rng
        if "-" in theme.month_day:
            month, dom = (int(x) for x in theme.month_day.split("-"))
            return datetime.date(year, month, dom) + datetime.timedelta(days=rng.choice([-2, -1, 0, 0, 0, 0, 1, 2]))
        month = int(theme.month_day)
        return datetime.date(year, month, rng.randint(1, 28))

    def ordinary(self, year: int, count: int, audience: float) -> None:
        rng = self.rng
        fixed = {d.name: d for d in ThemeDay.objects.exclude(month_day="")}
        for _i in range(count):
            roll = rng.random()
            if roll < 0.15:
                topic, themes = rng.choice(TOPICS), [SCIENCE_DAY]
                day = self.theme_day(SCIENCE_DAY, year)
            elif roll < 0.27:
                topic, themes = rng.choice(TOPICS), [SCIENCE_WEEK]
                day = self.theme_day(SCIENCE_WEEK, year)
            elif roll < 0.5:
                topic = rng.choice(THEMED_TOPICS)
                themes = [topic.theme] if topic.theme in fixed else []
                day = self.fixed_theme_day(fixed[topic.theme], year) if themes else None
            else:
                topic, themes, day = rng.choice(TOPICS), [], None
            if day is None:
                day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
            self.add(topic=topic, day=min(day, ANCHOR), themes=themes, audience=audience)


# --- scaling to the published figures ---------------------------------------------------------------


def fit_person_times(planned: list[Planned], target: int, rng: random.Random) -> None:
    """Move the submitted counts of `planned` so that they add up to `target`.

    Shortfalls become online views (live streams and cloud terminals, as the districts report
    them), spread in proportion to each activity's audience; surpluses shrink every count.
    """
    rows = [p for p in planned if p.report_status == ParticipationReport.Status.SUBMITTED and p.counts]
    current = sum(p.person_times for p in rows)
    if not rows or current == target:
        return
    if current > target:
        factor = target / current
        for p in rows:
            for c in p.counts:
                c[1], c[2] = round(c[1] * factor), round(c[2] * factor)
            if not p.person_times:
                p.counts[0][1] = 1
    else:
        deficit = target - current
        weights = [p.person_times * rng.uniform(0.5, 1.5) + 1 for p in rows]
        total = sum(weights)
        for p, weight in zip(rows, weights, strict=True):
            p.counts[0][2] += int(deficit * weight / total)
    residual = target - sum(p.person_times for p in rows)
    biggest = max(rows, key=lambda p: p.person_times)
    biggest.counts[0][2] = max(0, biggest.counts[0][2] + residual)


# --- writing ----------------------------------------------------------------------------------------


def _ensure_units(district: Region) -> list[Unit]:
    have = {u.name for u in Unit.objects.filter(region=district)}
    missing = [Unit(name=name, type=type_, region=district, is_demo=True, contact_name="联系人（演示）")
               for name, type_ in DISTRICT_UNITS if name not in have]
    Unit.objects.bulk_create(missing)
    return list(Unit.objects.filter(region__path__startswith=district.path).order_by("region__path", "name"))


def write(planned: list[Planned]) -> None:
    """Bulk-insert the planned activities, their theme days, groups, co-organizers and reports."""
    Activity.objects.bulk_create([p.activity for p in planned], batch_size=BATCH)
    themes = dict(ThemeDay.objects.values_list("name", "pk"))
    groups = dict(TargetGroup.objects.values_list("key", "pk"))
    theme_rows, group_rows, co_rows, reports = [], [], [], []
    ThemeThrough = Activity.theme_days.through
    GroupThrough = Activity.target_groups.through
    CoThrough = Activity.co_organizers.through
    for p in planned:
        a = p.activity
        theme_rows += [ThemeThrough(activity_id=a.pk, themeday_id=themes[t]) for t in p.themes]
        group_rows += [GroupThrough(activity_id=a.pk, targetgroup_id=groups[g]) for g in p.groups]
        co_rows += [CoThrough(activity_id=a.pk, unit_id=u) for u in p.co_organizers]
        if p.report_status:
            submitted = p.report_status != ParticipationReport.Status.DRAFT
            day = timezone.localtime(a.start).date()
            held_on = f"{day.year}年{day.month}月{day.day}日"
            reports.append(ParticipationReport(
                activity=a, status=p.report_status, person_times=p.person_times,
                narrative=f"{held_on}，{a.title}在{a.venue or '线上'}举办，共 {p.person_times} 人次参与。{NOTE}",
                submitted_at=a.end + datetime.timedelta(days=3) if submitted else None,
                submitted_by=a.created_by if submitted else None,
            ))
    ThemeThrough.objects.bulk_create(theme_rows, batch_size=BATCH)
    GroupThrough.objects.bulk_create(group_rows, batch_size=BATCH)
    CoThrough.objects.bulk_create(co_rows, batch_size=BATCH)
    ParticipationReport.objects.bulk_create(reports, batch_size=BATCH)
    by_activity = {r.activity_id: r for r in reports}
    counts = [
        ReportCount(report=by_activity[p.activity.pk], group_id=groups[g], walk_ins=w, online=o)
        for p in planned if p.report_status for g, w, o in p.counts if w or o
    ]
    ReportCount.objects.bulk_create(counts, batch_size=BATCH)


def _register(rng: random.Random, activity: Activity, people: list[tuple[str, str, int | None, User | None]]) -> None:
    rows = []
    confirmed = 0
    for name, phone, group_id, user in people:
        seat = activity.capacity is None or confirmed < activity.capacity
        confirmed += seat
        rows.append(Registration(
            activity=activity, name=name, phone_encrypted=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone),
            phone_masked=pii.mask_phone(phone), group_id=group_id, user=user,
            status=RegistrationStatus.CONFIRMED if seat else RegistrationStatus.WAITLISTED,
            token=secrets.token_urlsafe(32),
        ))
    Registration.objects.bulk_create(rows)
    Activity.objects.filter(pk=activity.pk).update(confirmed_count=confirmed)
    activity.confirmed_count = confirmed


def _demo_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        if phone not in taken and phone != "13800000001":
            taken.add(phone)
            return phone


def _upcoming(rng: random.Random, demos: dict[str, DistrictDemo]) -> None:
    """Published activities in the weeks after today (open for registration), drafts, one cancelled."""
    today = timezone.localdate()
    groups = dict(TargetGroup.objects.values_list("key", "pk"))
    personas = {u.username: u for u in User.objects.filter(username__in=["citizen", "yc_admin", "spb_admin"])}
    phones: set[str] = set()
    open_for_registration: list[tuple[str, Activity]] = []
    for code, demo in demos.items():
        for n in range(4):
            day = today + datetime.timedelta(days=rng.randint(3, 42))
            topic = rng.choice(TOPICS)
            p = demo.add(topic=topic, day=day, themes=[], status=ActivityStatus.PUBLISHED)
            if n < 2:
                p.activity.registration_required = True
                p.activity.capacity = rng.choice([30, 50, 80, 100, 200])
                open_for_registration.append((code, p.activity))
        demo.add(topic=rng.choice(TOPICS), day=today + datetime.timedelta(days=rng.randint(20, 60)), themes=[],
                 status=ActivityStatus.DRAFT)
    # The check-in demo: a 永川 open day next week with three registrations (one is the citizen persona).
    yc = demos["500118"]
    museum = next((u for u in yc.units if u.name == "区科技馆" and u.region_id == yc.district.pk), yc.association)
    checkin_demo = yc.add(topic=TOPICS[0], day=today + datetime.timedelta(days=7), themes=[], kind=K.OPEN_DAY,
                          status=ActivityStatus.PUBLISHED, title="永川区科技馆“人工智能体验”开放日",
                          organizer=museum)
    a = checkin_demo.activity
    a.region, a.region_path, a.venue = yc.district, yc.district.path, "永川区科技馆"
    a.registration_required, a.capacity = True, 60
    # A full one in 沙坪坝: 20 seats, 23 registrations, so the waitlist shows.
    spb = demos["500106"]
    full = spb.add(topic=TOPICS[32], day=today + datetime.timedelta(days=10), themes=[], kind=K.TRAINING,
                   status=ActivityStatus.PUBLISHED, title="沙坪坝区“心肺复苏与急救”公益培训")
    full.activity.registration_required = True
    full.activity.capacity = 20
    spb.add(topic=TOPICS[15], day=today + datetime.timedelta(days=14), themes=[], status=ActivityStatus.CANCELLED)
    new = [p for demo in demos.values() for p in demo.planned if p.activity.pk is None]
    write(new)
    citizen = personas.get("citizen")
    _register(rng, checkin_demo.activity, [
        ("市民（演示）", "13800000001", groups["public"], citizen),
        (person_name(rng), _demo_phone(rng, phones), groups["youth"], None),
        (person_name(rng), _demo_phone(rng, phones), groups["elderly"], None),
    ])
    _register(rng, full.activity, [(person_name(rng), _demo_phone(rng, phones), groups["public"], None)
                                   for _i in range(23)])
    for _code, activity in open_for_registration:
        count = rng.randint(0, min(12, activity.capacity or 12))
        _register(rng, activity, [(person_name(rng), _demo_phone(rng, phones), None, None) for _i in range(count)])


def _population(region: Region, year: int) -> int:
    row = Population.objects.filter(region=region, year__lte=year).order_by("-year").first()
    return row.residents if row else 0


@register_demo_loader
def load_demo_activities(rng: random.Random) -> None:
    """Activities, reports and a few registrations for the nine demonstration districts."""
    if Activity.objects.filter(is_demo=True).exists():
        return
    theme_dates = ensure_theme_dates([*YEARS, YEARS[-1] + 1])
    actors = {u.username: u for u in User.objects.filter(username__in=["yc_admin", "spb_admin"])}
    demos: dict[str, DistrictDemo] = {}
    for code, profile in PROFILES.items():
        district = Region.objects.get(code=code)
        actor = actors.get({"500118": "yc_admin", "500106": "spb_admin"}.get(code, ""))
        demo = DistrictDemo(rng, district, _ensure_units(district), theme_dates, actor)
        for year in YEARS:
            demo.ordinary(year, profile.per_year, profile.audience)
        demos[code] = demo
    _special(rng, demos)
    write([p for demo in demos.values() for p in demo.planned])
    _returned_report(rng, demos["500118"])
    _upcoming(rng, demos)


def _done(p: Planned, year: int) -> bool:
    return p.activity.start.year == year and p.activity.status in (ActivityStatus.FINISHED, ActivityStatus.REPORTED)


def _special(rng: random.Random, demos: dict[str, DistrictDemo]) -> None:
    """The published figures of the districts (see the module docstring)."""
    # 巴南区: about 350 全国科普日 events in 2025, about 1.5 million person-times.
    banan = demos["500113"]
    science_day = [p for p in banan.planned if SCIENCE_DAY in p.themes and p.activity.start.year == 2025]
    for _i in range(350 - len(science_day)):
        topic = rng.choice(TOPICS)
        p = banan.add(topic=topic, day=banan.theme_day(SCIENCE_DAY, 2025), themes=[SCIENCE_DAY], audience=1.5,
                      status=ActivityStatus.REPORTED)
        science_day.append(p)
    for p in science_day:  # every one of them reported
        if p.activity.status != ActivityStatus.REPORTED:
            p.activity.cancel_reason = ""
            banan._settle(p, ActivityStatus.REPORTED, 1.5)
    fit_person_times(science_day, rng.randint(1_500_000, 1_530_000), rng)

    # 沙坪坝区: about 300 科技志愿服务 activities held in 2025.
    spb = demos["500106"]
    held = sum(1 for p in spb.planned if p.activity.is_volunteer_service and _done(p, 2025))
    for _i in range(max(0, rng.randint(298, 312) - held)):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 320))
        status = ActivityStatus.REPORTED if rng.random() < 0.92 else ActivityStatus.FINISHED
        spb.add(topic=rng.choice(VOLUNTEER_TOPICS), day=day, themes=[], kind=K.VOLUNTEER_SERVICE, volunteer=True,
                status=status, title="")

    # 渝中区: about 1,000 community activities a year.
    yuzhong = demos["500103"]
    for year in YEARS:
        have = sum(1 for p in yuzhong.planned if p.activity.start.year == year)
        for _i in range(rng.randint(990, 1010) - have):
            topic = rng.choice(TOPICS)
            community = rng.choice(URBAN) + "社区"
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
            p = yuzhong.add(topic=topic, day=min(day, ANCHOR), themes=[], audience=0.3,
                            title=f"{community}{topic.name}{KIND_SUFFIX[K.LECTURE if topic.kinds[0] == K.ONLINE else topic.kinds[0]]}")
            if p.activity.venue and not p.activity.venue.startswith(community):
                p.activity.venue = f"{community}居民活动室"

    # 万州区 (2025): about 10,000 person-times at volunteer service, 200,000 at theme-day activities.
    wanzhou = demos["500101"]
    volunteer = [p for p in wanzhou.planned if p.activity.is_volunteer_service and _done(p, 2025)]
    fit_person_times(volunteer, rng.randint(10_000, 10_600), rng)
    themed = [p for p in wanzhou.planned if p.themes and _done(p, 2025) and not p.activity.is_volunteer_service]
    fit_person_times(themed, rng.randint(200_000, 206_000), rng)

    # 江北区: coverage about 0.8 each year; 100,000 person-times at volunteer service in 2025.
    jiangbei = demos["500105"]
    for year in YEARS:
        target = round(_population(jiangbei.district, year) * rng.uniform(0.80, 0.82))
        fixed = 0
        if year == 2025:
            volunteer = [p for p in jiangbei.planned if p.activity.is_volunteer_service and _done(p, year)]
            fit_person_times(volunteer, 100_000, rng)
            fixed = sum(p.person_times for p in volunteer if p.report_status == ParticipationReport.Status.SUBMITTED)
        rest = [p for p in jiangbei.planned if _done(p, year) and not (year == 2025 and p.activity.is_volunteer_service)]
        fit_person_times(rest, max(0, target - fixed), rng)


def _returned_report(rng: random.Random, demo: DistrictDemo) -> None:
    """One 永川 report sent back by the reviewer (the activity is 已结束 again)."""
    reviewer = User.objects.filter(username="yc_reviewer").first()
    candidates = [p for p in demo.planned if p.report_status == ParticipationReport.Status.SUBMITTED
                  and p.activity.start.date() > ANCHOR - datetime.timedelta(days=60) and p.activity.pk]
    if not candidates:
        return
    p = rng.choice(candidates)
    Activity.objects.filter(pk=p.activity.pk).update(status=ActivityStatus.FINISHED)
    ParticipationReport.objects.filter(activity_id=p.activity.pk).update(
        status=ParticipationReport.Status.RETURNED, return_comment=rng.choice(RETURN_COMMENTS),
        returned_by=reviewer, returned_at=p.activity.end + datetime.timedelta(days=6))
    p.activity.status = ActivityStatus.FINISHED
    p.report_status = ParticipationReport.Status.RETURNED
