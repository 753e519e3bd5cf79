"""Synthetic volunteers for `kepu gendata`: teams, volunteers, memberships, service records, star
changes and 你点我送 needs.

| scale | volunteers | service records (5 per volunteer) | teams |
| --- | --- | --- | --- |
| small | 永川区 2,000, every other district-level region 40: 3,600 | 18,000 | 永川区 12 + one per town, others 3 |
| district | 永川区 50,000, every other district-level region 40: 51,600 | 258,000 | 永川区 20 + one per town, others 3 |
| city | 1,000,000 over the 41 district-level regions in proportion to their population | 5,000,000 | 20 per district-level region + one per town (~1,800) |

Volunteers live in their district, its towns and villages; ~95 % belong to one or two teams
(their town's team, a themed district team, the district's 总队), each team has a leader with an
account (a demo user without a password). Volunteers registered from 2016 on (more of them in
recent years); their records are dated from their registration or 2021, whichever is later, to
the end of 2025 (the long-serving from their registration); about a fifth of them are on one of
the district's held 科技志愿服务活动 of the activities gendata (2024 and 2025; it runs first), so
the later years hold more. ~95 % are verified, the recent ones partly pending, ~2 % rejected.
Hours and stars on each volunteer are the sums of their verified records, computed here as the
rows are made, with a star change per level reached. Override the average number of records
per volunteer with KEPU_GENDATA_VOLUNTEER_RECORDS (e.g. 1 for a quick city-scale run; 0 for none).

Personal data is real, not a placeholder: every ID number is valid (birth date, gender digit,
check digit from pii.id_check_digit) and unique, every person has a random mobile number, and both
are encrypted with pii.encrypt, hashed with pii.lookup_hash and masked with pii.mask_id /
mask_phone, so any row a page reveals decrypts. Fernet takes ~10 µs a value here, 20 s for the
city's 2 million; for big loads the work runs in a pool of forked worker processes (one per CPU,
at most four) while this process goes on generating. Deterministic: seeded per district.

Rows are written like the activities' (kepu.activities.gendata.Table: COPY on PostgreSQL,
executemany on SQLite) with explicit ids; for a load at least as big as what the tables hold the
secondary indexes (and PostgreSQL's foreign keys) are dropped first and rebuilt after. A district
that already has generated teams is skipped, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import random
import time
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from kepu.accounts.models import User
from kepu.activities.gendata import Table, district_places, drop_for_bulk_load, flush
from kepu.activities.models import Activity, ActivityStatus, TargetGroup
from kepu.core import pii
from kepu.core.gendata import register_gendata_extension
from kepu.core.gendata.names import GIVEN, SURNAMES
from kepu.core.gendata.plan import BENCH_PASSWORD, FULL_DISTRICT
from kepu.core.gendata.write import average_from_env
from kepu.orgs.models import UnitType
from kepu.regions.models import Level, Population

from . import services
from .demo import (
    CANCEL_REASONS,
    EDUCATION,
    GENERAL_WORK,
    NEEDS,
    OTHER_AREAS,
    PROJECTS,
    REJECT_REASONS,
    SKILLS,
    THEMES,
)
from .models import (
    Membership,
    RecordSource,
    RecordStatus,
    RequestStatus,
    ServiceRecord,
    ServiceRequest,
    StarChange,
    Team,
    Volunteer,
)

SEED = "kepu-gendata-volunteers-2026"
MARK = "（gendata 合成数据）"
CITY_VOLUNTEERS = 1_000_000
VOLUNTEERS = {"small": (2_000, 40), "district": (50_000, 40)}  # (永川区, each other district-level region)
THEMED_TEAMS = {"small": (12, 3), "district": (20, 3), "city": (20, 20)}  # (永川区, others), plus one per town
RECORDS_PER_VOLUNTEER = 5
REQUESTS = {"small": (40, 2), "district": (60, 2), "city": (50, 50)}
# Service is recorded from 2021 (the long-serving from their registration, since 2016) to 2025:
# a volunteer's hours build up over years, as the star levels assume.
FIRST_DAY, LAST_DAY = datetime.date(2021, 1, 1).toordinal(), datetime.date(2025, 12, 31).toordinal()
REGISTERED_FROM = LONG_SERVING_FROM = datetime.date(2016, 1, 1).toordinal()
LINK_RATE = 0.2  # share of records given on a held 科技志愿服务活动 of the district
POOL_MIN = 20_000  # values to protect before worker processes pay off
CHUNK = 4_096
TZ_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving since 1991
NAMES = 4_096
MALE, FEMALE = "male", "female"
VERIFIED, PENDING, REJECTED = RecordStatus.VERIFIED.value, RecordStatus.PENDING.value, RecordStatus.REJECTED.value
SOURCES = [RecordSource.MANUAL.value] * 3 + [RecordSource.IMPORT.value]
CHECKIN, REQUEST = RecordSource.CHECKIN.value, RecordSource.REQUEST.value
LEADER, MEMBER = Membership.Role.LEADER.value, Membership.Role.MEMBER.value
QUALITIES = ["excellent", "good", "good", "fair"]
PLACES = ["新时代文明实践站", "社区活动室", "文化广场", "中心小学", "科普活动室"]
# Record tiers: (cumulative share, fewest, most records, lowest, highest half-hours per record).
TIERS = [
    (0.20, 0, 0, 0, 0),  # registered, no service in the two years
    (0.92, 1, 8, 2, 8),
    (0.995, 10, 25, 4, 12),  # regulars: some reach a star
    (0.9995, 60, 120, 8, 16),  # long-serving since 2020: 1 to 3 stars
    (1.0, 190, 260, 10, 18),  # the most devoted: 4 and 5 stars
]


def records_per_volunteer() -> float:
    return average_from_env("KEPU_GENDATA_VOLUNTEER_RECORDS", RECORDS_PER_VOLUNTEER, 50, "average service records per volunteer")


# --- personal data, in worker processes for big batches ------------------------------------------------


def _protect_ids(first17s: list[str]) -> list[tuple[str, str, str]]:
    """(encrypted, hash, masked) of the ID numbers with these first 17 digits and their check digit."""
    out = []
    for first17 in first17s:
        number = first17 + pii.id_check_digit(first17)
        out.append((pii.encrypt(number), pii.lookup_hash(number), pii.mask_id(number)))
    return out


def _protect_phones(phones: list[str]) -> list[tuple[str, str, str]]:
    return [(pii.encrypt(p), pii.lookup_hash(p), pii.mask_phone(p)) for p in phones]


class Protector:
    """Encrypts, hashes and masks; big batches go to forked workers (they inherit Django's settings
    and the derived keys, and never touch the database)."""

    def __init__(self, values: int):
        self.pool = None
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if values >= POOL_MIN and cpus > 1 and "fork" in multiprocessing.get_all_start_methods():
            pii.lookup_hash("")  # derive the keys once, before forking
            self.pool = multiprocessing.get_context("fork").Pool(min(cpus, 4))

    def submit(self, func, values: list[str]):
        """Start the work; returns a callable that waits for the results, in order."""
        if self.pool is None or len(values) < CHUNK:
            done = func(values)
            return lambda: done
        chunks = [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]
        pending = self.pool.map_async(func, chunks)
        return lambda: [row for chunk in pending.get() for row in chunk]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


# --- timestamps as the database takes them -------------------------------------------------------------


class Clock:
    """Dates and UTC timestamps as strings (formatting is the hot spot), cached per day."""

    def __init__(self):
        self.suffix = "+00" if connection.vendor == "postgresql" else ""
        self.days: dict[int, str] = {}
        self.minutes = [f" {m // 60:02d}:{m % 60:02d}:00{self.suffix}" for m in range(1440)]

    def day(self, ordinal: int) -> str:
        text = self.days.get(ordinal)
        if text is None:
            text = self.days[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text

    def at(self, ordinal: int, hour: int, minute: int = 0) -> str:
        """A local (UTC+8) time on a day, in UTC."""
        minutes = hour * 60 + minute - TZ_OFFSET // 60
        if minutes < 0:
            ordinal, minutes = ordinal - 1, minutes + 1440
        return self.day(ordinal) + self.minutes[minutes]


# --- what each district gets --------------------------------------------------------------------------


def _district_targets(scale: str, districts) -> dict[int, int]:
    if scale in VOLUNTEERS:
        full, other = VOLUNTEERS[scale]
        return {d.pk: full if d.code == FULL_DISTRICT else other for d in districts}
    residents = dict(Population.objects.filter(region__in=districts).order_by("region_id", "year")
                     .values_list("region_id", "residents"))
    weights = {d.pk: max(residents.get(d.pk, 0), 100_000) for d in districts}
    total = sum(weights.values())
    targets = {pk: CITY_VOLUNTEERS * w // total for pk, w in weights.items()}
    left = CITY_VOLUNTEERS - sum(targets.values())  # largest remainders get the rest: the total is exact
    for pk in sorted(weights, key=lambda pk: -(CITY_VOLUNTEERS * weights[pk] % total))[:left]:
        targets[pk] += 1
    return targets


class Vocabulary:
    """What the hot loops look up, computed once."""

    def __init__(self, rng: random.Random, districts):
        self.names = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
                      for _i in range(NAMES)]
        self.skills = [""] + SKILLS + [f"{a}、{b}" for a in SKILLS[:6] for b in SKILLS[6:10]]
        self.thresholds = [int(h * 10) for h in services.star_thresholds()]  # in tenths of hours
        self.groups = dict(TargetGroup.objects.values_list("key", "pk"))
        self.areas = [d.code for d in districts if d.code.isdigit()] or ["500000"]
        self.taken: set[int] = set()  # first 17 digits of every ID number handed out

    def stars(self, tenths: int) -> int:
        return sum(1 for t in self.thresholds if tenths >= t)


def _tables() -> dict[str, Table]:
    return {
        "team": Table(Team, ["id", "name", "region", "region_path", "unit", "parent", "fields", "description",
                             "founded_on", "dissolved_on", "is_demo", "created_at", "updated_at"]),
        "volunteer": Table(Volunteer, [
            "id", "number", "name", "gender", "birth_date", "id_encrypted", "id_hash", "id_masked", "phone_encrypted",
            "phone_hash", "phone_masked", "skills", "education", "region", "region_path", "unit", "user",
            "guardian_name", "guardian_phone_encrypted", "guardian_phone_masked", "guardian_consent_on",
            "registered_on", "left_on", "hours", "stars", "is_demo", "created_at", "updated_at"]),
        "membership": Table(Membership, ["id", "team", "volunteer", "role", "joined_on", "created_at"]),
        "request": Table(ServiceRequest, [
            "id", "topic", "description", "audience", "target_group", "requester_unit", "requester_name",
            "contact_name", "contact_phone_encrypted", "contact_phone_masked", "region", "region_path", "place",
            "window_start", "window_end", "expected_size", "status", "team", "claimed_by", "claimed_at", "activity",
            "fulfilled_at", "cancel_reason", "created_by", "is_demo", "created_at", "updated_at"]),
        "record": Table(ServiceRecord, [
            "id", "volunteer", "team", "activity", "request", "project", "date", "place", "content", "hours",
            "served_people", "quality", "region", "region_path", "source", "status", "recorded_by", "recorded_at",
            "verified_by", "verified_at", "reject_reason", "is_demo", "updated_at"]),
        "star": Table(StarChange, ["id", "volunteer", "old_stars", "new_stars", "hours", "at"]),
    }


LOADED = [Team, Volunteer, Membership, ServiceRequest, ServiceRecord, StarChange]


def _hours(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


class DistrictWriter:
    """Generates one district's teams, volunteers, records and needs into the tables."""

    def __init__(self, vocab: Vocabulary, tables: dict[str, Table], ids: dict[str, int], protector: Protector,
                 per_volunteer: float, clock: Clock):
        self.v = vocab
        self.t = tables
        self.ids = ids
        self.protector = protector
        self.per_volunteer = per_volunteer
        self.clock = clock

    def next_id(self, key: str) -> int:
        value = self.ids[key]
        self.ids[key] = value + 1
        return value

    # teams ----------------------------------------------------------------------------------------------

    def teams(self, rng, district, towns, units, themed: int) -> list[dict]:
        """The 总队, `themed` district teams under it and one team per town."""
        clock = self.clock
        association = next((u for u in units if u[2] == UnitType.ASSOCIATION and u[1] == district.pk), units[0])
        out = []

        def add(name, region, unit_id, parent, fields, work, founded):
            tid = self.next_id("team")
            stamp = clock.at(founded, 10)
            self.t["team"].rows.append((tid, name, region.pk, region.path, unit_id, parent, fields,
                                        f"主要开展{work}等科技志愿服务。{MARK}", clock.day(founded), None, True,
                                        stamp, stamp))
            team = {"id": tid, "region": region, "unit": unit_id, "members": [], "leader": None, "work": work,
                    "founded": founded}
            out.append(team)
            return team

        head = add(f"{district.name}科技志愿服务总队", district, association[0], None, "综合科普服务", "科普宣传咨询",
                   datetime.date(2016, 3, 5).toordinal())
        by_name = {u[3]: u for u in units if u[1] == district.pk}
        for n in range(themed):
            name, fields, prefer, work = THEMES[n % len(THEMES)]
            # The demo's unit names say 区; counties (县) have the same units.
            wanted = [w for p in prefer for w in (p, "县" + p[1:])]
            unit = next((by_name[w] for w in wanted if w in by_name), association)
            suffix = "" if n < len(THEMES) else f"第{n // len(THEMES) + 1}"
            add(f"{district.name}{name}科技志愿服务{suffix}队", district, unit[0], head["id"], fields, work,
                rng.randint(datetime.date(2017, 1, 1).toordinal(), datetime.date(2023, 12, 31).toordinal()))
        town_units = defaultdict(list)
        for u in units:
            town_units[u[1]].append(u)
        for town in towns:
            local = town_units.get(town.pk) or [association]
            unit = next((u for u in local if u[2] == UnitType.ASSOCIATION), local[0])
            add(f"{town.name}科技志愿服务队", town, unit[0], head["id"], "社区科普、科普宣传", "社区科普宣传",
                rng.randint(datetime.date(2018, 1, 1).toordinal(), datetime.date(2023, 12, 31).toordinal()))
        return out

    # one district -----------------------------------------------------------------------------------------

    def run(self, district, towns, villages_of, units, count: int, rng: random.Random, themed: int,
            activities: list[tuple], requests: int) -> dict[str, int]:
        v, clock = self.v, self.clock
        made = defaultdict(int)
        if not units or not count:
            return made
        teams = self.teams(rng, district, towns, units, themed)
        made["volunteer_teams"] += len(teams)
        head, district_teams = teams[0], [t for t in teams[1:] if t["region"].pk == district.pk]
        town_team = {t["region"].pk: t for t in teams if t["region"].pk != district.pk}
        places = [(district, None)]
        for town in towns:
            places.append((town, town))
            places += [(village, town) for village in villages_of.get(town.pk, [])]
        unit_ids = [u[0] for u in units]
        area = district.code if district.code.isdigit() else rng.choice(v.areas)
        names, skills, taken = v.names, v.skills, v.taken

        # The people, in order of registration (so their numbers follow it).
        span = LAST_DAY - REGISTERED_FROM
        registered = sorted(LAST_DAY - int(span * rng.random() ** 1.5) for _i in range(count))
        numbers = services.allocate_numbers(services.number_prefix(district), count)
        people = []
        first17s, phones, guardian_phones = [], [], []
        for i, reg in enumerate(registered):
            gender = MALE if rng.random() < 0.5 else FEMALE
            minor = rng.random() < 0.04
            age = rng.randint(14, 17) if minor else min(rng.randint(18, 70), rng.randint(18, 70) + 12)
            # At least `age` years before (an age-year span holds at most (age + 3) // 4 leap days), less than age + 1.
            birth = reg - age * 365 - (age + 3) // 4 - rng.randint(1, 360)
            birth_text = clock.day(birth)
            while True:
                seq = rng.randrange(500) * 2 + (gender == MALE)
                first17 = f"{area if rng.random() < 0.9 else rng.choice(OTHER_AREAS)}{birth_text.replace('-', '')}{seq:03d}"
                key = int(first17)
                if key not in taken:
                    taken.add(key)
                    break
            first17s.append(first17)
            phones.append(f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")
            if minor:
                guardian_phones.append(f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")
            region, town = places[0] if not towns or rng.random() < 0.3 else rng.choice(places)
            left = rng.randint(reg + 30, LAST_DAY) if rng.random() < 0.03 and reg + 30 < LAST_DAY else None
            joined = []
            if town is not None and town.pk in town_team and rng.random() < 0.65:
                joined.append(town_team[town.pk])
            if district_teams and (not joined or rng.random() < 0.15) and rng.random() < 0.85:
                joined.append(rng.choice(district_teams))
            if rng.random() < (0.5 if not joined else 0.08):
                joined.append(head)
            person = {"id": self.next_id("volunteer"), "number": numbers[i], "name": names[rng.randrange(NAMES)],
                      "gender": gender, "birth": birth_text, "minor": minor, "region": region, "reg": reg,
                      "left": left, "teams": joined, "unit": rng.choice(unit_ids) if rng.random() < 0.4 else None,
                      "tenths": 0, "records": 0, "user": None, "verified": []}
            for team in joined:
                team["members"].append(person)
            people.append(person)
        # Encrypt while the records are made (worker processes for big batches).
        id_rows = self.protector.submit(_protect_ids, first17s)
        phone_rows = self.protector.submit(_protect_phones, phones + guardian_phones)

        # Leaders: an adult member still serving; each needs an account.
        leaders = []
        for team in teams:
            serving = [p for p in team["members"] if p["left"] is None and not p["minor"]]
            if not serving:  # nobody joined: an adult of the district leads it
                serving = [p for p in people if p["left"] is None and not p["minor"]][:1] or people[:1]
                team["members"].append(serving[0])
                serving[0]["teams"].append(team)
            team["leader"] = leader = rng.choice(serving)
            if team is head and district.code == FULL_DISTRICT:
                leader["user"] = _bench_account("bench_leader", leader["name"])
            if leader["user"] is None:
                leader["user"] = True
                leaders.append(leader)
        # Named after the volunteer number, never handed out twice.
        users = [User(username=f"gvl{p['number']}", display_name=p["name"], password=make_password(None),
                      is_demo=True) for p in leaders]
        User.objects.bulk_create(users)
        for person, user in zip(leaders, users, strict=True):
            person["user"] = user.pk

        # Records: an exact total for the district; the needs' records count in it. Each person's row is
        # written before their records (SQLite checks the deferred foreign keys of a parent row against
        # its children, whose index is dropped during the load: children first would scan them).
        held = [a for a in activities if a[5]]  # see _activities
        target = round(count * self.per_volunteer)
        fulfilled = self.requests(rng, district, places, head, requests, activities, made) if target else []
        counts = self.record_counts(rng, people, target - sum(len(members) for _r, _a, members in fulfilled))
        later: list[tuple] = []  # the needs' records, written after all the volunteers
        for request_id, activity, members in fulfilled:
            for person in members:
                self.record(rng, person, head, activity[3], later, activity=activity, request_id=request_id,
                            hours=rng.randint(4, 7) * 5, served=rng.randint(20, 120))
        if district.code == FULL_DISTRICT:
            self.bench_volunteer(people, counts)
        link_pool = [a for a in held if a[0] not in {act[0] for _r, act, _m in fulfilled}]
        id_rows, phone_rows = id_rows(), phone_rows()
        guardians = iter(phone_rows[len(phones):])
        stamp_cache: dict[int, str] = {}
        tables = self.t
        for person, (count_i, low, high, start), (id_enc, id_hash, id_masked), (ph_enc, ph_hash, ph_masked) in zip(
                people, counts, id_rows, phone_rows, strict=False):
            records: list[tuple] = []
            end = person["left"] or LAST_DAY
            used = set()
            for _n in range(count_i):
                day = rng.randint(start, end)
                team = rng.choice(person["teams"]) if person["teams"] and rng.random() < 0.9 else None
                activity = None
                if link_pool and rng.random() < LINK_RATE:
                    candidate = link_pool[rng.randrange(len(link_pool))]
                    if start <= candidate[3] <= end and candidate[0] not in used:
                        activity, day = candidate, candidate[3]
                        used.add(candidate[0])
                self.record(rng, person, team, day, records, activity=activity, hours=rng.randint(low, high) * 5)
            guardian_enc = guardian_masked = guardian_name = ""
            consent = None
            if person["minor"]:
                guardian_enc, _h, guardian_masked = next(guardians)
                guardian_name = names[rng.randrange(NAMES)]
                consent = clock.day(person["reg"])
            reg = person["reg"]
            stamp = stamp_cache.get(reg) or stamp_cache.setdefault(reg, clock.at(reg, 10))
            stars = v.stars(person["tenths"])
            tables["volunteer"].rows.append((
                person["id"], person["number"], person["name"], person["gender"], person["birth"], id_enc, id_hash,
                id_masked, ph_enc, ph_hash, ph_masked, skills[rng.randrange(len(skills))],
                "" if person["minor"] else EDUCATION[rng.randrange(len(EDUCATION))], person["region"].pk,
                person["region"].path, person["unit"], person["user"], guardian_name, guardian_enc, guardian_masked,
                consent, clock.day(reg), clock.day(person["left"]) if person["left"] else None,
                _hours(person["tenths"]), stars, True, stamp, stamp,
            ))
            tables["record"].rows += records
            if stars:
                self.star_changes(person)
                made["star_changes"] += stars
            for team in person["teams"]:
                tables["membership"].rows.append((
                    self.next_id("membership"), team["id"], person["id"],
                    LEADER if team["leader"] is person else MEMBER,
                    clock.day(max(reg, team["founded"])), stamp))
                made["memberships"] += 1
            made["service_records"] += person["records"]
            if len(tables["record"].rows) >= 10 * CHUNK or len(tables["volunteer"].rows) >= CHUNK:
                flush(tables)
        tables["record"].rows += later
        made["volunteers"] += len(people)
        return made

    def record_counts(self, rng, people, target: int) -> list[tuple[int, int, int, int]]:
        """(records, fewest and most half-hours each, first day) per person, adding up to `target`."""
        scale = self.per_volunteer / RECORDS_PER_VOLUNTEER
        out = []
        for person in people:
            roll = rng.random()
            _share, low_n, high_n, low_h, high_h = next(t for t in TIERS if roll < t[0])
            start = max(person["reg"], LONG_SERVING_FROM if low_n >= 60 else FIRST_DAY)
            end = person["left"] or LAST_DAY
            n = round(rng.randint(low_n, high_n) * scale) if end >= start else 0
            out.append([n, low_h, high_h, start])
        # Nudge random people by one record until the sum is exact.
        total = sum(c[0] for c in out)
        eligible = [c for c, p in zip(out, people, strict=True) if c[3] <= (p["left"] or LAST_DAY)]
        while total < target and eligible:
            c = eligible[rng.randrange(len(eligible))]
            c[0] += 1
            total += 1
            if c[1] == 0:
                c[1], c[2] = 2, 8
        serving = [c for c in out if c[0]]
        while total > max(target, 0) and serving:
            c = serving[rng.randrange(len(serving))]
            if c[0]:
                c[0] -= 1
                total -= 1
        return out

    def record(self, rng, person, team, day: int, into: list, *, hours: int, activity=None, request_id=None,
               served: int | None = None) -> None:
        """One record of `person` (appended to `into`), counted in their hours when verified."""
        clock = self.clock
        bits = rng.getrandbits(64)  # one draw, sliced: the hot loop of the city's five million
        roll = bits & 0x3FF
        if request_id is not None or activity is not None:
            status = VERIFIED
        elif day > LAST_DAY - 45 and roll < 358:  # 35 %
            status = PENDING
        else:
            status = REJECTED if roll >= 1004 else VERIFIED  # 2 %
        if activity is not None:
            region_id, path, place, content = activity[1], activity[2], activity[4], activity[6]
            source = REQUEST if request_id else CHECKIN
        else:
            region = team["region"] if team else person["region"]
            region_id, path, place = region.pk, region.path, region.name + PLACES[(bits >> 10) % len(PLACES)]
            content = team["work"] if team else GENERAL_WORK[(bits >> 14) % len(GENERAL_WORK)]
            source = SOURCES[(bits >> 18) & 3]
        leader = team["leader"]["user"] if team and team["leader"] else None
        recorded_day = day + (bits >> 20) % 3
        recorded = clock.at(recorded_day, 9 + (bits >> 22) % 11, (bits >> 26) % 60)
        verified_at = None if status == PENDING else clock.at(recorded_day + 1 + (bits >> 32) % 7, 16)
        rid = self.ids["record"]
        self.ids["record"] = rid + 1
        into.append((
            rid, person["id"], team["id"] if team else None, activity[0] if activity else None,
            request_id, "你点我送" if request_id else PROJECTS[(bits >> 35) % len(PROJECTS)], clock.day(day), place,
            content, _hours(hours), served if served is not None else 10 + (bits >> 38) % 191,
            "" if status == PENDING else QUALITIES[(bits >> 46) & 3], region_id, path, source, status, leader,
            recorded, None if status == PENDING else leader, verified_at,
            REJECT_REASONS[(bits >> 48) % len(REJECT_REASONS)] if status == REJECTED else "", True,
            verified_at or recorded,
        ))
        person["records"] += 1
        if status == VERIFIED:
            person["tenths"] += hours
            person["verified"].append((day, hours))

    def star_changes(self, person) -> None:
        """One change per level reached, dated when the verified hours crossed it."""
        total, stars, clock = 0, 0, self.clock
        for day, hours in sorted(person["verified"]):
            total += hours
            new = self.v.stars(total)
            for level in range(stars + 1, new + 1):
                self.t["star"].rows.append((self.next_id("star"), person["id"], level - 1, level, _hours(total),
                                            clock.at(day + 3, 17)))
            stars = new

    def bench_volunteer(self, people, counts) -> None:
        """The benchmark's volunteer account: the 永川 volunteer with the most records and no account."""
        candidates = [(c[0], -p["id"], p) for p, c in zip(people, counts, strict=True)
                      if p["user"] is None and p["left"] is None and not p["minor"]]
        if not candidates:
            return
        person = max(candidates, key=lambda c: c[:2])[2]
        person["user"] = _bench_account("bench_volunteer", person["name"])

    def requests(self, rng, district, places, head, count: int, activities, made) -> list[tuple]:
        """你点我送 needs of the district; the fulfilled ones on a held activity of its 科协 (the 总队's unit)."""
        clock, v = self.clock, self.v
        own = [a for a in activities if a[5] and a[7] == head["unit"]]
        rng.shuffle(own)
        fulfilled = []
        members = list(head["members"])
        for _n in range(count):
            topic, audience, group, _kind = NEEDS[rng.randrange(len(NEEDS))]
            roll = rng.random()
            activity, serving = None, []
            if roll < 0.45 and own:
                activity = own.pop()
                day = activity[3]
                serving = [p for p in members if p["reg"] <= day and (p["left"] is None or p["left"] > day)]
                if not serving:  # nobody of the 总队 served then: the need stays claimed
                    activity, roll = None, 0.8
            if activity is not None:
                state, topic = RequestStatus.FULFILLED.value, activity[6]
                region_id, path, region_name = activity[1], activity[2], activity[8]
                created = activity[3] - rng.randint(15, 40)
            else:
                region, _town = rng.choice(places)
                region_id, path, region_name = region.pk, region.path, region.name
                state = (RequestStatus.OPEN.value if roll < 0.75 else RequestStatus.CLAIMED.value if roll < 0.9
                         else RequestStatus.CANCELLED.value)
                created = LAST_DAY - rng.randint(1, 25 if state == RequestStatus.OPEN.value else 120)
            created_hour = rng.randint(8, 17)
            claimed = None if state in ("open", "cancelled") else created + rng.randint(0, 3)
            rid = self.next_id("request")
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            window = created + rng.randint(5, 12)
            if activity is not None:
                window = min(window, activity[3])
            fulfilled_at = clock.at(activity[3] + rng.randint(1, 3), 17) if activity else None
            self.t["request"].rows.append((
                rid, topic, f"{region_name}希望邀请科技志愿服务队开展“{topic}”。{MARK}", audience, v.groups.get(group),
                None, region_name, SURNAMES[rng.randrange(len(SURNAMES))] + "老师", pii.encrypt(phone),
                pii.mask_phone(phone), region_id, path, region_name + "活动室", clock.day(window),
                clock.day(max(window + rng.randint(14, 30), activity[3] if activity else 0)), rng.choice([30, 50, 80]),
                state, head["id"] if claimed else None, head["leader"]["user"] if claimed else None,
                clock.at(claimed, created_hour + 2) if claimed else None, activity[0] if activity else None,
                fulfilled_at, CANCEL_REASONS[0] if state == "cancelled" else "", None, True,
                clock.at(created, created_hour), fulfilled_at or clock.at(created, created_hour),
            ))
            made["service_requests"] += 1
            if activity is not None:
                fulfilled.append((rid, activity, rng.sample(serving, min(len(serving), rng.randint(2, 4)))))
        return fulfilled


def _bench_account(username: str, display_name: str) -> int | None:
    """The id of a benchmark account (password BENCH_PASSWORD) for a new volunteer: made, or reused
    when an earlier run's volunteers were deleted; None when it belongs to a volunteer."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display_name, is_demo=True)
        user.set_password(BENCH_PASSWORD)
        user.save()
    elif Volunteer.objects.filter(user=user).exists():
        return None
    return user.pk


def _activities(district) -> list[tuple]:
    """The district's 科技志愿服务活动 of the activities gendata: (id, region id, region path, day
    ordinal, venue, held or not, title, organizer id, region name)."""
    rows = (Activity.objects.filter(region_path__startswith=district.path, is_volunteer_service=True)
            .values_list("id", "region_id", "region_path", "start", "venue", "status", "title", "organizer_id",
                         "region__name").order_by("id"))
    held = {ActivityStatus.FINISHED.value, ActivityStatus.REPORTED.value}
    out = []
    for pk, region_id, path, start, venue, status, title, organizer, region_name in rows.iterator(chunk_size=5000):
        day = (start + datetime.timedelta(seconds=TZ_OFFSET)).date().toordinal()  # the local date
        if FIRST_DAY <= day <= LAST_DAY:
            out.append((pk, region_id, path, day, venue or region_name, status in held,
                        title[:200], organizer, region_name))
    return out


def _existing(district) -> dict[str, int] | None:
    """What an earlier run generated in the district, or None when it has nothing yet."""
    teams = Team.objects.filter(region_path__startswith=district.path, is_demo=True, description__endswith=MARK)
    n = teams.count()
    if not n:
        return None
    volunteers = Volunteer.objects.filter(region_path__startswith=district.path, is_demo=True)
    return {
        "volunteer_teams": n,
        "volunteers": volunteers.count(),
        "memberships": Membership.objects.filter(team__in=teams).count(),
        "service_records": ServiceRecord.objects.filter(volunteer__in=volunteers).count(),
        "star_changes": StarChange.objects.filter(volunteer__in=volunteers).count(),
        "service_requests": ServiceRequest.objects.filter(region_path__startswith=district.path,
                                                          description__endswith=MARK).count(),
    }


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


@register_gendata_extension
def generate_volunteers(*, scale: str, regions: dict, stdout=None) -> dict[str, int]:
    """Teams, volunteers, memberships, service records, star changes and needs for the plan's regions."""
    started = time.perf_counter()
    per_volunteer = records_per_volunteer()
    by_parent: dict[int, list] = defaultdict(list)
    for region in regions.values():
        by_parent[region.parent_id].append(region)
    districts = sorted((r for r in regions.values() if r.level == Level.DISTRICT), key=lambda r: r.code)
    targets = _district_targets(scale, districts)
    vocab = Vocabulary(random.Random(f"{SEED}/{scale}/vocabulary"), districts)
    tables = _tables()
    ids = {key: _next_id(table.model) for key, table in tables.items()}
    writer = DistrictWriter(vocab, tables, ids, None, per_volunteer, Clock())
    totals = dict.fromkeys(("volunteers", "volunteer_teams", "memberships", "service_records", "star_changes",
                            "service_requests"), 0)
    cache_size = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1048576")
    planned = sum(targets.values())
    rebuild: list[str] = []
    if planned >= 1000 and planned >= Volunteer.objects.count():
        rebuild = drop_for_bulk_load(LOADED)
    writer.protector = Protector(2 * planned)
    themed_full, themed_other = THEMED_TEAMS[scale]
    requests_full, requests_other = REQUESTS[scale]
    try:
        for district in districts:
            existing = _existing(district)
            if existing is not None:
                for key, value in existing.items():
                    totals[key] += value
                continue
            towns, villages_of, units = district_places(district, by_parent)
            full = district.code == FULL_DISTRICT
            rng = random.Random(f"{SEED}/{scale}/{district.code}")
            made = writer.run(district, towns, villages_of, units, targets[district.pk], rng,
                              themed_full if full else themed_other, _activities(district),
                              requests_full if full else requests_other)
            for key, value in made.items():
                totals[key] += value
            if stdout is not None and targets[district.pk] >= 10_000:
                stdout.write(f"  volunteers of {district.name}: {made['volunteers']:,}, records "
                             f"{made['service_records']:,} ({time.perf_counter() - started:.0f} s)\n")
        flush(tables)
        with connection.cursor() as cursor:
            built = time.perf_counter()
            for sql in rebuild:
                cursor.execute(sql)
            if stdout is not None and rebuild:
                stdout.write(f"  {len(rebuild)} volunteer indexes and foreign keys restored "
                             f"({time.perf_counter() - built:.1f} s)\n")
            for sql in connection.ops.sequence_reset_sql(no_style(), LOADED):
                cursor.execute(sql)
    finally:
        writer.protector.close()
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    if stdout is not None:
        stdout.write(f"  volunteers: {totals['volunteers']:,}, service records {totals['service_records']:,}, "
                     f"teams {totals['volunteer_teams']:,}, memberships {totals['memberships']:,} "
                     f"({time.perf_counter() - started:.1f} s)\n")
    return totals
