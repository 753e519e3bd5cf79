"""Synthetic activities for `kepu gendata`: activities, registrations, check-ins and reports.

| scale | activities (2024 and 2025) |
| --- | --- |
| small | 永川区 800 (district, towns, villages), each other district-level region 30: ~2,000 |
| district | 永川区 20,000, each other district-level region 30: ~21,200 |
| city | 500,000 over the 41 district-level regions (in proportion to their population), their towns and villages |

About half of the activities take registrations: on average REGISTRATIONS_PER_ACTIVITY (20) per
activity over all of them, so 10 million at city scale, ~70 % of them checked in (the
"checkins" count also holds one walk-in row, a number of people, at ~40 % of the held ones); reported
activities have a participation report whose counts are the check-ins per target group plus
walk-ins and online views, as report_save() computes them. Override the average with the
environment variable KEPU_GENDATA_REGISTRATIONS (e.g. 2 for a quick city-scale run; 0 for none).

Everything is synthetic and deterministic (seeded per district), is_demo=True, with the marker
MARK in the description. Phone numbers come from a pool of POOL_SIZE synthetic numbers encrypted
once (Fernet is far too slow for 10 million values); the registrations of one activity take
distinct numbers of the pool (a stride through it), so phone_encrypted, phone_hash (the real keyed
hash) and phone_masked agree and (activity, phone_hash) stays unique, while one synthetic person
registers for many activities. Tokens are "g<activity id hex>-<n hex>-<random hex>": unique, but
predictable from the seed: benchmark data only, never a production database.

Rows are written as fast as the database takes them: PostgreSQL's COPY (psycopg 3), SQLite's
executemany, inside gendata's transaction, with explicit ids (the sequences are reset after).
For a load at least as big as what the tables hold, the secondary indexes (and on PostgreSQL the
foreign keys) of the activity tables are dropped first and put back after, in the same
transaction (see drop_for_bulk_load). A district that already has generated activities is
skipped, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from kepu.core import pii
from kepu.core.gendata import register_gendata_extension
from kepu.core.gendata.plan import FULL_DISTRICT
from kepu.core.gendata.write import average_from_env
from kepu.orgs.models import Unit, UnitType
from kepu.regions.models import Level, Population

from .demo import (
    DISTRICT_VENUES,
    KIND_AUDIENCE,
    KIND_SUFFIX,
    SCIENCE_DAY,
    SCIENCE_WEEK,
    TOPICS,
    TOWN_VENUES,
    VILLAGE_VENUES,
    ensure_theme_dates,
    person_name,
)
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CheckIn,
    ParticipationReport,
    Registration,
    ReportCount,
    TargetGroup,
    ThemeDay,
)

YEARS = (2024, 2025)
SEED = "kepu-gendata-activities-2026"
MARK = "（gendata 合成数据）"
CITY_ACTIVITIES = 500_000
ACTIVITIES = {"small": (800, 30), "district": (20_000, 30)}  # (永川区, each other district)
REGISTRATIONS_PER_ACTIVITY = 20
REGISTERING = (1 - 0.01) * 0.5  # the share of activities that take registrations: not drafts, one in two
CHECKIN_RATE = 0.78  # of confirmed registrations at held activities: ~70 % of all registrations
CHECKIN_BELOW = round(CHECKIN_RATE * 256)  # compared with 8 random bits in the hot loop
POOL_SIZE = {"small": 2_003, "district": 10_007, "city": 50_021}  # primes: any stride walks the pool
CHUNK = 2_000  # activities per flush
NAMES = 4_096

S = ActivityStatus
K = ActivityKind
# (status, cumulative probability) for the generated activities, all dated in the past.
# Plain strings (not the enum members) go into the rows: COPY adapts by type.
STATUSES = [(S.CANCELLED.value, 0.03), (S.DRAFT.value, 0.04), (S.PUBLISHED.value, 0.06),
            (S.FINISHED.value, 0.18), (S.REPORTED.value, 1.0)]
HELD = {S.PUBLISHED.value, S.FINISHED.value, S.REPORTED.value}
METHODS = [CheckIn.Method.SCAN.value] * 6 + [CheckIn.Method.TOKEN.value, CheckIn.Method.SEARCH.value]
WALK_IN = CheckIn.Method.WALK_IN.value
SUBMITTED, DRAFT = ParticipationReport.Status.SUBMITTED.value, ParticipationReport.Status.DRAFT.value
UNIX_DAY_ZERO = datetime.date(1970, 1, 1).toordinal()


def registrations_per_activity() -> float:
    return average_from_env("KEPU_GENDATA_REGISTRATIONS", REGISTRATIONS_PER_ACTIVITY, 200, "average registrations per activity")


# --- writing rows fast -------------------------------------------------------------------------------


class Table:
    """Rows for one table, written in batches: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, model, fields: list[str], *, through: bool = False):
        self.model = model
        meta = model._meta
        columns = [meta.get_field(f).column for f in fields]
        self.table = meta.db_table
        self.rows: list[tuple] = []
        self.written = 0
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        if connection.vendor == "postgresql":
            self.sql = f"COPY {qn(self.table)} ({cols}) FROM STDIN"
        else:
            self.sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({', '.join('?' * len(columns))})"

    def flush(self) -> None:
        if not self.rows:
            return
        raw = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                write = copy.write_row
                for row in self.rows:
                    write(row)
        else:
            cursor = raw.cursor()
            try:
                cursor.executemany(self.sql, self.rows)
            finally:
                cursor.close()
        self.written += len(self.rows)
        self.rows = []


LOADED = [Activity, Activity.theme_days.through, Activity.target_groups.through, Activity.co_organizers.through,
          Registration, CheckIn, ParticipationReport, ReportCount]


def drop_for_bulk_load(models) -> list[str]:
    """Drop the tables' secondary indexes (and on PostgreSQL their foreign keys); return the SQL
    that puts them back.

    Building an index once over the loaded rows (a sort) is much faster than keeping it up to
    date row by row; a foreign key added after the load is checked by one join, where PostgreSQL
    would otherwise queue a deferred trigger per row and run millions of lookups at commit.
    Primary keys and unique constraints stay. Both databases roll this DDL back with the
    transaction if the load fails.
    """
    tables = [m._meta.db_table for m in models]
    marks = ", ".join(["%s"] * len(tables))
    qn = connection.ops.quote_name
    restore = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid "
                f"WHERE t.relname IN ({marks}) AND pg_table_is_visible(t.oid) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                tables)
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                f"WHERE c.contype = 'f' AND t.relname IN ({marks}) AND pg_table_is_visible(t.oid)",
                tables)
            foreign_keys = cursor.fetchall()
            # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses while
            # rows inserted earlier in this transaction (regions, units) await their deferred checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {name}")  # regclass text: already quoted where needed
            restore = [sql for _name, sql in indexes]
            restore += [f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}"
                        for table, name, definition in foreign_keys]
        else:
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({marks})", tables)
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
            restore = [sql for _name, sql in indexes]
    return restore


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


# --- what one district gets ------------------------------------------------------------------------


def _district_targets(scale: str, districts) -> dict[int, int]:
    if scale in ACTIVITIES:
        full, other = ACTIVITIES[scale]
        return {d.pk: full if d.code == FULL_DISTRICT else other for d in districts}
    residents = dict(Population.objects.filter(region__in=districts, year__lte=YEARS[0])
                     .order_by("region_id", "year").values_list("region_id", "residents"))
    weights = {d.pk: max(residents.get(d.pk, 0), 100_000) for d in districts}
    total = sum(weights.values())
    targets = {pk: CITY_ACTIVITIES * w // total for pk, w in weights.items()}
    # Largest remainders get the few left over, so the total is exact.
    left = CITY_ACTIVITIES - sum(targets.values())
    for pk in sorted(weights, key=lambda pk: -(CITY_ACTIVITIES * weights[pk] % total))[:left]:
        targets[pk] += 1
    return targets


class Vocabulary:
    """Everything the hot loop looks up, computed once."""

    def __init__(self, rng: random.Random, scale: str):
        self.groups = dict(TargetGroup.objects.values_list("key", "pk"))
        self.general = self.groups.get("public")
        self.themes = dict(ThemeDay.objects.values_list("name", "pk"))
        theme_dates = ensure_theme_dates(YEARS)
        self.windows = {}
        for (name, year), (start, end) in theme_dates.items():
            self.windows[(name, year)] = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
        self.fixed: dict[str, list[tuple[int, int]]] = {}
        for day in ThemeDay.objects.exclude(month_day=""):
            if "-" in day.month_day:
                month, dom = (int(x) for x in day.month_day.split("-"))
                self.fixed[day.name] = [(month, dom)]
            else:
                self.fixed[day.name] = [(int(day.month_day), d) for d in range(1, 29)]
        self.topics = [(t, [self.groups[g] for g in t.groups if g in self.groups]) for t in TOPICS]
        self.themed = [(t, g) for t, g in self.topics if t.theme in self.fixed and t.theme in self.themes]
        self.names = [person_name(rng) for _i in range(NAMES)]
        size = POOL_SIZE[scale]
        phones: set[str] = set()
        while len(phones) < size:
            phones.add(f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")
        self.pool = [(pii.encrypt(p), pii.lookup_hash(p), pii.mask_phone(p)) for p in sorted(phones)]


class DistrictWriter:
    """Generates one district's activities and everything hanging off them into the tables."""

    def __init__(self, vocab: Vocabulary, tables: dict[str, Table], ids: dict[str, int], per_activity: float):
        self.v = vocab
        self.t = tables
        self.ids = ids
        self.per_activity = per_activity
        self.pg = connection.vendor == "postgresql"
        self.tz_offset = 8 * 3600  # Asia/Shanghai has had no daylight saving since 1991

        # UTC timestamps as the database takes them, from two lookup tables (strftime is the hot spot).
        self.days: dict[int, str] = {}
        suffix = "+00" if self.pg else ""
        self.clock = [f" {h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60) for s in range(60)]

    def ts(self, seconds: int) -> str:
        day, rest = divmod(seconds, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        return text + self.clock[rest]

    def run(self, district, towns, villages_of, units, count: int, rng: random.Random) -> dict[str, int]:
        v, t = self.v, self.t
        made = defaultdict(int)
        association = next((u for u in units if u[2] == UnitType.ASSOCIATION and u[1] == district.pk), None)
        if association is None:
            association = units[0] if units else None
        if association is None:
            return made
        district_units = [u for u in units if u[1] == district.pk] or [association]
        # Units that may organize in a town or village: its own, and for a village its town's too
        # (an activity lies in its organizer's region subtree, as activity_policy.can_organize asks).
        own: dict[int, list] = defaultdict(list)
        for u in units:
            own[u[1]].append(u)
        local_units = {town.pk: own[town.pk] for town in towns}
        for town in towns:
            for village in villages_of.get(town.pk, []):
                local_units[village.pk] = own[village.pk] + own[town.pk]
        villages = [vil for town in towns for vil in villages_of.get(town.pk, [])]
        mean = self.per_activity / REGISTERING  # only about half of the activities take registrations
        for _n in range(count):
            # Where, and who organizes it.
            roll = rng.random()
            if towns and roll < 0.45:
                region = rng.choice(towns)
            elif villages and roll < 0.75:
                region = rng.choice(villages)
            else:
                region = district
            local = local_units.get(region.pk)
            if local and rng.random() < 0.5:
                unit = rng.choice(local)
            elif rng.random() < 0.4:
                unit = association
            else:
                unit = rng.choice(district_units)
            # What and when.
            year = YEARS[rng.random() < 0.5]
            roll = rng.random()
            themes = []
            if roll < 0.15 and (SCIENCE_DAY, year) in v.windows:
                topic, groups = rng.choice(v.topics)
                themes, day = [SCIENCE_DAY], rng.choice(v.windows[(SCIENCE_DAY, year)])
            elif roll < 0.25 and (SCIENCE_WEEK, year) in v.windows:
                topic, groups = rng.choice(v.topics)
                themes, day = [SCIENCE_WEEK], rng.choice(v.windows[(SCIENCE_WEEK, year)])
            elif roll < 0.45 and v.themed:
                topic, groups = rng.choice(v.themed)
                month, dom = rng.choice(v.fixed[topic.theme])
                themes, day = [topic.theme], datetime.date(year, month, dom)
            else:
                topic, groups = rng.choice(v.topics)
                day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            kind = rng.choice(topic.kinds).value
            groups = groups[:] if groups else [v.general]
            if v.general not in groups and rng.random() < 0.2:
                groups.append(v.general)
            start = ((day.toordinal() - UNIX_DAY_ZERO) * 86400 - self.tz_offset
                     + rng.choice((9, 10, 14, 15, 19)) * 3600)
            length = rng.choice((5400, 7200, 9000, 10800))
            if kind in (K.EXHIBITION, K.MOBILE_MUSEUM):
                length += 86400 * rng.randint(0, 2)
            end = start + length
            roll = rng.random()
            status = next(s for s, p in STATUSES if roll < p)
            volunteer = kind == K.VOLUNTEER_SERVICE or (kind in (K.SCIENCE_CARAVAN, K.HEALTH_CONSULTATION)
                                                         and rng.random() < 0.3)
            takes_registrations = status != S.DRAFT and rng.random() < 0.5
            capacity = rng.choice((30, 50, 80, 100, 150, 200)) if takes_registrations else None
            aid = self.ids["activity"]
            self.ids["activity"] += 1
            title = f"{f'{year}年{themes[0]}·' if themes else ''}{topic.name}{KIND_SUFFIX[kind]}"
            # Registrations and check-ins.
            per_group = defaultdict(lambda: [0, 0, 0])  # group id -> [registered, walk-ins, online]
            confirmed = 0
            if takes_registrations and mean:
                confirmed = self.registrations(rng, aid, start, status, capacity, groups,
                                               max(1, round(mean * rng.uniform(0.25, 1.75))), per_group, made)
            if status in (S.FINISHED, S.REPORTED) and rng.random() < 0.4:
                group = rng.choice(groups)
                people = rng.randint(5, 200)
                per_group[group][1] += people
                t["checkin"].rows.append((self.ids["checkin"], aid, None, WALK_IN, people, group,
                                          self.ts(start + 1800), None))
                self.ids["checkin"] += 1
                made["checkins"] += 1
            if kind == K.ONLINE:
                venue = ""
            elif region.level == Level.VILLAGE:
                venue = region.name + rng.choice(VILLAGE_VENUES)
            elif region.level == Level.TOWN:
                venue = region.name + rng.choice(TOWN_VENUES)
            else:
                venue = region.name + rng.choice(DISTRICT_VENUES["general"])
            t["activity"].rows.append((
                aid, title, f"围绕“{topic.name}”开展的{K(kind).label}活动。{MARK}", kind, unit[0], region.pk,
                region.path, venue,
                f"https://live.example.cn/g/{aid}" if kind == K.ONLINE else "", self.ts(start), self.ts(end),
                capacity, takes_registrations, volunteer, status, confirmed,
                "场地临时调整，活动取消" if status == S.CANCELLED else "", None, True,
                self.ts(start - 20 * 86400), self.ts(end + 2 * 86400),
            ))
            made["activities"] += 1
            for theme in themes:
                t["themes"].rows.append((aid, v.themes[theme]))
            for group in groups:
                t["groups"].rows.append((aid, group))
            if unit is not association and rng.random() < 0.3:
                t["co"].rows.append((aid, association[0]))
            # The participation report of a reported (and of some finished) activity.
            if status == S.REPORTED or (status == S.FINISHED and rng.random() < 0.3):
                low, high = KIND_AUDIENCE[kind]
                extra = rng.randint(low, high) // 2 if high else 0
                online = rng.randint(300, 20_000) if kind == K.ONLINE else (
                    rng.randint(100, 3000) if rng.random() < 0.1 else 0)
                first = per_group[groups[0]]
                first[1] += extra
                first[2] += online
                if not any(sum(c) for c in per_group.values()):
                    first[1] += 1
                rid = self.ids["report"]
                self.ids["report"] += 1
                person_times = sum(sum(c) for c in per_group.values())
                submitted = status == S.REPORTED
                t["report"].rows.append((
                    rid, aid, f"共 {person_times} 人次参与。{MARK}",
                    SUBMITTED if submitted else DRAFT,
                    person_times, self.ts(end + 2 * 86400) if submitted else None, None, "", None, None,
                    self.ts(end + 2 * 86400),
                ))
                for group, (registered, walk_ins, online_views) in per_group.items():
                    if registered or walk_ins or online_views:
                        t["count"].rows.append((self.ids["count"], rid, group, registered, walk_ins, online_views))
                        self.ids["count"] += 1
                made["reports"] += 1
            if len(t["activity"].rows) >= CHUNK:
                flush(t)
        return made

    def registrations(self, rng, aid, start, status, capacity, groups, n, per_group, made) -> int:
        """n registrations of one activity (distinct pool phones); returns the confirmed count."""
        v, rows, checkins = self.v, self.t["registration"].rows, self.t["checkin"].rows
        pool, names, size = v.pool, v.names, len(v.pool)
        n = min(n, size)
        first, stride = rng.randrange(size), rng.randrange(1, size)
        opened = start - 14 * 86400
        step = (14 * 86400 - 3600) // n
        held = status in HELD
        rid = self.ids["registration"]
        cid = self.ids["checkin"]
        ts = self.ts
        two = len(groups) > 1
        g0 = groups[0]
        g1 = groups[-1]
        confirmed = 0
        checked = 0
        getrandbits = rng.getrandbits
        for j in range(n):
            bits = getrandbits(32)
            encrypted, phone_hash, masked = pool[(first + j * stride) % size]
            group = g1 if two and bits & 0x1000 else g0
            created = ts(opened + j * step)
            if (bits >> 13) & 0x3F < 2:  # ~3 % cancelled their registration
                rows.append((rid, aid, names[bits & 0xFFF], encrypted, phone_hash, masked, group, None,
                             "cancelled", f"g{aid:x}-{j:x}-{bits:08x}", created, created))
            elif confirmed < capacity:
                confirmed += 1
                rows.append((rid, aid, names[bits & 0xFFF], encrypted, phone_hash, masked, group, None,
                             "confirmed", f"g{aid:x}-{j:x}-{bits:08x}", created, None))
                if held and (bits >> 19) & 0xFF < CHECKIN_BELOW:
                    checkins.append((cid, aid, rid, METHODS[bits >> 29], 1, group,
                                     ts(start - 1800 + ((bits >> 20) & 0x1FFF)), None))
                    cid += 1
                    checked += 1
                    per_group[group][0] += 1
            else:
                rows.append((rid, aid, names[bits & 0xFFF], encrypted, phone_hash, masked, group, None,
                             "waitlisted", f"g{aid:x}-{j:x}-{bits:08x}", created, None))
            rid += 1
        made["registrations"] += n
        made["checkins"] += checked
        self.ids["registration"] = rid
        self.ids["checkin"] = cid
        return confirmed


def flush(tables: dict[str, Table]) -> None:
    for table in tables.values():  # parents first: the dict is in that order
        table.flush()


def _tables() -> dict[str, Table]:
    return {
        "activity": Table(Activity, [
            "id", "title", "description", "kind", "organizer", "region", "region_path", "venue", "online_url",
            "start", "end", "capacity", "registration_required", "is_volunteer_service", "status",
            "confirmed_count", "cancel_reason", "created_by", "is_demo", "created_at", "updated_at"]),
        "themes": Table(Activity.theme_days.through, ["activity", "themeday"]),
        "groups": Table(Activity.target_groups.through, ["activity", "targetgroup"]),
        "co": Table(Activity.co_organizers.through, ["activity", "unit"]),
        "registration": Table(Registration, [
            "id", "activity", "name", "phone_encrypted", "phone_hash", "phone_masked", "group", "user", "status",
            "token", "created_at", "status_changed_at"]),
        "checkin": Table(CheckIn, ["id", "activity", "registration", "method", "people", "group", "at", "by"]),
        "report": Table(ParticipationReport, [
            "id", "activity", "narrative", "status", "person_times", "submitted_at", "submitted_by",
            "return_comment", "returned_by", "returned_at", "updated_at"]),
        "count": Table(ReportCount, ["id", "report", "group", "registered", "walk_ins", "online"]),
    }


def _existing(district) -> dict[str, int] | None:
    """What an earlier run generated in the district, or None when it has nothing yet."""
    qs = Activity.objects.filter(region_path__startswith=district.path, is_demo=True, description__endswith=MARK)
    n = qs.count()
    if not n:
        return None
    return {
        "activities": n,
        "registrations": Registration.objects.filter(activity__in=qs).count(),
        "checkins": CheckIn.objects.filter(activity__in=qs).count(),
        "reports": ParticipationReport.objects.filter(activity__in=qs).count(),
    }


def district_places(district, by_parent: dict) -> tuple[list, dict, list]:
    """A district's towns (by code), each town's villages, and its units as (pk, region_id, type, name)."""
    towns = sorted(by_parent.get(district.pk, []), key=lambda r: r.code)
    villages_of = {town.pk: sorted(by_parent.get(town.pk, []), key=lambda r: r.code) for town in towns}
    units = list(Unit.objects.filter(region__path__startswith=district.path).order_by("pk")
                 .values_list("pk", "region_id", "type", "name"))
    return towns, villages_of, units


@register_gendata_extension
def generate_activities(*, scale: str, regions: dict, stdout=None) -> dict[str, int]:
    """Activities, registrations, check-ins and participation reports for the plan's regions."""
    started = time.perf_counter()
    if not TargetGroup.objects.exists() or not ThemeDay.objects.exists():
        from .reference import load_theme_days_and_groups

        load_theme_days_and_groups()
    per_activity = registrations_per_activity()
    by_parent: dict[int, list] = defaultdict(list)
    for region in regions.values():
        by_parent[region.parent_id].append(region)
    districts = sorted((r for r in regions.values() if r.level == Level.DISTRICT), key=lambda r: r.code)
    targets = _district_targets(scale, districts)
    vocab = Vocabulary(random.Random(f"{SEED}/{scale}/vocabulary"), scale)
    tables = _tables()
    ids = {"activity": _next_id(Activity), "registration": _next_id(Registration), "checkin": _next_id(CheckIn),
           "report": _next_id(ParticipationReport), "count": _next_id(ReportCount)}
    writer = DistrictWriter(vocab, tables, ids, per_activity)
    totals = dict.fromkeys(("activities", "registrations", "checkins", "reports"), 0)
    cache_size = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # random-order index inserts: keep the b-trees in memory
            cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1048576")
    rebuild: list[str] = []
    planned = sum(targets.values())
    if planned >= 1000 and planned >= Activity.objects.count():
        rebuild = drop_for_bulk_load(LOADED)
    try:
        for district in districts:
            existing = _existing(district)
            if existing is not None:
                for key, value in existing.items():
                    totals[key] += value
                continue
            towns, villages_of, units = district_places(district, by_parent)
            rng = random.Random(f"{SEED}/{scale}/{district.code}")
            made = writer.run(district, towns, villages_of, units, targets[district.pk], rng)
            for key, value in made.items():
                totals[key] += value
            if stdout is not None and targets[district.pk] >= 5000:
                stdout.write(f"  activities of {district.name}: {made['activities']:,}, registrations "
                             f"{made['registrations']:,} ({time.perf_counter() - started:.0f} s)\n")
        flush(tables)
        with connection.cursor() as cursor:
            built = time.perf_counter()
            for sql in rebuild:
                began = time.perf_counter()
                cursor.execute(sql)
                if stdout is not None and time.perf_counter() - began > 5:
                    stdout.write(f"    {time.perf_counter() - began:.0f} s: {sql[:110]}\n")
            if stdout is not None and rebuild:
                stdout.write(f"  {len(rebuild)} indexes and foreign keys restored "
                             f"({time.perf_counter() - built:.1f} s)\n")
            for sql in connection.ops.sequence_reset_sql(no_style(), [Activity, Registration, CheckIn,
                                                                      ParticipationReport, ReportCount]):
                cursor.execute(sql)
    finally:
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    if stdout is not None:
        stdout.write(f"  activities: {totals['activities']:,}, registrations {totals['registrations']:,}, "
                     f"check-ins {totals['checkins']:,}, reports {totals['reports']:,} "
                     f"({time.perf_counter() - started:.1f} s)\n")
    return totals
