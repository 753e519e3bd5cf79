"""Demo volunteers (演示数据) for the nine demonstration districts of the activities demo.

`kepu loaddemo` calls `load_demo_volunteers(rng)` after the activities demo. The figures agree
with kepu/fixtures/reference/published-figures-districts.yaml and the Yongchuan standard:

* 沙坪坝区: 45 科技志愿服务队 and about 4,700 registered volunteers;
* 万州区: about 2,000 registered volunteers;
* 永川区: more than 1,000 registered volunteers (target B4.1: at least 1,000);
* the other six districts: a few hundred each.

Every district has a 科技志愿服务总队 of its 科协 with themed teams and (where the demo has towns)
one team per town under it; volunteers belong to one or two teams, each team has a leader with
an account. Service records cover the two years before today (a few long-serving volunteers go
back to their registration, so that every star level from 1 to 5 occurs): mostly verified, the
recent ones partly pending, a few rejected. Past 科技志愿服务活动 of the activities demo have
their volunteers on duty (check-in, check-out, and the verified record the check-in gives);
你点我送 requests exist in every state. Hours and stars come from services.recount().

The personas: `yc_leader` leads 永川区科技志愿服务总队 (pending records to verify, an open need
in 永川 to claim); `citizen` is a registered volunteer in 中山路街道 with verified hours;
`yc_admin` may see full ID and phone numbers in 永川区 (the `pii_viewer` role).

Rows are bulk-inserted; what services.volunteer_register stores is stored the same way here:
the normalized ID and phone encrypted, their keyed hashes, the masked copies, a volunteer number
from services.allocate_numbers. ID numbers are synthetic but valid (birth date, gender digit,
check digit). Dates are relative to today; the rng makes the rest deterministic.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from kepu.accounts.models import Role, User
from kepu.accounts.services import role_grant
from kepu.activities.demo import NOTE, aware, person_name
from kepu.activities.gendata import Table
from kepu.activities.models import Activity, ActivityKind, ActivityStatus, TargetGroup
from kepu.core import pii
from kepu.core.demo import register_demo_loader
from kepu.orgs.models import Unit
from kepu.regions.models import Region

from . import services
from .models import (
    Duty,
    Education,
    Gender,
    Membership,
    Quality,
    RecordSource,
    RecordStatus,
    RequestStatus,
    ServiceRecord,
    ServiceRequest,
    StarChange,
    Team,
    Volunteer,
)

BATCH = 500
CITIZEN_PHONE = "13800000001"


@dataclass(frozen=True)
class DistrictPlan:
    volunteers: int
    teams: int  # 总队 + themed teams + one per town of the demo
    left: float  # share deregistered (注销) since


PLANS = {
    "500118": DistrictPlan(1_100, 34, 0.025),  # 永川区: > 1,000 registered
    "500106": DistrictPlan(4_760, 45, 0.012),  # 沙坪坝区: 45 teams, about 4,700 registered
    "500101": DistrictPlan(2_040, 12, 0.015),  # 万州区: about 2,000 registered
    "500103": DistrictPlan(260, 6, 0.02),  # 渝中区
    "500105": DistrictPlan(380, 8, 0.02),  # 江北区
    "500107": DistrictPlan(240, 6, 0.02),  # 九龙坡区
    "500109": DistrictPlan(300, 6, 0.02),  # 北碚区
    "500112": DistrictPlan(420, 8, 0.02),  # 渝北区
    "500113": DistrictPlan(340, 7, 0.02),  # 巴南区
}
FOUNDED = datetime.date(2016, 3, 5)  # 学雷锋纪念日: the 总队 of every district

# Themed district teams: (name part, fields, unit names to prefer, what its volunteers do).
THEMES = [
    ("医疗卫生", "健康科普、义诊咨询", ("区人民医院", "区卫生健康委"), "健康科普讲座和义诊咨询"),
    ("农业技术", "农业技术推广、田间指导", ("区农学会", "区农业农村委"), "田间技术指导"),
    ("青少年科技教育", "青少年科技教育、科学实验", ("区青少年科技教育协会", "区教委"), "青少年科学实验课"),
    ("科普讲解", "场馆讲解、展教活动", ("区科技馆",), "科技馆展厅讲解"),
    ("应急救护", "应急救护培训、防灾减灾", ("区人民医院", "区应急局"), "心肺复苏与应急救护培训"),
    ("银龄", "老科技工作者、科普宣讲", ("区科协",), "老年人科普宣讲"),
    ("医学会专家", "健康科普、慢病防治", ("区医学会",), "慢性病防治科普"),
    ("防范电信网络诈骗", "反诈宣传", ("区科协",), "防范电信网络诈骗宣传"),
    ("气象防灾减灾", "气象科普", ("区气象局", "区科协"), "气象防灾减灾宣传"),
    ("生态环保", "生态环境保护、垃圾分类", ("区科协",), "垃圾分类与生态环保宣传"),
    ("心理健康", "心理健康科普", ("区卫生健康委",), "心理健康知识讲座"),
    ("教师", "中小学科学教育", ("区教委",), "科学课送教"),
    ("大学生", "科普进社区", ("区科协",), "社区科普宣传"),
    ("智慧助老", "老年人智能手机使用", ("区科协",), "老年人智能手机使用辅导"),
    ("食品安全", "食品安全科普", ("区卫生健康委",), "食品安全知识宣传"),
    ("科学素质宣讲", "公民科学素质宣讲", ("区科协",), "科学素质宣讲"),
    ("卫生健康委", "健康促进", ("区卫生健康委",), "健康生活方式宣传"),
    ("乡村振兴", "农村实用技术", ("区农业农村委", "区农学会"), "农村实用技术培训"),
    ("航天科普", "航天科普、天文观测", ("区科技馆", "区青少年科技教育协会"), "航天知识科普"),
    ("数字技能", "数字素养培训", ("区科协",), "数字技能培训"),
]
GENERAL_WORK = ["科普宣传咨询", "社区科普讲座", "科普展板讲解", "科普资料发放", "主题科普日活动服务"]
PROJECTS = ["科技志愿服务“智惠行动”", "科普进社区", "科普进校园", "科普进乡村", "全国科普日", "科技活动周", ""]
SKILLS = ["医疗卫生", "农业技术", "科普讲解", "应急救护", "信息技术", "气象防灾", "心理健康", "青少年科技教育",
          "环境保护", "法律咨询", "食品安全", "机械维修", "摄影摄像", "文字宣传"]
EDUCATION = [Education.SENIOR] * 2 + [Education.COLLEGE] * 3 + [Education.BACHELOR] * 4 + [
    Education.MASTER, Education.JUNIOR, ""]
REJECT_REASONS = ["服务时长与活动记录不符，请核实。", "缺少服务现场照片等佐证材料。", "同一服务已由活动签到计入。"]
# Areas of birth for the few volunteers not born in their district: Chongqing and neighbouring provinces.
OTHER_AREAS = ["500101", "500103", "500106", "500112", "500118", "500230", "510104", "510802", "522401",
               "420106", "430104", "530102"]
# 你点我送: (topic, audience, target group, requester kind).
NEEDS = [
    ("社区老年人防范电信网络诈骗讲座", "社区老年人", "elderly", "community"),
    ("小学生人工智能科普课", "小学四至六年级学生", "youth", "school"),
    ("暑期防溺水安全教育", "中小学生", "youth", "school"),
    ("柑橘春季修剪技术现场指导", "柑橘种植户", "farmers", "village"),
    ("慢性病防治健康义诊", "社区居民", "elderly", "community"),
    ("心肺复苏应急救护培训", "企业职工", "industrial_workers", "community"),
    ("垃圾分类科普宣传", "社区居民", "public", "community"),
    ("老年人智能手机使用培训", "老年人", "elderly", "community"),
    ("茶叶病虫害绿色防控指导", "茶农", "farmers", "village"),
    ("青少年近视防控讲座", "学生及家长", "youth", "school"),
    ("汛期气象灾害防御知识宣传", "村民", "farmers", "village"),
    ("食品安全科普进社区", "社区居民", "public", "community"),
]
CANCEL_REASONS = ["活动场地临时调整，需求撤销。", "已由辖区学校自行组织开展。"]


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = "1" + rng.choice("3578") + f"{rng.randrange(10**9):09d}"
        if phone not in taken and phone != CITIZEN_PHONE:
            taken.add(phone)
            return phone


def _id_number(rng: random.Random, area: str, birth: datetime.date, gender: str, taken: set[str]) -> str:
    """A valid resident ID: area, birth date, a sequence whose last digit is odd for men, check digit."""
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
        if first17 not in taken:
            taken.add(first17)
            return first17 + pii.id_check_digit(first17)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _insert(model, objs: list) -> None:
    """Insert unsaved instances with explicit ids, as gendata writes rows (COPY or executemany).

    bulk_create prepares every value through its field (seconds for the tens of thousands of demo
    records); these values are plain, so only SQLite needs dates, times and decimals as text.
    Values set on auto_now(_add) fields are kept (the demo backdates records); unset ones get now.
    """
    if not objs:
        return
    fields = model._meta.concrete_fields
    first = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    now = timezone.now()
    auto = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    convert = []
    if connection.vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        for i, f in enumerate(fields):
            if isinstance(f, models.DateTimeField):
                convert.append((i, adapt))
            elif isinstance(f, models.DateField | models.DecimalField):
                convert.append((i, str))
    values = attrgetter(*[f.attname for f in fields])
    table = Table(model, [f.name for f in fields])
    for n, obj in enumerate(objs):
        obj.pk = first + n
        for name in auto:
            if getattr(obj, name) is None:
                setattr(obj, name, now)
        row = values(obj)
        if convert:
            row = list(row)
            for i, func in convert:
                if row[i] is not None:
                    row[i] = func(row[i])
        table.rows.append(row)
        obj._state.adding, obj._state.db = False, "default"
    table.flush()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


# --- the plan of one district -----------------------------------------------------------------------


@dataclass(eq=False)
class PlannedTeam:
    team: Team
    work: str
    members: list[Volunteer] = field(default_factory=list)
    leader: Volunteer | None = None


class DistrictVolunteers:
    """Teams, volunteers and memberships of one district, planned in memory (deterministic)."""

    def __init__(self, rng: random.Random, district: Region, plan: DistrictPlan, ctx: DemoContext):
        self.rng = rng
        self.district = district
        self.plan = plan
        self.ctx = ctx
        self.towns = list(Region.objects.filter(parent=district).order_by("code"))
        self.villages_of: dict[int, list[Region]] = defaultdict(list)
        for village in Region.objects.filter(parent__parent=district).order_by("code"):
            self.villages_of[village.parent_id].append(village)
        self.units = list(Unit.objects.filter(region__path__startswith=district.path).order_by("region__path", "name"))
        self.association = next(u for u in self.units if u.name == "区科协" and u.region_id == district.pk)
        self.teams: list[PlannedTeam] = []
        self.town_team: dict[int, PlannedTeam] = {}
        self.volunteers: list[Volunteer] = []
        self.memberships: list[tuple[PlannedTeam, Volunteer, datetime.date]] = []

    # teams ----------------------------------------------------------------------------------------

    def plan_teams(self) -> None:
        rng, d = self.rng, self.district
        head = PlannedTeam(Team(
            name=f"{d.name}科技志愿服务总队", region=d, region_path=d.path, unit=self.association,
            fields="综合科普服务", founded_on=FOUNDED, is_demo=True,
            description=f"{d.name}科协组建的科技志愿服务总队，统筹全区科技志愿服务。{NOTE}"), "科普宣传咨询")
        self.teams.append(head)
        themed = self.plan.teams - 1 - len(self.towns)
        for name, fields, prefer, work in THEMES[:max(0, themed)]:
            unit = next((u for p in prefer for u in self.units if u.name == p and u.region_id == d.pk), self.association)
            founded = _day(rng, datetime.date(2017, 1, 1), datetime.date(2024, 6, 30))
            self.teams.append(PlannedTeam(Team(
                name=f"{d.name}{name}科技志愿服务队", region=d, region_path=d.path, unit=unit, parent=head.team,
                fields=fields, founded_on=founded, is_demo=True,
                description=f"依托{unit.name}组建，主要开展{work}等科技志愿服务。{NOTE}"), work))
        for town in self.towns:
            local = [u for u in self.units if u.region_id == town.pk]
            unit = local[0] if local else self.association
            founded = _day(rng, datetime.date(2018, 1, 1), datetime.date(2024, 12, 31))
            planned = PlannedTeam(Team(
                name=f"{town.name}科技志愿服务队", region=town, region_path=town.path, unit=unit, parent=head.team,
                fields="社区科普、科普宣传", founded_on=founded, is_demo=True,
                description=f"{town.name}的科技志愿服务队，就近开展科普进社区、进乡村服务。{NOTE}"), "社区科普宣传")
            self.teams.append(planned)
            self.town_team[town.pk] = planned

    # volunteers -----------------------------------------------------------------------------------

    def person(self, *, region: Region, registered_on: datetime.date, minor: bool = False, name: str = "",
               phone: str = "", unit: Unit | None = None, gender: str | None = None) -> Volunteer:
        rng, ctx = self.rng, self.ctx
        gender = gender or rng.choice([Gender.MALE, Gender.FEMALE])
        if minor:
            age = rng.randint(14, 17)
        else:
            age = min(rng.randint(18, 45), rng.randint(18, 72)) if rng.random() < 0.7 else rng.randint(30, 72)
        birth = _years_before(registered_on, age) - datetime.timedelta(days=rng.randint(1, 360))
        area = self.district.code if rng.random() < 0.9 else rng.choice(OTHER_AREAS)
        id_number = _id_number(rng, area, birth, gender, ctx.ids)
        phone = phone or _phone(rng, ctx.phones)
        guardian_phone = _phone(rng, ctx.phones) if minor else ""
        skills = "、".join(rng.sample(SKILLS, rng.choice([1, 1, 2]))) if rng.random() < 0.85 else ""
        return Volunteer(
            name=name or person_name(rng), gender=gender, birth_date=birth,
            id_encrypted=pii.encrypt(id_number), id_hash=pii.lookup_hash(id_number), id_masked=pii.mask_id(id_number),
            phone_encrypted=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone), phone_masked=pii.mask_phone(phone),
            skills=skills, education="" if minor else rng.choice(EDUCATION), region=region,
            region_path=region.path, unit=unit,
            guardian_name=(person_name(rng) if minor else ""),
            guardian_phone_encrypted=pii.encrypt(guardian_phone),
            guardian_phone_masked=pii.mask_phone(guardian_phone) if guardian_phone else "",
            guardian_consent_on=registered_on if minor else None,
            registered_on=registered_on, is_demo=True,
        )

    def where(self) -> Region:
        rng = self.rng
        roll = rng.random()
        if self.towns and roll < 0.75:
            town = rng.choice(self.towns)
            villages = self.villages_of.get(town.pk)
            return rng.choice(villages) if villages and roll < 0.3 else town
        return self.district

    def town_of(self, region: Region) -> Region | None:
        if region.pk == self.district.pk:
            return None
        return next((t for t in self.towns if region.path.startswith(t.path)), None)

    def plan_volunteers(self, extra: list[tuple[Volunteer, list[PlannedTeam]]]) -> None:
        """`extra`: volunteers made elsewhere (personas) with the teams they join."""
        rng, today = self.rng, self.ctx.today
        span = (today - FOUNDED).days
        for volunteer, teams in extra:
            self.volunteers.append(volunteer)
            for team in teams:
                self.join(team, volunteer)
        for _n in range(self.plan.volunteers - len(extra)):
            registered = today - datetime.timedelta(days=int(span * rng.random() ** 1.4))
            minor = rng.random() < 0.04
            region = self.where()
            unit = rng.choice(self.units) if rng.random() < 0.5 else None
            volunteer = self.person(region=region, registered_on=registered, minor=minor, unit=unit)
            if rng.random() < self.plan.left and registered < today - datetime.timedelta(days=60):
                volunteer.left_on = _day(rng, registered + datetime.timedelta(days=30), today - datetime.timedelta(days=1))
            self.volunteers.append(volunteer)
            town = self.town_of(region)
            joined = []
            if town is not None and town.pk in self.town_team and rng.random() < 0.75:
                joined.append(self.town_team[town.pk])
            if len(self.teams) > 1 and (not joined or rng.random() < 0.2) and rng.random() < 0.9:
                themed = [t for t in self.teams[1:] if t.team.region_id == self.district.pk] or self.teams[1:]
                joined.append(rng.choice(themed))
            if (not joined and rng.random() < 0.7) or rng.random() < 0.03:
                joined.append(self.teams[0])
            for team in dict.fromkeys(joined):
                self.join(team, volunteer)

    def join(self, team: PlannedTeam, volunteer: Volunteer) -> None:
        start = max(volunteer.registered_on, team.team.founded_on or volunteer.registered_on)
        end = volunteer.left_on or self.ctx.today
        joined = _day(self.rng, start, min(end, start + datetime.timedelta(days=60)))
        team.members.append(volunteer)
        self.memberships.append((team, volunteer, joined))

    def pick_leaders(self) -> None:
        """One adult member still serving leads each team (the persona's team is already led)."""
        for planned in self.teams:
            if planned.leader is not None:
                continue
            candidates = [v for v in planned.members if v.left_on is None and v.guardian_consent_on is None]
            if candidates:
                planned.leader = self.rng.choice(candidates)
            else:  # an empty team: its leader joins it
                planned.leader = self.rng.choice(
                    [v for v in self.volunteers if v.left_on is None and v.guardian_consent_on is None])
                self.join(planned, planned.leader)

    def teams_of(self, volunteer: Volunteer) -> list[PlannedTeam]:
        return self.ctx.teams_of.get(id(volunteer), [])


@dataclass
class DemoContext:
    today: datetime.date
    now: datetime.datetime
    ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    teams_of: dict[int, list[PlannedTeam]] = field(default_factory=dict)
    leader_user: dict[int, int] = field(default_factory=dict)  # team pk -> leader's user pk
    duties: list[Duty] = field(default_factory=list)


# --- service records ----------------------------------------------------------------------------------


def _record(rng: random.Random, ctx: DemoContext, volunteer: Volunteer, planned: PlannedTeam | None,
            day: datetime.date, *, hours: Decimal | None = None, pending_ok: bool = True, **extra) -> ServiceRecord:
    """One record as the services leave it: entered (or claimed), then verified by the team's leader
    a few days later, or still pending, or rejected with a reason. `pending_ok=False`: verified."""
    team = planned.team if planned else None
    region = extra.pop("region", None) or (team.region if team else volunteer.region)
    recorded_at = min(aware(min(day + datetime.timedelta(days=rng.randint(0, 3)), ctx.today), rng.randint(9, 20),
                            rng.choice([0, 15, 30, 45])), ctx.now)
    verified_at = recorded_at + datetime.timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 6))
    roll = rng.random()
    if pending_ok and (verified_at > ctx.now or ((ctx.today - day).days < 45 and roll < 0.35)):
        status = RecordStatus.PENDING
    elif pending_ok and roll > 0.96:
        status = RecordStatus.REJECTED
    else:
        status = RecordStatus.VERIFIED
    verified = status != RecordStatus.PENDING
    source = extra.pop("source", None) or (RecordSource.CLAIM if not verified and rng.random() < 0.6
                                           else rng.choice([RecordSource.MANUAL] * 3 + [RecordSource.IMPORT]))
    if source == RecordSource.CLAIM and volunteer.user_id is None:
        source = RecordSource.MANUAL  # only a volunteer with an account claims hours (services.record_claim)
    leader = ctx.leader_user.get(team.pk) if team else None
    # Ids, not instances: the related descriptors cost more than the rest for tens of thousands of rows.
    return ServiceRecord(
        volunteer_id=volunteer.pk, team_id=team.pk if team else None, date=day,
        hours=hours or Decimal(rng.randint(2, 12)) / 2,
        place=extra.pop("place", "") or region.name + rng.choice(["新时代文明实践站", "社区活动室", "文化广场", "科普活动室"]),
        content=extra.pop("content", "") or (planned.work if planned else rng.choice(GENERAL_WORK)),
        project=extra.pop("project", rng.choice(PROJECTS)), served_people=extra.pop("served_people", rng.randint(10, 200)),
        quality=rng.choice([Quality.EXCELLENT, Quality.GOOD, Quality.GOOD, Quality.FAIR]) if verified else "",
        region_id=region.pk, region_path=region.path, source=source, status=status,
        recorded_by_id=volunteer.user_id if source == RecordSource.CLAIM else leader, recorded_at=recorded_at,
        verified_by_id=leader if verified else None, verified_at=min(verified_at, ctx.now) if verified else None,
        reject_reason=rng.choice(REJECT_REASONS) if status == RecordStatus.REJECTED else "", is_demo=True, **extra,
    )


def _records_of(rng: random.Random, ctx: DemoContext, dv: DistrictVolunteers) -> list[ServiceRecord]:
    """Hand-entered, imported and claimed records: most volunteers a few, some many."""
    out = []
    two_years = ctx.today - datetime.timedelta(days=730)
    for volunteer in dv.volunteers:
        if getattr(volunteer, "_demo_records", None) is not None:
            continue
        teams = dv.teams_of(volunteer)
        roll = rng.random()
        end = min(volunteer.left_on or ctx.today, ctx.today)
        start = max(volunteer.registered_on, two_years)
        if roll < 0.35 or end < start:
            continue
        if roll < 0.9665:
            count, low, high = rng.randint(1, 4), 2, 8
        elif roll < 0.9965:  # a regular: about 100 to 300 hours (stars 1 and 2)
            count, low, high = rng.randint(25, 70), 6, 14
        elif roll < 0.999:  # a long-serving volunteer: hundreds of hours since registration (stars 2 to 4)
            count, low, high = rng.randint(100, 220), 8, 16
            start = volunteer.registered_on
        else:  # the most devoted: more than 1,500 hours (5 stars)
            count, low, high = rng.randint(240, 300), 12, 18
            start = volunteer.registered_on
        for _i in range(count):
            planned = rng.choice(teams) if teams and rng.random() < 0.9 else None
            out.append(_record(rng, ctx, volunteer, planned, _day(rng, start, end),
                               hours=Decimal(rng.randint(low, high)) / 2))
    return out


# --- writing --------------------------------------------------------------------------------------------


def _write_district(rng: random.Random, ctx: DemoContext, dv: DistrictVolunteers) -> None:
    """Teams, leader accounts, volunteers (numbered in order of registration) and memberships."""
    head = dv.teams[0].team
    head.save()
    for planned in dv.teams[1:]:
        planned.team.parent = head
    Team.objects.bulk_create([p.team for p in dv.teams[1:]], batch_size=BATCH)
    dv.volunteers.sort(key=lambda v: (v.registered_on, v.name))
    numbers = services.allocate_numbers(services.number_prefix(dv.district), len(dv.volunteers))
    for volunteer, number in zip(dv.volunteers, numbers, strict=True):
        volunteer.number = number
    # Leaders need an account (services.membership_set_role): demo accounts without a password.
    leaders = {id(p.leader): p.leader for p in dv.teams if p.leader.user_id is None}
    users = [User(username=f"vl{dv.district.code}{n:03d}", display_name=v.name, password=make_password(None),
                  is_demo=True) for n, v in enumerate(leaders.values(), start=1)]
    User.objects.bulk_create(users, batch_size=BATCH)
    for volunteer, user in zip(leaders.values(), users, strict=True):
        volunteer.user = user
    _insert(Volunteer, dv.volunteers)
    for planned in dv.teams:
        ctx.leader_user[planned.team.pk] = planned.leader.user.pk
    rows = [Membership(team=p.team, volunteer=v, joined_on=joined,
                       role=Membership.Role.LEADER if v is p.leader else Membership.Role.MEMBER)
            for p, v, joined in dv.memberships]
    _insert(Membership, rows)


def _duties(rng: random.Random, ctx: DemoContext, plans: dict[str, DistrictVolunteers]) -> list[ServiceRecord]:
    """Volunteers on duty at the past 科技志愿服务活动, each with the record their check-in gives."""
    activities = (Activity.objects.filter(is_demo=True, is_volunteer_service=True,
                                          status__in=[ActivityStatus.FINISHED, ActivityStatus.REPORTED],
                                          end__lt=ctx.now, service_request__isnull=True)
                  .select_related("region").order_by("start", "pk"))
    duties, records = [], []
    for activity in activities:
        dv = plans.get(activity.region_path.split("/")[1])
        if dv is None:
            continue
        day = timezone.localtime(activity.start).date()
        own = [p for p in dv.teams if p.team.unit_id == activity.organizer_id]
        planned = rng.choice(own) if own else dv.teams[0]
        members = [v for v in planned.members if v.registered_on <= day and (v.left_on is None or v.left_on > day)]
        for volunteer in rng.sample(members, min(len(members), rng.randint(2, 5))):
            checked_in = activity.start - datetime.timedelta(minutes=rng.randint(0, 25))
            checked_out = activity.end + datetime.timedelta(minutes=rng.randint(-20, 15))
            duty = Duty(activity=activity, volunteer=volunteer, team=planned.team, task=rng.choice(
                ["现场讲解", "秩序引导", "签到登记", "科普资料发放", "互动体验指导"]),
                checked_in_at=checked_in, checked_out_at=checked_out)
            hours = services.duty_hours(duty)
            if hours:
                record = _record(rng, ctx, volunteer, planned, day, hours=hours, pending_ok=False,
                                 source=RecordSource.CHECKIN, activity=activity, region=activity.region,
                                 place=activity.venue, content=duty.task, project="", served_people=0)
                record.verified_at = min(activity.end + datetime.timedelta(days=rng.randint(1, 3)), ctx.now)
                record.recorded_at = record.verified_at
                record.recorded_by_id = record.verified_by_id
                records.append(record)
                duty._demo_record = record
            duties.append(duty)
    # An upcoming one in 永川: the leader's team is on duty, to check in on the day.
    yc = plans.get("500118")
    upcoming = Activity.objects.filter(is_demo=True, is_volunteer_service=True, status=ActivityStatus.PUBLISHED,
                                       start__gt=ctx.now, region_path__startswith="500000/500118/").order_by("start")
    if yc is not None and upcoming.exists():
        head = yc.teams[0]
        serving = [v for v in head.members if v.left_on is None and v is not head.leader][:40]
        for volunteer in [head.leader, *rng.sample(serving, min(3, len(serving)))]:
            duties.append(Duty(activity=upcoming.first(), volunteer=volunteer, team=head.team, task="现场讲解"))
    ctx.duties = duties
    return records


def _requests(rng: random.Random, ctx: DemoContext, plans: dict[str, DistrictVolunteers]) -> list[ServiceRecord]:
    """你点我送 needs in every state. Fulfilled ones are past 科技志愿服务活动 of the activities demo
    (organized by the claiming team's unit, as services.request_fulfil makes them) with the team's
    records; a scheduled one has a published activity ahead; the rest are recent."""
    groups = dict(TargetGroup.objects.values_list("key", "pk"))
    admins = dict(User.objects.filter(username__in=["yc_admin", "spb_admin"]).values_list("username", "pk"))
    states = {"500118": ["open", "open", "open", "claimed", "scheduled", "fulfilled", "fulfilled", "fulfilled",
                         "cancelled"],
              "500106": ["open", "open", "claimed", "fulfilled", "fulfilled", "fulfilled", "cancelled"],
              "500101": ["open", "claimed", "fulfilled", "fulfilled"]}
    held = defaultdict(list)
    for activity in (Activity.objects.filter(is_demo=True, is_volunteer_service=True, end__lt=ctx.now,
                                             status__in=[ActivityStatus.FINISHED, ActivityStatus.REPORTED])
                     .select_related("region").prefetch_related("target_groups").order_by("start", "pk")):
        held[activity.region_path.split("/")[1]].append(activity)
    phones: set[str] = set()
    made = []
    for code, dv in plans.items():
        needs = rng.sample(NEEDS, len(NEEDS))
        for n, state in enumerate(states.get(code, ["open", "fulfilled"])):
            topic, audience, group, kind = needs[n % len(needs)]
            past = _held_for_request(rng, dv, held[code]) if state == "fulfilled" else None
            if state == "fulfilled" and past is None:
                state = "claimed"
            if past is not None:
                activity, planned = past
                region, topic = activity.region, activity.title
                target = next(iter(activity.target_groups.all()), None)
                group_id, audience = (target.pk, target.name) if target else (None, audience)
                created = activity.start - datetime.timedelta(days=rng.randint(10, 30), hours=rng.randint(0, 8))
            else:
                region = _need_place(rng, dv, kind, near_leader=(code == "500118" and n == 0))
                group_id = groups.get(group)
                days = {"open": (1, 10), "cancelled": (20, 90)}.get(state, (30, 90))
                created = ctx.now - datetime.timedelta(days=rng.randint(*days), hours=rng.randint(0, 8))
            town = dv.town_of(region)
            requester = (f"{(town or dv.district).name}中心小学" if kind == "school"
                         else region.name + ("居民委员会" if region.level == "village" else ""))
            window_start = timezone.localtime(created).date() + datetime.timedelta(days=rng.randint(2, 5))
            window_end = window_start + datetime.timedelta(days=rng.randint(14, 30))
            if past is not None:
                day = timezone.localtime(activity.start).date()
                window_start, window_end = min(window_start, day), max(window_end, day)
            phone = _phone(rng, phones)
            req = ServiceRequest(
                topic=topic, audience=audience, target_group_id=group_id,
                description=f"{requester}希望邀请科技志愿服务队开展“{topic}”，服务对象为{audience}。{NOTE}",
                requester_name=requester, contact_name=person_name(rng) + rng.choice(["主任", "老师", "书记"]),
                contact_phone_encrypted=pii.encrypt(phone), contact_phone_masked=pii.mask_phone(phone),
                region=region, region_path=region.path,
                place=(activity.venue if past is not None and activity.venue else
                       region.name + {"school": "学校多功能厅", "village": "村便民服务中心"}.get(kind, "社区活动室")),
                window_start=window_start, window_end=window_end, expected_size=rng.choice([30, 40, 50, 60, 80, 100]),
                created_at=created, is_demo=True,
                created_by_id=admins.get({"500118": "yc_admin", "500106": "spb_admin"}.get(code, "")),
            )
            if state == "cancelled":
                req.status, req.cancel_reason = RequestStatus.CANCELLED, rng.choice(CANCEL_REASONS)
            elif state != "open":
                planned = past[1] if past is not None else _claimer(rng, dv, region)
                req.status, req.team = RequestStatus.CLAIMED, planned.team
                req.claimed_at = created + datetime.timedelta(hours=rng.randint(2, 60))
                req.claimed_by_id = ctx.leader_user[planned.team.pk]
                if state == "scheduled":
                    req.activity = _scheduled_activity(rng, ctx, req, planned)
                    req.window_end = max(req.window_end, timezone.localtime(req.activity.start).date())
                if past is not None:
                    req.status, req.activity = RequestStatus.FULFILLED, activity
                    req.fulfilled_at = activity.end + datetime.timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 6))
                    req._demo_team = planned
            made.append(req)
    ServiceRequest.objects.bulk_create(made, batch_size=BATCH)
    records: list[ServiceRecord] = []
    for req in made:
        if req.status != RequestStatus.FULFILLED:
            continue
        activity, planned = req.activity, req._demo_team
        day = timezone.localtime(activity.start).date()
        members = [v for v in planned.members if v.registered_on <= day and (v.left_on is None or v.left_on > day)]
        for volunteer in rng.sample(members, min(len(members), rng.randint(2, 4))):
            record = _record(rng, ctx, volunteer, planned, day, hours=Decimal(rng.randint(4, 7)) / 2, pending_ok=False,
                             source=RecordSource.REQUEST, activity=activity, request=req, region=req.region,
                             place=activity.venue, content=req.topic, project="你点我送",
                             served_people=req.expected_size + rng.randint(-10, 20))
            record.verified_at = record.recorded_at = req.fulfilled_at
            record.recorded_by_id = record.verified_by_id
            records.append(record)
    return records


def _held_for_request(rng: random.Random, dv: DistrictVolunteers, held: list[Activity]):
    """A past activity of the district organized by a unit with a team near it, and that team; taken
    out of `held`. None when there is none."""
    order = list(range(len(held)))
    rng.shuffle(order)
    for i in order:
        activity = held[i]
        near = [p for p in dv.teams if p.team.unit_id == activity.organizer_id and (
            activity.region_path.startswith(p.team.region_path) or p.team.region_path.startswith(activity.region_path))]
        if near:
            held.pop(i)
            return activity, rng.choice(near)
    return None


def _need_place(rng: random.Random, dv: DistrictVolunteers, kind: str, near_leader: bool) -> Region:
    if not dv.towns:
        return dv.district
    town = dv.towns[0] if near_leader else rng.choice(dv.towns)  # 中山路街道: the citizen persona lives there
    villages = dv.villages_of.get(town.pk, [])
    if kind in ("community", "village") and villages:
        wanted = "社区" if kind == "community" else "村"
        fitting = [v for v in villages if v.name.endswith(wanted)] or villages
        return rng.choice(fitting)
    return town


def _claimer(rng: random.Random, dv: DistrictVolunteers, region: Region) -> PlannedTeam:
    """A team near the need whose unit may organize there (its town's team, else a district team)."""
    town = dv.town_of(region)
    if town is not None and town.pk in dv.town_team and rng.random() < 0.5:
        planned = dv.town_team[town.pk]
        if region.path.startswith(planned.team.unit.region.path):
            return planned
    district_teams = [p for p in dv.teams if p.team.region_id == dv.district.pk]
    return rng.choice(district_teams)


def _scheduled_activity(rng: random.Random, ctx: DemoContext, req: ServiceRequest, planned: PlannedTeam) -> Activity:
    """The published 科技志愿服务活动 a claimed need is scheduled as (services.request_schedule)."""
    start = aware(ctx.today + datetime.timedelta(days=rng.randint(5, 20)), rng.choice([9, 10, 14, 15]))
    activity = Activity.objects.create(
        title=req.topic, kind=ActivityKind.VOLUNTEER_SERVICE, organizer=planned.team.unit, region=req.region,
        region_path=req.region.path, venue=req.place, start=start, end=start + datetime.timedelta(hours=2),
        is_volunteer_service=True, status=ActivityStatus.PUBLISHED, is_demo=True,
        description=f"“你点我送”服务需求：{req.topic}（{req.requester_name}）。{NOTE}",
    )
    if req.target_group_id:
        activity.target_groups.add(req.target_group_id)
    return activity


# --- the loader ---------------------------------------------------------------------------------------------


@register_demo_loader
def load_demo_volunteers(rng: random.Random) -> None:
    """Teams, volunteers, records, duties and 你点我送 needs for the nine demonstration districts."""
    if Volunteer.objects.filter(is_demo=True).exists():
        return
    now = timezone.now()
    ctx = DemoContext(today=timezone.localdate(), now=now)
    personas = {u.username: u for u in User.objects.filter(username__in=["yc_leader", "citizen", "yc_admin"])}
    plans: dict[str, DistrictVolunteers] = {}
    for code, plan in PLANS.items():
        district = Region.objects.get(code=code)
        dv = DistrictVolunteers(rng, district, plan, ctx)
        dv.plan_teams()
        extra = _persona_volunteers(rng, dv, personas) if code == "500118" else []
        dv.plan_volunteers(extra)
        dv.pick_leaders()
        for planned, volunteer, _joined in dv.memberships:
            ctx.teams_of.setdefault(id(volunteer), []).append(planned)
        plans[code] = dv
    for dv in plans.values():
        _write_district(rng, ctx, dv)
    records = []
    for dv in plans.values():
        records += _records_of(rng, ctx, dv)
    records += _persona_records(rng, ctx, plans["500118"], personas)
    records += _requests(rng, ctx, plans)
    records += _duties(rng, ctx, plans)
    _insert(ServiceRecord, records)
    for duty in ctx.duties:
        record = getattr(duty, "_demo_record", None)
        duty.record = record
    Duty.objects.bulk_create(ctx.duties, batch_size=BATCH)
    ids = [v.pk for dv in plans.values() for v in dv.volunteers]
    services.recount(ids)
    _star_history(ids)
    if "yc_admin" in personas:
        role_grant(actor=None, user=personas["yc_admin"], role=Role.PII_VIEWER, region=plans["500118"].district)


def _persona_volunteers(rng: random.Random, dv: DistrictVolunteers,
                        personas: dict[str, User]) -> list[tuple[Volunteer, list[PlannedTeam]]]:
    """The 永川 leader (leads the 总队) and the citizen (a volunteer of 中山路街道's team)."""
    out = []
    head = dv.teams[0]
    leader_user = personas.get("yc_leader")
    if leader_user is not None:
        leader = dv.person(region=dv.district, registered_on=datetime.date(2017, 3, 5), name="周建华",
                           unit=dv.association, gender=Gender.MALE)
        leader.user = leader_user
        leader.skills, leader.education = "科普讲解、应急救护", Education.BACHELOR
        head.leader = leader
        leader._demo_persona = "yc_leader"
        out.append((leader, [head]))
    citizen_user = personas.get("citizen")
    if citizen_user is not None and dv.towns:
        town = dv.towns[0]
        citizen = dv.person(region=town, registered_on=dv.ctx.today - datetime.timedelta(days=400), name="王晓民",
                            phone=CITIZEN_PHONE, gender=Gender.MALE)
        citizen.user = citizen_user
        citizen._demo_persona = "citizen"
        citizen._demo_records = True  # written by _persona_records
        out.append((citizen, [dv.town_team[town.pk], head]))
    return out


def _persona_records(rng: random.Random, ctx: DemoContext, dv: DistrictVolunteers,
                     personas: dict[str, User]) -> list[ServiceRecord]:
    """The citizen's verified hours (and one claim waiting); pending claims for the leader to verify."""
    out = []
    citizen = next((v for v in dv.volunteers if getattr(v, "_demo_persona", "") == "citizen"), None)
    if citizen is not None:
        town_team = dv.teams_of(citizen)[0]
        for n in range(14):
            day = ctx.today - datetime.timedelta(days=380 - n * 27)
            record = _record(rng, ctx, citizen, town_team, day, hours=Decimal(rng.randint(4, 8)) / 2, pending_ok=False)
            out.append(record)
        out.append(_record(rng, ctx, citizen, dv.teams[0], ctx.today - datetime.timedelta(days=3),
                           hours=Decimal(3), pending_ok=False, source=RecordSource.CLAIM, content="社区科普讲座服务"))
        out[-1].status, out[-1].verified_by_id, out[-1].verified_at, out[-1].quality = RecordStatus.PENDING, None, None, ""
    head = dv.teams[0]
    members = [v for v in head.members if v.left_on is None and v is not head.leader and v is not citizen]
    for volunteer in rng.sample(members, min(6, len(members))):
        day = ctx.today - datetime.timedelta(days=rng.randint(2, 20))
        record = _record(rng, ctx, volunteer, head, day, hours=Decimal(rng.randint(3, 8)) / 2, pending_ok=False,
                         source=RecordSource.CLAIM, content=rng.choice(GENERAL_WORK))
        record.status, record.verified_by_id, record.verified_at, record.quality = RecordStatus.PENDING, None, None, ""
        out.append(record)
    return out


def _star_history(ids: list[int]) -> None:
    """recount() moves a volunteer from 0 to their level in one change, stamped now; the history
    _credit() would have written as the records were verified one by one replaces it."""
    changes = StarChange.objects.filter(volunteer_id__in=ids)
    starred = list(changes.values_list("volunteer_id", flat=True).distinct())
    if not starred:
        return
    changes.delete()
    records = (ServiceRecord.objects.filter(volunteer_id__in=starred, status=RecordStatus.VERIFIED)
               .order_by("volunteer_id", "verified_at", "pk").values_list("volunteer_id", "hours", "verified_at"))
    rows, totals, stars = [], defaultdict(Decimal), defaultdict(int)
    for volunteer_id, hours, verified_at in records:
        totals[volunteer_id] += hours
        new = services.stars_for(totals[volunteer_id])
        for level in range(stars[volunteer_id] + 1, new + 1):
            rows.append(StarChange(volunteer_id=volunteer_id, old_stars=level - 1, new_stars=level,
                                   hours=totals[volunteer_id], at=verified_at))
        stars[volunteer_id] = new
    _insert(StarChange, rows)
