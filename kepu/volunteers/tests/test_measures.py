import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kepu.core.measures import get_measure
from kepu.regions.models import Region

from .. import services
from .factories import make_record, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def values(key, regions, year):
    return get_measure(key).compute(regions, year)


def test_registered_volunteers_as_of_the_end_of_the_year(chongqing, yongchuan, shapingba, yc_town):
    year = timezone.localdate().year - 1
    make_volunteer(region=yc_town, registered_on=datetime.date(year, 3, 1))
    make_volunteer(registered_on=datetime.date(year, 12, 31))
    gone = make_volunteer(registered_on=datetime.date(year - 1, 5, 1))
    services.volunteer_leave(actor=None, volunteer=gone, on=datetime.date(year, 6, 30))
    stays = make_volunteer(registered_on=datetime.date(year - 1, 5, 1))
    services.volunteer_leave(actor=None, volunteer=stays, on=datetime.date(year + 1, 1, 1))
    make_volunteer(registered_on=datetime.date(year + 1, 1, 1))  # after the year
    make_volunteer(region=shapingba, registered_on=datetime.date(year, 1, 1))
    out = values("registered_volunteers", [chongqing, yongchuan, shapingba, yc_town], year)
    assert {code: v.value for code, v in out.items()} == {
        chongqing.code: 4, yongchuan.code: 3, shapingba.code: 1, yc_town.code: 1}
    assert out[yongchuan.code].records_url == f"/volunteers/?region=500118&as_of={year}-12-31"


def test_hours_and_active_volunteers_count_verified_records_where_served(yongchuan, shapingba):
    year = timezone.localdate().year - 1
    day = datetime.date(year, 6, 1)
    a, b = make_volunteer(), make_volunteer()
    spb_team = make_team(region=shapingba)
    make_record(a, hours="2.5", date=day)
    make_record(a, hours="1", date=day)
    make_record(b, hours="4", date=day, team=spb_team)  # served in 沙坪坝区
    make_record(b, hours="9", date=day, verify=False)  # pending: not counted
    make_record(a, hours="3", date=datetime.date(year - 1, 6, 1))  # another year
    hours = values("volunteer_service_hours", [yongchuan, shapingba], year)
    assert hours[yongchuan.code].value == Decimal("3.5") and hours[yongchuan.code].detail == {"records": 2}
    assert hours[shapingba.code].value == Decimal("4.0")
    active = values("active_volunteers", [yongchuan, shapingba], year)
    assert (active[yongchuan.code].value, active[shapingba.code].value) == (1, 1)
    assert f"year={year}" in active[yongchuan.code].records_url and "status=verified" in active[yongchuan.code].records_url


def test_regions_without_volunteers_count_zero(chongqing, yongchuan):
    districts = list(Region.objects.filter(parent=chongqing))
    out = values("registered_volunteers", districts, 2020)
    assert len(out) == len(districts) and {v.value for v in out.values()} == {0}
    teams = values("volunteer_teams", [yongchuan], 2020)
    assert teams[yongchuan.code].value == 0


def test_teams_alive_at_the_end_of_the_year(yongchuan):
    year = timezone.localdate().year - 1
    make_team(founded_on=datetime.date(year, 2, 1))
    make_team()  # founding date unknown: counted
    make_team(founded_on=datetime.date(year + 1, 2, 1))
    make_team(founded_on=datetime.date(year - 3, 2, 1), dissolved_on=datetime.date(year, 5, 1))
    assert values("volunteer_teams", [yongchuan], year)[yongchuan.code].value == 2


def test_one_query_per_region_depth(chongqing, yongchuan, yc_town, django_assert_max_num_queries):
    regions = [chongqing, *Region.objects.filter(parent=chongqing), yc_town]
    depths = len({len(r.path) for r in regions})
    with django_assert_max_num_queries(depths):
        values("volunteer_service_hours", regions, 2025)
