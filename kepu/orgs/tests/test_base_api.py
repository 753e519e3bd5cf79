"""The base-data API of units: school profiles, 农技协 and funding records, within scope."""

from decimal import Decimal

import pytest

from kepu.core.models import AuditEntry
from kepu.orgs.models import FundingRecord, RuralTechAssociation, SchoolProfile, UnitType

from .factories import make_association, make_funding, make_profile, make_school

pytestmark = pytest.mark.django_db

PROFILES, ASSOCIATIONS, FUNDING = "/api/v1/school-profiles/", "/api/v1/rural-associations/", "/api/v1/funding-records/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def fields_of(response) -> dict:
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    return response.json()["extra"]["fields"]


@pytest.fixture
def admin(api_for):
    return api_for("yc_admin")


@pytest.fixture
def world(shapingba):
    """A school profile and a funding record in 永川区, and the same in 沙坪坝区."""
    out = {}
    for key, region in (("yc", "500118"), ("spb", "500106")):
        out[key] = {"profile": make_profile(make_school(region, name=f"{key}小学"), 2024),
                    "funding": make_funding(region, 2024, budgeted="100000")}
    return out


# --- scope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "kind"), [(PROFILES, "profile"), (FUNDING, "funding")])
def test_each_list_holds_the_callers_scope_only(api_for, world, endpoint, kind):
    yc, spb = world["yc"][kind].pk, world["spb"][kind].pk
    assert ids(api_for("yc_admin").get(endpoint)) == {yc}
    assert ids(api_for("yc_reviewer").get(endpoint)) == {yc}
    assert ids(api_for("spb_admin").get(endpoint)) == {spb}
    assert ids(api_for("city_admin").get(endpoint)) == {yc, spb}
    assert api_for("yc_admin").get(f"{endpoint}{yc}/").status_code == 200
    response = api_for("yc_admin").get(f"{endpoint}{spb}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_for("spb_admin").patch(f"{endpoint}{yc}/", {"note": "x"}, format="json").status_code == 404
    assert api_for("spb_admin").delete(f"{endpoint}{yc}/").status_code == 404


def test_associations_are_scoped_too(api_for):
    yc = make_association("500118101", name="金龙镇养蜂协会").pk
    assert ids(api_for("yc_admin").get(ASSOCIATIONS)) == {yc}
    assert ids(api_for("spb_admin").get(ASSOCIATIONS)) == set()
    assert api_for("spb_admin").get(f"{ASSOCIATIONS}{yc}/").status_code == 404


@pytest.mark.parametrize("endpoint", [PROFILES, ASSOCIATIONS, FUNDING])
def test_citizens_and_outsiders_are_refused(api_for, world, endpoint):
    for persona in ("citizen", "outsider"):
        assert api_for(persona).get(endpoint).status_code == 403
        assert api_for(persona).post(endpoint, {}, format="json").status_code == 403
    assert api_for("anonymous").get(endpoint).status_code == 401


# --- school profiles ----------------------------------------------------------------------------------------


def test_a_school_profile_is_entered_once_per_year_and_corrected(admin, api_for):
    school = make_school("500118001", name="红旗小学")
    data = {"unit": school.pk, "year": 2024, "science_teachers": 1, "tutors_full_time": 1, "tutors_part_time": 2,
            "has_tech_room": True, "feature_level": "municipal"}
    response = admin.post(PROFILES, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["unit_name"], body["region"], body["staff_compliant"], body["district_run"]) == (
        "红旗小学", "500118001", True, True)
    response = admin.post(PROFILES, {**data, "tutors_part_time": 0, "district_run": False}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["staff_compliant"], response.json()["district_run"]) == (
        body["id"], False, False)
    assert SchoolProfile.objects.count() == 1
    url = f"{PROFILES}{body['id']}/"
    read = admin.get(url).json()
    response = admin.patch(url, {"science_teachers": 3, "year": 2020, "unit": 1, "unchanged_since": read["updated_at"]},
                           format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["science_teachers"], response.json()["year"], response.json()["unit"]) == (
        3, 2024, school.pk)
    response = admin.patch(url, {"note": "迟到的修改", "unchanged_since": read["updated_at"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "stale")
    assert api_for("yc_reviewer").patch(url, {"note": "x"}, format="json").status_code == 403
    assert api_for("yc_reviewer").post(PROFILES, data, format="json").status_code == 403
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert not SchoolProfile.objects.exists()
    assert AuditEntry.objects.filter(action="school_profile.deleted").exists()


def test_school_profiles_filter_by_year_region_and_district_run(admin):
    a, b = make_school("500118001", name="甲小学"), make_school("500118100", name="乙中学",
                                                             type=UnitType.SECONDARY_SCHOOL)
    a24, a23 = make_profile(a, 2024), make_profile(a, 2023)
    b24 = make_profile(b, 2024, district_run=False, has_tech_room=False)
    assert ids(admin.get(PROFILES, {"year": 2024})) == {a24.pk, b24.pk}
    assert ids(admin.get(PROFILES, {"year": 2024, "district_run": 1})) == {a24.pk}
    assert ids(admin.get(PROFILES, {"region": "500118001"})) == {a24.pk, a23.pk}
    assert ids(admin.get(PROFILES, {"has_tech_room": "false"})) == {b24.pk}
    assert ids(admin.get(PROFILES, {"unit": b.pk})) == {b24.pk}
    for bad in ({"year": "abc"}, {"unit": "x"}, {"feature_level": "cosmic"}):
        assert set(fields_of(admin.get(PROFILES, bad))) == set(bad)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"science_teachers": "two"}, "science_teachers", "科学教师人数"),
    ({"science_teachers": -1}, "science_teachers", "科学教师人数"),
    ({"science_teachers": 10**30}, "science_teachers", "科学教师人数"),
    ({"year": "next"}, "year", "年度"),
    ({"year": 3000}, "year", "年度"),
    ({"feature_level": "cosmic"}, "feature_level", "科技特色学校级别"),
    ({"unit": 999999}, "unit", "学校"),
    ({"unit": None}, "unit", "学校"),
])
def test_bad_profiles_are_400s_naming_the_field(admin, change, field, words):
    data = {"unit": make_school("500118001").pk, "year": 2024, **change}
    fields = fields_of(admin.post(PROFILES, data, format="json"))
    assert field in fields and words in fields[field][0]
    assert not SchoolProfile.objects.exists()


def test_a_profile_of_a_unit_that_is_no_school_names_the_unit(admin, yc_education, spb_education):
    fields = fields_of(admin.post(PROFILES, {"unit": yc_education.pk, "year": 2024}, format="json"))
    assert fields == {"unit": ["学校：“永川区教委”不是中小学（单位类型须为小学或中学）。"]}
    assert "unit" in fields_of(admin.post(PROFILES, {"unit": make_school("500106").pk, "year": 2024},
                                          format="json"))  # out of scope: not a unit the caller may name


def test_a_liaison_keeps_their_own_schools_profile(api_for):
    from kepu.accounts.models import Role
    from kepu.accounts.tests.factories import UserFactory, grant

    school = make_school("500118001", name="丙小学")
    liaison = UserFactory(username="school_liaison")
    grant(liaison, Role.UNIT_LIAISON, unit=school)
    response = api_for(liaison).post(PROFILES, {"unit": school.pk, "year": 2024, "science_teachers": 2},
                                     format="json")
    assert response.status_code == 201, response.json()
    assert ids(api_for(liaison).get(PROFILES)) == {response.json()["id"]}


# --- 农技协 ---------------------------------------------------------------------------------------------


def test_associations_are_created_changed_and_deleted(admin, api_for):
    data = {"name": "金龙镇柑橘协会", "region": "500118101", "founded_on": "2018-04-01", "members": 56,
            "on_smart_platform": True, "industry": "柑橘"}
    response = admin.post(ASSOCIATIONS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["region"], body["region_name"], body["members"]) == ("500118101", "金龙镇", 56)
    response = admin.post(ASSOCIATIONS, data, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    url = f"{ASSOCIATIONS}{body['id']}/"
    response = admin.patch(url, {"dissolved_on": "2023-06-30"}, format="json")
    assert response.status_code == 200, response.json()
    assert ids(admin.get(ASSOCIATIONS, {"year": 2022})) == {body["id"]}
    assert ids(admin.get(ASSOCIATIONS, {"year": 2023})) == set()  # dissolved before the year's end
    assert ids(admin.get(ASSOCIATIONS, {"year": 2017})) == set()  # not yet founded
    assert ids(admin.get(ASSOCIATIONS, {"region": "500118101", "on_smart_platform": "true"})) == {body["id"]}
    assert api_for("yc_reviewer").patch(url, {"members": 1}, format="json").status_code == 403
    assert admin.delete(url).status_code == 204
    assert not RuralTechAssociation.objects.exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"region": "500118"}, "region", "农技协须登记在镇（街）或村（社区）"),
    ({"region": "5001181010"}, "region", "所属区划"),
    ({"founded_on": "2020-02-30"}, "founded_on", "成立日期"),
    ({"dissolved_on": "2010-01-01"}, "dissolved_on", "注销日期不能早于成立日期"),
    ({"members": "many"}, "members", "会员数"),
    ({"name": ""}, "name", "名称"),
])
def test_bad_associations_are_400s_naming_the_field(admin, change, field, words):
    data = {"name": "青峰镇养蜂协会", "region": "500118100", "founded_on": "2015-01-01", **change}
    fields = fields_of(admin.post(ASSOCIATIONS, data, format="json"))
    assert field in fields and words in fields[field][0]
    assert not RuralTechAssociation.objects.exists()


# --- funding ---------------------------------------------------------------------------------------------


def test_funding_is_recorded_with_its_statistics_group(admin, api_for, yc_education):
    data = {"region": "500118", "unit": yc_education.pk, "year": 2024, "source": "fiscal_special",
            "budgeted": "350000.50", "purpose": "科普日活动经费", "document_number": "永财教〔2024〕12号"}
    response = admin.post(FUNDING, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["statistics_group"], body["budgeted"], body["received"], body["unit_name"]) == (
        "政府拨款", "350000.50", None, "永川区教委")
    url = f"{FUNDING}{body['id']}/"
    response = admin.patch(url, {"received": "300000"}, format="json")
    assert (response.status_code, response.json()["received"]) == (200, "300000.00")
    response = admin.patch(url, {"budgeted": None, "received": None}, format="json")
    assert fields_of(response) == {"budgeted": ["预算金额（元）：预算金额和到位金额至少填写一项。"]}
    assert FundingRecord.objects.get(pk=body["id"]).received == Decimal("300000")
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert admin.delete(url).status_code == 204


def test_funding_filters(admin):
    fiscal = make_funding("500118", 2024, "fiscal_budget", budgeted="1000")
    donation = make_funding("500118001", 2024, "donation", budgeted="200")
    old = make_funding("500118", 2023, "fiscal_budget", budgeted="900")
    assert ids(admin.get(FUNDING, {"year": 2024})) == {fiscal.pk, donation.pk}
    assert ids(admin.get(FUNDING, {"source": ["fiscal_budget", "fiscal_special"]})) == {fiscal.pk, old.pk}
    assert ids(admin.get(FUNDING, {"region": "500118001"})) == {donation.pk}
    for bad in ({"year": "2024.5"}, {"source": "lottery"}, {"use": "?"}):
        assert set(fields_of(admin.get(FUNDING, bad))) == set(bad)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"budgeted": None}, "budgeted", "至少填写一项"),
    ({"budgeted": "a lot"}, "budgeted", "预算金额"),
    ({"budgeted": "-5"}, "budgeted", "预算金额"),
    ({"budgeted": "1.234"}, "budgeted", "预算金额"),
    ({"budgeted": "1e20"}, "budgeted", "预算金额"),
    ({"source": "lottery"}, "source", "来源"),
    ({"region": "nowhere"}, "region", "所属区划"),
    ({"purpose": ""}, "purpose", "用途"),
    ({"year": None}, "year", "年度"),
])
def test_bad_funding_is_a_400_naming_the_field(admin, change, field, words):
    data = {"region": "500118", "year": 2024, "source": "fiscal_budget", "budgeted": "1000", "purpose": "工作经费",
            **change}
    fields = fields_of(admin.post(FUNDING, data, format="json"))
    assert field in fields and words in fields[field][0]
    assert not FundingRecord.objects.exists()


def test_who_may_record_funding(api_for, yc_education):
    data = {"region": "500118", "year": 2024, "source": "self_raised", "received": "5000", "purpose": "讲座"}
    assert api_for("yc_reviewer").post(FUNDING, data, format="json").status_code == 403
    assert api_for("yc_admin").post(FUNDING, {**data, "region": "500000"}, format="json").status_code == 403
    liaison = api_for("yc_liaison")
    assert liaison.post(FUNDING, data, format="json").status_code == 403  # no unit: the region's to record
    response = liaison.post(FUNDING, {**data, "unit": yc_education.pk}, format="json")
    assert response.status_code == 201, response.json()
