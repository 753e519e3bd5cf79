"""Synthetic channels for `kepu gendata`: media outlets, science columns and their issues, new-media
accounts with yearly figures, and 科普中国 information-officer figures.

| scale | science columns | column issues (2023, 2024) | accounts | 科普中国 figures |
| --- | --- | --- | --- | --- |
| small, district | 永川区: 2–3 outlets with 1–2 columns each; every other district: one TV column (44–46) | ~3,500 | ~42 | every district and 永川区's towns, both years: 128 |
| city | 2–3 outlets with 1–2 columns in every district-level region: 162 | 12,189 | 212 | every district and town: 2,076 |

Columns are mostly weekly, some fortnightly or monthly; each district publishes in 60–100 % of the
weeks it should, so media_weekly_columns spreads from unmet to met. Every district has its 科协's
WeChat account (and often a Douyin one), some towns theirs. 科普中国 figures: each town's registered
officers are 0.2–2 % of its residents, 50–90 % of them active; the district's figure is the sum of
its towns' (as the platform's export lists them), or its own draw where the plan has no towns.

Written through kepu/orgs/base_gendata.py's helpers (explicit ids, COPY or executemany, region_path,
ISO year and week set as save() sets them). A district that already has generated figures is
skipped. Deterministic: seeded per district.
"""

from __future__ import annotations

import datetime
import random
import time

from kepu.core.gendata import register_gendata_extension
from kepu.orgs.base_gendata import Layout, Rows, built_out, finish, say, stamp
from kepu.orgs.models import Unit
from kepu.regions.models import Kind, Population

from .demo import TOPICS
from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    FigureSource,
    Frequency,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
    OutletKind,
    Platform,
)

SEED = "kepu-gendata-channels-2026"
MARK = "（gendata 合成数据）"
YEARS = (2023, 2024)
COLUMN_NAMES = ["科普园地", "科技之窗", "健康讲堂", "科普直通车", "走近科学", "科学生活", "乡村科技", "科普大篷车"]


def short_name(district) -> str:
    """万州区 → 万州, 两江新区 → 两江, 石柱土家族自治县 → 石柱."""
    name = district.name
    if district.kind == Kind.AUTONOMOUS_COUNTY:
        return name[:2]
    if name.endswith("新区"):
        return name[:-2]
    return name[:-1] if name[-1] in "区县" and len(name) > 2 else name


class DistrictChannels:
    def __init__(self, rows: dict[str, Rows], rng: random.Random, district, layout: Layout, full: bool,
                 residents: dict):
        self.rows = rows
        self.rng = rng
        self.district = district
        self.layout = layout
        self.full = full
        self.residents = residents
        self.now = stamp()
        self.made = dict.fromkeys(("media_columns", "column_issues", "media_accounts", "info_officer_figures"), 0)
        # What the district already has (entered, or the demo's): kept, not generated again.
        inside = {"region_path__startswith": district.path}
        self.outlets = set(MediaOutlet.objects.filter(**inside).values_list("region_id", "name"))
        self.accounts = set(NewMediaAccount.objects.filter(**inside).values_list("region_id", "platform", "name"))
        self.figures = set(InfoOfficerFigure.objects.filter(**inside).values_list("region_id", "year"))

    def record(self, region) -> tuple:
        return (region.pk, region.path, True, self.now, self.now)

    def media(self) -> None:
        rng, d = self.rng, self.district
        short = short_name(d)
        media_unit = Unit.objects.filter(region=d, name__in=["区融媒体中心", "县融媒体中心"]).values_list(
            "pk", flat=True).first()
        outlets = [(f"{short}电视台", OutletKind.TV)]
        if self.full:
            outlets.insert(0, (f"{short}日报", OutletKind.NEWSPAPER))
            if rng.random() < 0.6:
                outlets.append((f"{short}人民广播电台", OutletKind.RADIO))
        diligence = rng.uniform(0.6, 1.0)  # share of the due weeks in which an issue appears
        names = rng.sample(COLUMN_NAMES, len(COLUMN_NAMES))
        for outlet_name, kind in outlets:
            if (d.pk, outlet_name) in self.outlets:
                continue
            outlet = self.rows["outlet"].add(*self.record(d), outlet_name, kind, media_unit)
            for _n in range(rng.randint(1, 2) if self.full else 1):
                name = names.pop()
                frequency = rng.choices([Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY], [80, 12, 8])[0]
                started = datetime.date(rng.randint(2012, 2022), rng.randint(1, 12), 1)
                column = self.rows["column"].add(outlet, name, frequency, started.isoformat(), None,
                                                 f"{outlet_name}科普栏目。{MARK}", self.now)
                self.made["media_columns"] += 1
                self.issues(column, name, frequency, diligence, outlet_name)
        accounts = [(d, Platform.WECHAT, f"{short}科协")]
        if self.full and rng.random() < 0.6:
            accounts.append((d, Platform.DOUYIN, f"{short}科普"))
        if self.full:
            accounts += [(t, Platform.WECHAT, f"{t.name}科协") for t in self.layout.towns_of[d.pk] if rng.random() < 0.15]
        for region, platform, name in accounts:
            if (region.pk, platform, name) in self.accounts:
                continue
            account = self.rows["account"].add(*self.record(region), platform, name, f"gh_{rng.getrandbits(40):010x}",
                                               None)
            followers = rng.randrange(2_000, 120_000, 10)
            for year in YEARS:
                followers = round(followers * rng.uniform(1.02, 1.3))
                posts = rng.randint(80, 600)
                self.rows["account_year"].add(account, year, followers, posts, posts * rng.randint(500, 6000), self.now)
            self.made["media_accounts"] += 1

    def issues(self, column: int, name: str, frequency: str, diligence: float, outlet: str) -> None:
        rng = self.rng
        weekday = rng.randint(1, 7)
        path = self.district.path
        for year in YEARS:
            weeks = datetime.date(year, 12, 28).isocalendar()[1]
            for week in range(1, weeks + 1):
                if frequency == Frequency.BIWEEKLY and week % 2:
                    continue
                if frequency == Frequency.MONTHLY and week % 4 != 1:
                    continue
                if rng.random() >= diligence:
                    continue
                day = datetime.date.fromisocalendar(year, week, weekday)
                self.rows["issue"].add(column, day.isoformat(), f"{name}：{rng.choice(TOPICS)}",
                                       f"https://media.example.cn/{column}/{day:%Y%m%d}.html", path, year, week,
                                       self.now, self.now)
                self.made["column_issues"] += 1

    def officers(self) -> None:
        """Each town's figures and the district's (their sum, or its own where it has no towns)."""
        rng, d = self.rng, self.district
        towns = self.layout.towns_of[d.pk]
        base = rng.uniform(0.002, 0.02)
        activity = rng.uniform(0.5, 0.9)
        for year in YEARS:
            growth = 0.8 if year == 2023 else 1.0
            total = [0, 0, 0]
            for town in towns:
                people = self.residents.get((town.pk, year), 30_000)
                registered = round(people * base * growth * rng.uniform(0.6, 1.4))
                active = round(registered * activity * rng.uniform(0.85, 1.0))
                shares = round(registered * rng.uniform(10, 60))
                self.figure(town, year, registered, active, shares)
                total = [total[0] + registered, total[1] + active, total[2] + shares]
            if not towns:
                registered = round(self.residents.get((d.pk, year), 500_000) * base * growth)
                total = [registered, round(registered * activity), round(registered * rng.uniform(10, 60))]
            self.figure(d, year, *total)

    def figure(self, region, year: int, registered: int, active: int, shares: int) -> None:
        if (region.pk, year) in self.figures:
            return
        self.rows["figure"].add(*self.record(region), year, registered, active, shares, FigureSource.IMPORTED, MARK)
        self.made["info_officer_figures"] += 1


def _existing(district) -> dict[str, int] | None:
    figures = InfoOfficerFigure.objects.filter(region_path__startswith=district.path, note=MARK)
    columns = Column.objects.filter(outlet__region_path__startswith=district.path, description__endswith=MARK)
    if not figures.exists() and not columns.exists():
        return None
    return {"info_officer_figures": figures.count(), "media_columns": columns.count(),
            "column_issues": ColumnIssue.objects.filter(column__in=columns).count(),
            "media_accounts": NewMediaAccount.objects.filter(region_path__startswith=district.path,
                                                             account_id__startswith="gh_", is_demo=True).count()}


@register_gendata_extension
def generate_channels(*, scale: str, regions: dict, stdout=None) -> dict[str, int]:
    """Outlets, columns, issues, accounts and 科普中国 figures for the plan's regions."""
    started = time.perf_counter()
    layout = Layout.of(regions)
    totals = dict.fromkeys(("media_columns", "column_issues", "media_accounts", "info_officer_figures"), 0)
    record = ["region", "region_path", "is_demo", "created_at", "updated_at"]
    rows = {
        "outlet": Rows(MediaOutlet, [*record, "name", "kind", "unit"]),
        "column": Rows(Column, ["outlet", "name", "frequency", "started_on", "ended_on", "description", "updated_at"]),
        "issue": Rows(ColumnIssue, ["column", "date", "title", "url", "region_path", "iso_year", "iso_week",
                                    "created_at", "updated_at"]),
        "account": Rows(NewMediaAccount, [*record, "platform", "name", "account_id", "unit"]),
        "account_year": Rows(AccountYear, ["account", "year", "followers", "posts", "reads", "updated_at"]),
        "figure": Rows(InfoOfficerFigure, [*record, "year", "registered", "active", "shares", "source", "note"]),
    }
    places = [r.pk for d in layout.districts for r in [d, *layout.towns_of[d.pk]]]
    residents = {}
    for start in range(0, len(places), 900):
        residents.update({(r, y): n for r, y, n in Population.objects.filter(
            region_id__in=places[start:start + 900], year__in=YEARS).values_list("region_id", "year", "residents")})
    for district in layout.districts:
        existing = _existing(district)
        if existing is not None:
            for key, value in existing.items():
                totals[key] += value
            continue
        rng = random.Random(f"{SEED}/{scale}/{district.code}")
        writer = DistrictChannels(rows, rng, district, layout, built_out(scale, district), residents)
        writer.media()
        writer.officers()
        for key, value in writer.made.items():
            totals[key] += value
    finish(*rows.values())
    say(stdout, f"  media columns {totals['media_columns']:,}, column issues {totals['column_issues']:,}, accounts "
                f"{totals['media_accounts']:,}, 科普中国 figures {totals['info_officer_figures']:,} "
                f"({time.perf_counter() - started:.1f} s)")
    return totals
