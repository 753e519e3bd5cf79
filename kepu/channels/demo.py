"""Demo channels (演示数据): media columns and their issues, a new-media account, and the 科普中国
information-officer figures of every district-level region.

`kepu loaddemo` calls `load_demo_channels(rng)` once the regions, units and personas exist:

* 永川日报 and 永川电视台 (run by 区融媒体中心) each with a weekly science column: an issue in every ISO
  week of 2023 (C1.2 met), in 45 of the 52 weeks of 2024 (C1.2 not met: seven weeks without any);
* the WeChat official account 永川科协 with its figures for 2023 and 2024;
* 科普中国 figures for 2023 and 2024 of all 41 district-level regions of 重庆市 (so that the rank among
  siblings works), 永川区's also split over its towns: 永川区 reaches 1 % of its population in 2024 (not
  in 2023) with an active share above 1 %, and ranks in the top 30 % both years. 万州区's shares of
  2024 are the published figure (published-figures-districts.yaml 500101 info_shares: about 900,000).

Ratios are drawn against the demo's (synthetic) populations. Rows are bulk-inserted with
region_path (and the issues' ISO year and week) set as save() sets them. Deterministic: the rng.
"""

from __future__ import annotations

import datetime
import random

from kepu.core.demo import register_demo_loader
from kepu.orgs.models import Unit
from kepu.regions.models import Population, Region

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

NOTE = "（演示数据）"
BATCH = 500
YEARS = (2023, 2024)
YONGCHUAN, WANZHOU = "500118", "500101"
WEEKS_WITHOUT_ISSUE_2024 = 7  # C1.2: 45 of 52 weeks
# 科普中国 information officers ÷ residents of 永川区: registered and active (C3.2: 1 % each).
YC_RATIO = {2023: (0.0092, 0.0066), 2024: (0.0135, 0.0108)}
LEADERS = 5  # districts ahead of 永川区 (rank 6 of 41: top 15 %)
WANZHOU_SHARES_2024 = 900_000  # 500101 info_shares: about 900,000

TOPICS = ["春季传染病预防", "防范电信网络诈骗", "科学使用农药", "柑橘春季修剪", "茶园病虫害绿色防控", "汛期地质灾害防范",
          "夏季防溺水", "食品安全小常识", "老年人智能手机使用", "心肺复苏与急救", "垃圾分类", "节约用水",
          "全国科普日特别报道", "人工智能走进生活", "航天知识", "气象灾害预警信号", "科学健身", "合理膳食",
          "青少年近视防控", "秋冬季流感防治", "安全用电", "燃气安全", "生物多样性", "低碳生活", "科技活动周回顾",
          "科学家精神", "无人机植保", "稻渔综合种养", "慢性病管理", "心理健康"]


def _issue_day(rng: random.Random, year: int, week: int, weekday: int) -> datetime.date:
    return datetime.date.fromisocalendar(year, week, min(7, max(1, weekday + rng.choice([0, 0, 0, 1]))))


def _media(rng: random.Random) -> None:
    district = Region.objects.get(code=YONGCHUAN)
    units = {u.name: u for u in Unit.objects.filter(region=district)}
    media_unit = units.get("区融媒体中心")
    newspaper = MediaOutlet(region=district, region_path=district.path, name="永川日报", kind=OutletKind.NEWSPAPER,
                            unit=media_unit, is_demo=True)
    station = MediaOutlet(region=district, region_path=district.path, name="永川电视台", kind=OutletKind.TV,
                          unit=media_unit, is_demo=True)
    MediaOutlet.objects.bulk_create([newspaper, station])
    columns = [
        (Column(outlet=newspaper, name="科普园地", frequency=Frequency.WEEKLY, started_on=datetime.date(2019, 3, 1),
                description=f"每周四第 7 版。{NOTE}"), 4, "https://www.example.cn/ycrb/{d:%Y%m%d}/kepu.html"),
        (Column(outlet=station, name="科技之窗", frequency=Frequency.WEEKLY, started_on=datetime.date(2018, 1, 5),
                description=f"每周六 19:40 首播。{NOTE}"), 6, "https://tv.example.cn/yc/kjzc/{d:%Y%m%d}.html"),
    ]
    Column.objects.bulk_create([c for c, _day, _url in columns])
    skipped = set(rng.sample(range(1, 53), WEEKS_WITHOUT_ISSUE_2024))
    issues = []
    for year in YEARS:
        weeks = datetime.date(year, 12, 28).isocalendar()[1]
        for week in range(1, weeks + 1):
            if year == 2024 and week in skipped:
                continue
            for column, weekday, url in columns:
                day = _issue_day(rng, year, week, weekday)
                issue = ColumnIssue(column=column, date=day, title=f"{column.name}：{rng.choice(TOPICS)}",
                                    url=url.format(d=day))
                issue.sync_region_path()
                issues.append(issue)
    ColumnIssue.objects.bulk_create(issues, batch_size=BATCH)
    account = NewMediaAccount(region=district, region_path=district.path, platform=Platform.WECHAT, name="永川科协",
                              account_id="gh_yckx2016demo", unit=units.get("区科协"), is_demo=True)
    account.save()
    AccountYear.objects.bulk_create([
        AccountYear(account=account, year=2023, followers=38_640, posts=412, reads=1_253_000),
        AccountYear(account=account, year=2024, followers=45_210, posts=455, reads=1_581_000),
    ])


def _residents() -> dict[tuple[int, int], int]:
    return {(r, y): n for r, y, n in Population.objects.filter(year__in=YEARS).values_list("region_id", "year",
                                                                                        "residents")}


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` in parts proportional to the weights, adding up exactly."""
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _info_officers(rng: random.Random) -> None:
    districts = list(Region.objects.filter(parent__code="500000").order_by("code"))
    residents = _residents()
    others = [d for d in districts if d.code != YONGCHUAN]
    leaders = {d.pk for d in rng.sample(others, LEADERS)}
    rows = []
    for district in districts:
        base = rng.uniform(0.014, 0.02) if district.pk in leaders else rng.uniform(0.002, 0.011)
        activity = rng.uniform(0.55, 0.85)
        for year in YEARS:
            people = residents.get((district.pk, year))
            if not people:
                continue
            if district.code == YONGCHUAN:
                registered, active = (round(people * share) for share in YC_RATIO[year])
            else:
                registered = round(people * base * (0.8 if year == 2023 else 1.0))
                active = round(registered * activity)
            shares = round(registered * rng.uniform(20, 60))
            if district.code == WANZHOU and year == 2024:
                shares = WANZHOU_SHARES_2024
            rows.append(InfoOfficerFigure(region=district, region_path=district.path, year=year, registered=registered,
                                          active=active, shares=shares, source=FigureSource.IMPORTED, is_demo=True,
                                          note="演示数据，非平台统计"))
            if district.code == YONGCHUAN:
                rows += _town_figures(rng, district, year, registered, active, shares)
    InfoOfficerFigure.objects.bulk_create(rows, batch_size=BATCH)


def _town_figures(rng: random.Random, district: Region, year: int, registered: int, active: int,
                  shares: int) -> list[InfoOfficerFigure]:
    """The district's figures as the platform's export lists them, town by town."""
    towns = list(Region.objects.filter(parent=district).order_by("code"))
    weights = [rng.uniform(0.5, 1.5) for _town in towns]
    out = []
    for town, r, a, s in zip(towns, _split(registered, weights), _split(active, weights), _split(shares, weights),
                             strict=True):
        out.append(InfoOfficerFigure(region=town, region_path=town.path, year=year, registered=r, active=a,
                                     shares=s, source=FigureSource.IMPORTED, is_demo=True, note="演示数据，非平台统计"))
    return out


@register_demo_loader
def load_demo_channels(rng: random.Random) -> None:
    """Media columns and issues, the 永川科协 account and the 科普中国 figures."""
    if MediaOutlet.objects.filter(is_demo=True).exists():
        return
    _media(rng)
    _info_officers(rng)
