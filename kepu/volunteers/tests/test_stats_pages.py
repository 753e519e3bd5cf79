"""Volunteer statistics: cards equal to the measures, per-region table, stars, months, response
times of 你点我送 needs, scope, bad input and the Excel export."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kepu.core.measures import get_measure
from kepu.regions.models import Region

from .. import services
from ..models import ServiceRequest, Volunteer
from .factories import add_member, make_record, make_request, make_team, make_volunteer

pytestmark = pytest.mark.django_db
STATS = reverse("volunteers:stats")
YEAR = timezone.localdate().year - 1


def _at(month: int, day: int = 10, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(YEAR, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def known():
    """永川区 in YEAR: 中山路街道 (500118001) has two volunteers, one with 5 + 3 verified hours in March
    and May; 500118002 has one volunteer with 2 hours in May; one team; three needs in 中山路街道
    claimed after 2, 4 and 10 hours (one fulfilled after 48 hours), one open need in 500118002."""
    a = make_volunteer(name="甲", region="500118001", registered_on=datetime.date(YEAR, 1, 2))
    make_volunteer(name="乙", region="500118001", registered_on=datetime.date(YEAR, 2, 2))
    c = make_volunteer(name="丙", region="500118002", registered_on=datetime.date(YEAR, 3, 3))
    make_volunteer(name="明年", region="500118001", registered_on=datetime.date(YEAR + 1, 1, 1))
    team = make_team(name="中山路服务队", region="500118001", founded_on=datetime.date(YEAR, 1, 1))
    add_member(team, a)
    make_record(a, team=team, hours="5", date=datetime.date(YEAR, 3, 1))
    make_record(a, team=team, hours="3", date=datetime.date(YEAR, 5, 1))
    make_record(c, hours="2", date=datetime.date(YEAR, 5, 20))
    make_record(c, hours="7", date=datetime.date(YEAR, 5, 21), verify=False)
    Volunteer.objects.filter(pk=a.pk).update(stars=1)
    for i, wait in enumerate((2, 4, 10)):
        created = _at(4, 1 + i)
        need = make_request(region="500118001", topic=f"需求{i}", created_at=created)
        services.request_claim(actor=None, request=need, team=team, at=created + datetime.timedelta(hours=wait))
        if i == 0:
            ServiceRequest.objects.filter(pk=need.pk).update(status="fulfilled",
                                                             fulfilled_at=created + datetime.timedelta(hours=48))
    make_request(region="500118002", topic="未认领", created_at=_at(6))
    return {"a": a, "c": c, "team": team}


def _table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def test_cards_equal_the_measures_and_link_to_their_lists(client_for, known, yongchuan):
    response = client_for("yc_admin").get(STATS, {"region": "500118", "year": YEAR})
    assert response.status_code == 200
    cards = {c["key"]: c for c in response.context["cards"]}
    for key in ("registered_volunteers", "active_volunteers", "volunteer_service_hours", "volunteer_teams"):
        value = get_measure(key).compute([yongchuan], YEAR)["500118"]
        assert cards[key]["url"] == value.records_url
        assert value.records_url.replace("&", "&amp;") in response.content.decode()
    assert [cards[k]["value"] for k in ("registered_volunteers", "active_volunteers", "volunteer_service_hours",
                                        "volunteer_teams")] == ["3", "2", "10.0", "1"]


def test_region_table_has_a_row_per_town_and_the_total(client_for, known):
    response = client_for("yc_admin").get(STATS, {"region": "500118", "year": YEAR})
    rows = {r.label: [c.value for c in r.cells] for r in _table(response, "regions").rows}
    zhongshan = Region.objects.get(code="500118001").name
    other = Region.objects.get(code="500118002").name
    assert rows[zhongshan] == [2, 1, Decimal("8.0"), 2, 1]
    assert rows[other] == [1, 1, Decimal("2.0"), 1, 0]
    assert rows["合计（永川区）"] == [3, 2, Decimal("10.0"), 3, 1]
    data = json.loads(json.dumps(response.context["chart"]))
    index = data["regions"].index(zhongshan)
    assert data["registered"][index] == 2 and data["hours"][index] == 8.0
    assert 'id="volunteer-stats-data"' in response.content.decode()


def test_request_response_and_completion_times_per_town(client_for, known):
    response = client_for("yc_admin").get(STATS, {"region": "500118", "year": YEAR})
    rows = {r.label: [c.value for c in r.cells] for r in _table(response, "requests").rows}
    zhongshan = Region.objects.get(code="500118001").name
    other = Region.objects.get(code="500118002").name
    assert rows[zhongshan] == [3, 3, 1, 4.0, 48.0]
    assert rows[other] == [1, 0, 0, None, None]
    assert rows["合计（永川区）"] == [4, 3, 1, 4.0, 48.0]


def test_stars_and_months(client_for, known):
    response = client_for("yc_admin").get(STATS, {"region": "500118", "year": YEAR})
    stars = {r.label: r.cells[0].value for r in _table(response, "stars").rows}
    assert stars["未评星"] == 2 and stars["1 星"] == 1 and stars["5 星"] == 0
    star_url = _table(response, "stars").rows[1].cells[0].url
    assert client_for("yc_admin").get(star_url).context["page"].paginator.count == 1
    months = {r.label: [c.value for c in r.cells] for r in _table(response, "months").rows}
    assert months["3 月"] == [1, Decimal("5.0"), 1]
    assert months["5 月"] == [2, Decimal("5.0"), 2]
    assert months["合计"] == [3, Decimal("10.0"), 2]


def test_stats_of_the_city_take_few_queries(client_for, known):
    client = client_for("city_admin")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STATS, {"region": "500000", "year": YEAR})
    assert response.status_code == 200
    assert len(_table(response, "regions").rows) > 30
    # A few per measure (one per length of region path), one per table: none per region.
    assert len(queries) < 35


@pytest.mark.parametrize("params, words", [({"year": "abc"}, "不是有效的年度"), ({"region": "nonexistent"}, "不存在"),
                                           ({"region": "500106"}, "不在您的工作范围内"), ({"year": "99999"}, "年度")])
def test_bad_input_is_explained(client_for, params, words):
    response = client_for("yc_admin").get(STATS, params)
    assert response.status_code == 200 and words in response.content.decode()
    assert response.context["region"].code == "500118"


def test_stats_stay_in_scope_and_need_a_region_role(client_for, known):
    response = client_for("spb_admin").get(STATS, {"region": "500118", "year": YEAR})
    assert response.context["region"].code == "500106"
    assert "甲" not in response.content.decode()
    response = client_for("yc_admin").get(STATS, {"region": "500000", "year": YEAR})
    assert response.context["region"].code == "500118"
    for persona in ("citizen", "outsider", "yc_liaison"):
        assert client_for(persona).get(STATS).status_code == 403


def test_stats_export_has_the_tables_as_numbers(client_for, known):
    response = client_for("yc_admin").get(reverse("volunteers:stats_export"), {"region": "500118", "year": YEAR})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按区域", "你点我送响应情况", "星级分布", "按月份"]
    rows = list(book["按区域"].iter_rows(values_only=True))
    assert rows[0][:3] == ("区域", "注册志愿者", "活跃志愿者")
    assert rows[-1][:4] == ("合计（永川区）", 3, 2, 10)
    assert client_for("citizen").get(reverse("volunteers:stats_export")).status_code == 403


def test_the_statistics_tab_shows_only_to_region_staff(client_for):
    assert f'href="{STATS}"' in client_for("yc_reviewer").get(reverse("volunteers:list")).content.decode()
    assert f'href="{STATS}"' not in client_for("yc_liaison").get(reverse("volunteers:list")).content.decode()
