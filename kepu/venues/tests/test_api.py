"""The venue API: venues, certifications, visitor figures and village science officers, within scope."""

import datetime

import pytest

from kepu.accounts.models import Role, RoleAssignment
from kepu.core.models import AuditEntry
from kepu.regions.models import Kind, Level, Region
from kepu.regions.services import region_create

from .. import services
from ..models import Certification, Venue, VenueType, VisitorFigure
from .factories import appoint_officer, make_certification, make_venue, make_village

pytestmark = pytest.mark.django_db

VENUES, CERTS = "/api/v1/venues/", "/api/v1/venue-certifications/"
VISITORS, OFFICERS = "/api/v1/visitor-figures/", "/api/v1/village-officers/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def fields_of(response) -> dict:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and set(body) == {"message", "code", "extra"}
    return body["extra"]["fields"]


@pytest.fixture
def admin(api_for):
    return api_for("yc_admin")


@pytest.fixture
def spb_town(shapingba):
    return region_create(actor=None, parent=shapingba, code="500106001", name="测试街道", level=Level.TOWN,
                         kind=Kind.SUBDISTRICT, urban_rural_code="111")


@pytest.fixture
def world(spb_town):
    """A venue with a certification and a month's visitors, and a village officer, in each district."""
    out = {}
    for key, region, town in (("yc", "500118", "500118001"), ("spb", "500106", spb_town)):
        venue = make_venue(region, name=f"{key}科普教育基地")
        village = make_village(town)
        out[key] = {"venue": venue, "cert": make_certification(venue),
                    "visitors": services.visitors_set(actor=None, venue=venue, year=2024, month=5, visitors=300),
                    "officer": appoint_officer(village), "village": village}
    return out


# --- scope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "kind"), [(VENUES, "venue"), (CERTS, "cert"), (VISITORS, "visitors"),
                                                 (OFFICERS, "officer")])
def test_each_list_holds_the_callers_scope_only(api_for, world, endpoint, kind):
    yc, spb = world["yc"][kind].pk, world["spb"][kind].pk
    assert ids(api_for("yc_admin").get(endpoint)) == {yc}
    assert ids(api_for("yc_reviewer").get(endpoint)) == {yc}
    assert ids(api_for("spb_admin").get(endpoint)) == {spb}
    assert ids(api_for("city_admin").get(endpoint)) == {yc, spb}
    assert ids(api_for("platform_admin").get(endpoint)) == {yc, spb}
    assert api_for("yc_admin").get(f"{endpoint}{yc}/").status_code == 200
    response = api_for("yc_admin").get(f"{endpoint}{spb}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_for("yc_admin").get(f"{endpoint}999999/").json() == response.json()
    assert api_for("yc_admin").get(f"{endpoint}{10**30}/").status_code == 404


@pytest.mark.parametrize("endpoint", [VENUES, CERTS, VISITORS, OFFICERS])
def test_citizens_and_outsiders_are_refused_and_strangers_must_sign_in(api_for, world, endpoint):
    for persona in ("citizen", "outsider"):
        response = api_for(persona).get(endpoint)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
        assert api_for(persona).post(endpoint, {}, format="json").status_code == 403
    response = api_for("anonymous").get(endpoint)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_a_liaison_sees_the_venues_their_unit_runs(api_for, world, yc_education, shapingba):
    run = make_venue(shapingba, VenueType.YOUTH_BASE, name="教委运营的基地", unit=yc_education)
    assert ids(api_for("yc_liaison").get(VENUES)) == {run.pk}


def test_a_list_costs_the_same_queries_for_few_rows_and_many(admin, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            venue = make_venue("500118001", name=f"阵地{n}-{i}", unit=None)
            make_certification(venue, "municipal", 2020)
            make_certification(venue, "national", 2022)
            appoint_officer(make_village("500118001"))

    fill(1)
    with django_assert_max_num_queries(5):
        assert admin.get(VENUES).json()["count"] == 1
    fill(10)
    for endpoint in (VENUES, CERTS, OFFICERS):
        with django_assert_max_num_queries(5):
            assert admin.get(endpoint).json()["count"] >= 11


# --- venues -----------------------------------------------------------------------------------------------


def test_a_venue_carries_its_place_unit_and_certifications(admin, yc_education):
    venue = make_venue("500118001", VenueType.SCIENCE_MUSEUM, name="永川科技馆", unit=yc_education,
                       longitude="105.927001", latitude="29.356002", capacity=500, opening_hours="9:00-17:00")
    make_certification(venue, "national", 2021, title="全国科普教育基地", body="中国科协",
                       valid_until=datetime.date(2025, 12, 31))
    make_certification(venue, "municipal", 2019)
    item = admin.get(f"{VENUES}{venue.pk}/").json()
    assert (item["name"], item["type"], item["region"], item["region_name"]) == (
        "永川科技馆", "science_museum", "500118001", "中山路街道")
    assert (item["unit"], item["unit_name"]) == (yc_education.pk, "永川区教委")
    assert (item["longitude"], item["latitude"], item["capacity"]) == ("105.927001", "29.356002", 500)
    assert [(c["level"], c["year"], c["display"]) for c in item["certifications"]] == [
        ("national", 2021, "全国科普教育基地"), ("municipal", 2019, "市级科技馆")]
    assert item["certifications"][0]["valid_until"] == "2025-12-31"


def test_the_list_filters_by_region_type_year_and_certification(admin):
    town = make_venue("500118001", VenueType.ACTIVITY_ROOM, name="中山路活动室")
    closed = make_venue("500118100", VenueType.ACTIVITY_ROOM, name="青峰活动室",
                        opened_on=datetime.date(2015, 1, 1), closed_on=datetime.date(2022, 6, 30))
    base = make_venue("500118", VenueType.EDUCATION_BASE, name="区科普基地")
    national = make_venue("500118", VenueType.YOUTH_BASE, name="青少年基地")
    make_certification(base, "municipal", 2020, valid_until=datetime.date(2023, 12, 31))
    make_certification(national, "national", 2022)
    make_certification(town, "district", 2022)
    assert ids(admin.get(VENUES, {"region": "500118001"})) == {town.pk}
    assert ids(admin.get(VENUES, {"region": "424242"})) == set()
    assert ids(admin.get(VENUES, {"type": ["activity_room", "youth_base"]})) == {town.pk, closed.pk, national.pk}
    assert ids(admin.get(VENUES, {"year": 2023})) == {town.pk, base.pk, national.pk}
    assert ids(admin.get(VENUES, {"year": 2021})) == {town.pk, closed.pk, base.pk, national.pk}
    assert ids(admin.get(VENUES, {"certified": "municipal", "year": 2023})) == {base.pk, national.pk}
    assert ids(admin.get(VENUES, {"certified": "municipal", "year": 2024})) == {national.pk}  # base expired
    assert ids(admin.get(VENUES, {"certified": "national", "year": 2023})) == {national.pk}
    assert ids(admin.get(VENUES, {"certified": "district", "year": 2022})) == {base.pk, national.pk, town.pk}
    assert ids(admin.get(VENUES, {"q": "青峰"})) == {closed.pk}


@pytest.mark.parametrize(("bad", "named"), [
    ({"year": "abc"}, "year："), ({"year": "1800"}, "year："), ({"certified": "galactic"}, "certified："),
    ({"type": "castle"}, "类型："), ({"unit": "x"}, "运营单位："), ({"unit": str(10**30)}, "运营单位："),
])
def test_garbage_filters_are_400s_naming_the_parameter(admin, world, bad, named):
    response = admin.get(VENUES, bad)
    assert set(fields_of(response)) == set(bad)
    assert response.json()["message"].startswith(named)


def venue_data(**extra) -> dict:
    data = {"name": "金龙镇科普e站", "type": "e_station", "region": "500118101", "address": "金龙镇政府一楼",
            "longitude": "105.91234567", "latitude": "29.2", "capacity": 40, "is_public": True}
    data.update(extra)
    return data


def test_a_region_admin_creates_a_venue(admin, yc_education):
    response = admin.post(VENUES, venue_data(unit=yc_education.pk), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["region"], body["region_name"], body["unit_name"]) == ("500118101", "金龙镇", "永川区教委")
    assert (body["longitude"], body["latitude"]) == ("105.912346", "29.200000")  # rounded to 6 digits
    assert body["certifications"] == [] and body["is_demo"] is False
    venue = Venue.objects.get(pk=body["id"])
    assert venue.region_path == Region.objects.get(code="500118101").path
    assert AuditEntry.objects.filter(action="venue.created", object_id=str(venue.pk)).exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"capacity": "many"}, "capacity", "容纳人数"),
    ({"capacity": -1}, "capacity", "容纳人数"),
    ({"capacity": 10**30}, "capacity", "容纳人数"),
    ({"floor_area": "12,5"}, "floor_area", "建筑面积"),
    ({"region": "999999"}, "region", "没有代码为“999999”的区划"),
    ({"region": "500106"}, "region", "所属区划"),  # another district: not a region the caller may name
    ({"region": ["500118"]}, "region", "所属区划"),
    ({"unit": 999999}, "unit", "运营单位"),
    ({"unit": "abc"}, "unit", "运营单位"),
    ({"type": "castle"}, "type", "类型"),
    ({"name": ""}, "name", "名称"),
    ({"opened_on": "2024-13-45"}, "opened_on", "建成"),
    ({"opened_on": "2024-05-01", "closed_on": "2020-01-01"}, "closed_on", "停用日期不能早于建成日期"),
    ({"latitude": None}, "latitude", "经度和纬度须同时填写"),
    ({"longitude": "200"}, "longitude", "经度"),
    ({"longitude": "NaN"}, "longitude", "经度"),
])
def test_bad_venues_are_400s_naming_the_field_in_chinese(admin, change, field, words):
    fields = fields_of(admin.post(VENUES, venue_data(**change), format="json"))
    assert field in fields
    assert words in fields[field][0]
    assert not Venue.objects.exists()


def test_garbage_bodies_are_400s(admin):
    assert admin.post(VENUES, "not json", content_type="application/json").status_code == 400
    assert admin.post(VENUES, [1, 2], format="json").status_code == 400
    assert not Venue.objects.exists()


def test_who_may_create_a_venue(api_for, admin, yc_education):
    response = admin.post(VENUES, venue_data(region="500000"), format="json")  # the city: visible, not theirs
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert api_for("yc_reviewer").post(VENUES, venue_data(), format="json").status_code == 403
    liaison = api_for("yc_liaison")
    assert liaison.post(VENUES, venue_data(region="500118"), format="json").status_code == 403  # not their unit's
    assert not Venue.objects.exists()
    response = liaison.post(VENUES, venue_data(region="500118", unit=yc_education.pk), format="json")
    assert response.status_code == 201, response.json()
    response = api_for("city_admin").post(VENUES, venue_data(name="另一个"), format="json")
    assert response.status_code == 201, response.json()


def test_a_duplicate_venue_is_a_409(admin):
    assert admin.post(VENUES, venue_data(), format="json").status_code == 201
    response = admin.post(VENUES, venue_data(address="别处"), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    assert Venue.objects.count() == 1


def test_update_and_delete_a_venue(admin, api_for):
    venue = make_venue("500118001", VenueType.GALLERY, name="中山路科普画廊")
    url = f"{VENUES}{venue.pk}/"
    read = admin.get(url).json()
    response = admin.patch(url, {"capacity": 80, "region": "500118100", "unchanged_since": read["updated_at"]},
                           format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["capacity"], response.json()["region"]) == (80, "500118100")
    response = admin.patch(url, {"capacity": 90, "unchanged_since": read["updated_at"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "stale")
    response = admin.put(url, venue_data(name="青峰镇科普画廊", type="gallery", region="500118100"), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "青峰镇科普画廊" and response.json()["type"] == "gallery"
    assert fields_of(admin.patch(url, {"capacity": "x"}, format="json")) == {"capacity": ["容纳人数：请填写合法的整数值。"]}
    assert fields_of(admin.put(url, {"capacity": 1}, format="json")).keys() >= {"name", "type", "region"}
    assert api_for("yc_reviewer").patch(url, {"capacity": 1}, format="json").status_code == 403
    assert api_for("spb_admin").patch(url, {"capacity": 1}, format="json").status_code == 404
    assert admin.patch(url, {"region": "500000"}, format="json").status_code == 403  # out of their district
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert api_for("spb_admin").delete(url).status_code == 404
    venue.refresh_from_db()
    assert (venue.capacity, venue.region.code) == (40, "500118100")
    assert admin.delete(url).status_code == 204
    assert not Venue.objects.exists()
    assert AuditEntry.objects.filter(action="venue.deleted", object_id=str(venue.pk)).exists()


# --- certifications ---------------------------------------------------------------------------------------


def test_certifications_are_created_changed_and_deleted(admin, api_for, world):
    venue = world["yc"]["venue"]
    data = {"venue": venue.pk, "level": "national", "body": "中国科协", "year": 2023, "valid_until": "2027-12-31",
            "title": "全国科普教育基地"}
    response = admin.post(CERTS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["venue_name"], body["region"], body["display"]) == (venue.name, "500118", "全国科普教育基地")
    url = f"{CERTS}{body['id']}/"
    assert (admin.post(CERTS, data, format="json").json()["code"]) == "duplicate"
    response = admin.patch(url, {"revoked_on": "2024-03-01", "venue": world["spb"]["venue"].pk}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["revoked_on"], response.json()["venue"]) == ("2024-03-01", venue.pk)  # venue stays
    assert ids(admin.get(CERTS, {"valid_in": 2024})) == {world["yc"]["cert"].pk, body["id"]}
    assert ids(admin.get(CERTS, {"valid_in": 2025})) == {world["yc"]["cert"].pk}
    assert ids(admin.get(CERTS, {"level": "national", "venue": venue.pk})) == {body["id"]}
    assert ids(admin.get(CERTS, {"year": 2022})) == {world["yc"]["cert"].pk}
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert not Certification.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"valid_until": "2020-01-01"}, "valid_until", "有效期不能早于认定年度"),
    ({"year": "twenty"}, "year", "认定年度"),
    ({"year": 1800}, "year", "认定年度"),
    ({"level": "galactic"}, "level", "级别"),
    ({"review_on": "someday"}, "review_on", "复评日期"),
    ({"venue": None}, "venue", "阵地"),
])
def test_bad_certifications_are_400s_naming_the_field(admin, world, change, field, words):
    data = {"venue": world["yc"]["venue"].pk, "level": "municipal", "body": "重庆市科协", "year": 2023, **change}
    fields = fields_of(admin.post(CERTS, data, format="json"))
    assert field in fields and words in fields[field][0]


def test_a_certification_of_a_venue_out_of_scope_is_refused(admin, world):
    data = {"venue": world["spb"]["venue"].pk, "level": "municipal", "body": "重庆市科协", "year": 2023}
    assert "venue" in fields_of(admin.post(CERTS, data, format="json"))
    assert Certification.objects.count() == 2


# --- visitor figures --------------------------------------------------------------------------------------


def test_visitor_figures_are_entered_once_per_month_and_corrected(admin, api_for, world):
    venue = world["yc"]["venue"]
    response = admin.post(VISITORS, {"venue": venue.pk, "year": 2024, "month": 6, "visitors": 120}, format="json")
    assert response.status_code == 201, response.json()
    first = response.json()
    response = admin.post(VISITORS, {"venue": venue.pk, "year": 2024, "month": 6, "visitors": 150, "note": "更正"},
                          format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["visitors"], response.json()["note"]) == (first["id"], 150, "更正")
    assert VisitorFigure.objects.filter(venue=venue).count() == 2
    url = f"{VISITORS}{first['id']}/"
    response = admin.patch(url, {"visitors": 160, "month": 7}, format="json")
    assert (response.status_code, response.json()["visitors"], response.json()["month"]) == (200, 160, 6)
    assert ids(admin.get(VISITORS, {"venue": venue.pk, "year": 2024})) == {first["id"], world["yc"]["visitors"].pk}
    assert ids(admin.get(VISITORS, {"year": 2023})) == set()
    assert api_for("yc_reviewer").post(VISITORS, {"venue": venue.pk, "year": 2024, "month": 8, "visitors": 1},
                                       format="json").status_code == 403
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert AuditEntry.objects.filter(action="venue_visitors.deleted").exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"month": 13}, "month", "月份"),
    ({"month": "May"}, "month", "月份"),
    ({"visitors": -5}, "visitors", "接待人次"),
    ({"visitors": "lots"}, "visitors", "接待人次"),
    ({"year": ""}, "year", "年度"),
    ({"venue": "abc"}, "venue", "阵地"),
])
def test_bad_visitor_figures_are_400s(admin, world, change, field, words):
    data = {"venue": world["yc"]["venue"].pk, "year": 2024, "month": 6, "visitors": 10, **change}
    fields = fields_of(admin.post(VISITORS, data, format="json"))
    assert field in fields and words in fields[field][0]


def test_visitor_figures_of_a_venue_out_of_scope_cannot_be_entered(admin, world):
    data = {"venue": world["spb"]["venue"].pk, "year": 2024, "month": 6, "visitors": 10}
    assert "venue" in fields_of(admin.post(VISITORS, data, format="json"))


# --- village science officers -----------------------------------------------------------------------------


def test_officers_show_the_village_name_and_masked_phone_only(admin):
    village = make_village("500118001", name="红旗社区")
    appoint_officer(village, phone="13712345678", name="李四")
    response = admin.get(OFFICERS)
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert (item["village"], item["village_name"], item["name"], item["phone_masked"]) == (
        village.code, "红旗社区", "李四", "137****5678")
    assert set(item) == {"id", "village", "village_name", "name", "phone_masked", "created_at"}
    assert "12345678" not in response.content.decode()
    assert ids(admin.get(OFFICERS, {"region": "500118100"})) == set()
    assert ids(admin.get(OFFICERS, {"region": "500118001"})) == {item["id"]}


def test_a_region_admin_appoints_and_removes_an_officer(admin, api_for):
    village = make_village("500118100")
    data = {"village": village.code, "name": "王五", "phone": "13698765432"}
    response = admin.post(OFFICERS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["village"], body["name"], body["phone_masked"]) == (village.code, "王五", "136****5432")
    assert "98765432" not in response.content.decode()
    assignment = RoleAssignment.objects.get(pk=body["id"])
    assert (assignment.role, assignment.region_id, assignment.user.phone) == (Role.VILLAGE_OFFICER, village.pk,
                                                                              "13698765432")
    response = admin.post(OFFICERS, data, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    url = f"{OFFICERS}{body['id']}/"
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert api_for("spb_admin").delete(url).status_code == 404
    assert admin.delete(url).status_code == 204
    assert not RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).exists()
    assert admin.patch(url, {"name": "x"}, format="json").status_code == 405


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"village": "500118001"}, "village", "村级科普员须配备到村（社区）"),  # a town, not a village
    ({"village": "999999999999"}, "village", "村（社区）"),
    ({"phone": "12345"}, "phone", "手机号码"),
    ({"phone": ""}, "phone", "手机号码"),
    ({"name": "  "}, "name", "姓名"),
])
def test_bad_appointments_are_400s_naming_the_field(admin, change, field, words):
    data = {"village": make_village("500118100").code, "name": "王五", "phone": "13698765432", **change}
    fields = fields_of(admin.post(OFFICERS, data, format="json"))
    assert field in fields and words in fields[field][0]
    assert not RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).exists()


def test_who_may_appoint_an_officer(api_for, spb_town):
    yc_village = make_village("500118100")
    data = {"village": yc_village.code, "name": "王五", "phone": "13698765432"}
    assert api_for("yc_reviewer").post(OFFICERS, data, format="json").status_code == 403
    assert "village" in fields_of(api_for("spb_admin").post(OFFICERS, data, format="json"))
    assert api_for("citizen").post(OFFICERS, data, format="json").status_code == 403
    assert not RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).exists()
