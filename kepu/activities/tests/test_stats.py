"""Activity statistics: figures checked against known data, links, scope, the Excel export."""

import datetime
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import ActivityStatus, TargetGroup, ThemeDay
from kepu.activities.tests.factories import ActivityFactory, finished
from kepu.orgs.models import Unit
from kepu.regions.models import Population, Region

pytestmark = pytest.mark.django_db
YEAR = 2024


def _at(month: int, day: int = 10) -> datetime.datetime:
    return datetime.datetime(YEAR, month, day, 9, 0, tzinfo=timezone.get_current_timezone())


def _reported(actor, activity, counts: dict[str, tuple[int, int]]):
    groups = {g.key: g.pk for g in TargetGroup.objects.all()}
    services.report_save(actor=actor, activity=activity, narrative="",
                         counts={groups[key]: value for key, value in counts.items()})
    services.report_submit(actor=actor, activity=activity)
    return activity


@pytest.fixture
def known(personas, yc_education):
    """永川区 2024: A (town 500118001, lecture, March, 世界水日, youth, 50 reported),
    B (district, exhibition, March, finished, not reported), C (town 500118002, lecture, May,
    世界水日 + 世界地球日, elderly, 10 reported); plus what must not count."""
    admin = personas.yc_admin
    water, earth = ThemeDay.objects.get(name="世界水日"), ThemeDay.objects.get(name="世界地球日")
    youth, elderly = TargetGroup.objects.get(key="youth"), TargetGroup.objects.get(key="elderly")
    a = _reported(admin, finished(title="甲", region="500118001", start=_at(3), theme_days=[water],
                                  target_groups=[youth]), {"youth": (20, 30)})
    b = finished(title="乙", kind="exhibition", start=_at(3, 20), target_groups=[elderly], organizer=yc_education)
    c = _reported(admin, finished(title="丙", region="500118002", start=_at(5), theme_days=[water, earth],
                                  target_groups=[elderly]), {"elderly": (10, 0)})
    ActivityFactory(title="草稿不计", start=_at(4))
    ActivityFactory(title="已发布不计", start=_at(4), status=ActivityStatus.PUBLISHED)
    last_year = _at(6).replace(year=YEAR - 1)
    _reported(admin, finished(title="去年不计", start=last_year), {"youth": (7, 0)})
    spb = Unit.objects.get(region__code="500106", name="区科协")
    _reported(personas.spb_admin, finished(title="沙坪坝", region="500106", organizer=spb, start=_at(3)),
              {"youth": (4, 0)})
    Population.objects.update_or_create(region=Region.objects.get(code="500118"), year=YEAR,
                                        defaults={"residents": 1000})
    return {"a": a, "b": b, "c": c}


def _table(page: str, key: str) -> dict[str, list[str]]:
    """{row label: [cell texts]} of one table of the page."""
    html = page.split(f'id="table-{key}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_stats_match_known_data(client_for, known):
    page = client_for("yc_admin").get(reverse("activities:stats"), {"year": YEAR}).content.decode()
    assert "永川区 2024 年科普活动统计" in page
    regions = _table(page, "regions")
    assert regions["中山路街道"] == ["1", "50", "—", "—"]
    assert regions["胜利路街道"] == ["1", "10", "—", "—"]
    assert regions["合计（永川区）"] == ["3", "60", "1,000", "6.00%"]
    assert "沙坪坝区" not in regions
    months = _table(page, "months")
    assert months["3 月"] == ["2", "50"] and months["5 月"] == ["1", "10"] and months["4 月"] == ["0", "0"]
    assert months["合计"] == ["3", "60"]
    kinds = _table(page, "kinds")
    assert kinds == {"讲座": ["2", "60"], "展览": ["1", "0"], "合计": ["3", "60"]}
    themes = _table(page, "themes")
    assert themes == {"世界水日": ["2", "60"], "世界地球日": ["1", "10"], "未关联主题日": ["1", "0"]}
    groups = _table(page, "groups")
    assert groups["青少年"] == ["1", "50"] and groups["老年人"] == ["2", "10"] and groups["农民"] == ["0", "0"]
    data = json.loads(page.split('<script id="stats-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert data["activities"][2] == 2 and data["person_times"][2] == 50 and data["activities"][4] == 1
    assert {k["name"]: k["value"] for k in data["kinds"]} == {"讲座": 2, "展览": 1}
    assert "vendor/echarts/echarts.min.js" in page and "activities/stats.js" in page


def test_each_figure_opens_the_activities_behind_it(client_for, known):
    client = client_for("yc_admin")
    page = client.get(reverse("activities:stats"), {"year": YEAR}).content.decode()
    data = json.loads(page.split('<script id="stats-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    march = client.get(data["month_urls"][2].replace("&amp;", "&")).content.decode()
    assert "甲" in march and "乙" in march and "丙" not in march and "草稿不计" not in march
    lecture = next(k["url"] for k in data["kinds"] if k["name"] == "讲座")
    listed = client.get(lecture).content.decode()
    assert "甲" in listed and "丙" in listed and "乙" not in listed
    reported = client.get(reverse("activities:list"), {"region": "500118", "year": YEAR,
                                                        "status": "reported"}).content.decode()
    assert "甲" in reported and "丙" in reported and "乙" not in reported and "去年不计" not in reported


def test_stats_for_the_city_count_every_district_in_few_queries(client_for, known):
    client = client_for("city_admin")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("activities:stats"), {"region": "500000", "year": YEAR}).content.decode()
    regions = _table(page, "regions")
    assert regions["永川区"][:2] == ["3", "60"] and regions["沙坪坝区"][:2] == ["1", "4"]
    assert regions["合计（重庆市）"][:2] == ["4", "64"]
    assert regions["永川区"][3] == "6.00%"
    # One aggregate per table whatever the number of districts (41 here), plus sessions, scope, regions.
    assert len(queries) < 25


def test_stats_stay_in_the_users_scope(client_for, known, personas):
    client = client_for("yc_admin")
    response = client.get(reverse("activities:stats"), {"region": "500106", "year": YEAR})
    page = response.content.decode()
    assert "区划代码：“500106”不存在，或不在您的工作范围内" in page and "永川区 2024 年" in page
    # 重庆市 is visible for navigation, but a 永川区 admin counts only what they may see.
    page = client.get(reverse("activities:stats"), {"region": "500000", "year": YEAR}).content.decode()
    regions = _table(page, "regions")
    assert regions["合计（重庆市）"][:2] == ["3", "60"] and "沙坪坝区" not in regions
    assert regions["合计（重庆市）"][3] == "—"
    # A liaison counts the activities of their unit only.
    page = client_for("yc_liaison").get(reverse("activities:stats"), {"year": YEAR}).content.decode()
    assert _table(page, "months")["合计"] == ["1", "0"]


def test_stats_explain_a_bad_year(client_for, known):
    page = client_for("yc_admin").get(reverse("activities:stats"), {"year": "20x4"}).content.decode()
    assert "年度：“20x4”不是有效的年度" in page


def test_stats_require_a_staff_role(client_for):
    assert client_for("citizen").get(reverse("activities:stats")).status_code == 403
    assert client_for("anonymous").get(reverse("activities:stats")).status_code == 302
    assert client_for("citizen").get(reverse("activities:stats_export")).status_code == 403


def test_stats_export_has_the_same_tables_as_numbers(client_for, known):
    response = client_for("yc_admin").get(reverse("activities:stats_export"), {"region": "500118", "year": YEAR})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按区域", "按月份", "按活动形式", "按主题日", "按目标人群"]
    regions = book["按区域"]
    assert [c.value for c in regions[1]] == ["区域", "活动场次", "参与人次", "常住人口", "活动覆盖率"]
    assert all(c.font.bold for c in regions[1])
    rows = {r[0]: r[1:] for r in regions.iter_rows(min_row=2, values_only=True)}
    assert rows["中山路街道"][:2] == (1, 50)
    total = rows["合计（永川区）"]
    assert total[:3] == (3, 60, 1000) and Decimal(str(total[3])) == Decimal("0.06")
    last = regions.max_row
    assert regions.cell(last, 5).number_format == "0.00%"
    months = {r[0]: r[1:] for r in book["按月份"].iter_rows(min_row=2, values_only=True)}
    assert months["3 月"] == (2, 50) and months["合计"] == (3, 60)
    assert isinstance(months["3 月"][0], int)
    groups = {r[0]: r[1:] for r in book["按目标人群"].iter_rows(min_row=2, values_only=True)}
    assert groups["老年人"] == (2, 10)
