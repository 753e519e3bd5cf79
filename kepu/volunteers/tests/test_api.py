"""The volunteer API: scope per persona, filters, registration, teams and members, records, requests."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kepu.activities.tests.factories import ActivityFactory
from kepu.core.models import AuditEntry

from ..models import Membership, RecordStatus, RequestStatus, ServiceRecord, Volunteer
from .factories import (
    add_member,
    make_id_number,
    make_record,
    make_request,
    make_team,
    make_volunteer,
)

pytestmark = pytest.mark.django_db

VOLUNTEERS, TEAMS = "/api/v1/volunteers/", "/api/v1/volunteer-teams/"
RECORDS, REQUESTS = "/api/v1/service-records/", "/api/v1/service-requests/"
ENDPOINTS = [VOLUNTEERS, TEAMS, RECORDS, REQUESTS]


@pytest.fixture
def admin(api_for):
    return api_for("yc_admin")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def world(shapingba):
    """A volunteer, a team, a record and a request in 永川区, and the same in 沙坪坝区."""
    out = {}
    for key, region in (("yc", "500118"), ("spb", shapingba)):
        team = make_team(name=f"{key}科技志愿服务队", region=region)
        volunteer = make_volunteer(name=f"{key}志愿者", region=region, teams=[team])
        out[key] = {"team": team, "volunteer": volunteer, "record": make_record(volunteer, team=team),
                    "request": make_request(region=region)}
    return out


@pytest.fixture
def small_stars(settings):
    settings.KEPU_VOLUNTEER_STAR_HOURS = [3, 6]


# --- scope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "kind"), [(VOLUNTEERS, "volunteer"), (TEAMS, "team"), (RECORDS, "record"),
                                                 (REQUESTS, "request")])
def test_each_list_holds_the_callers_scope_only(api_for, world, endpoint, kind):
    yc, spb = world["yc"][kind].pk, world["spb"][kind].pk
    assert ids(api_for("yc_admin").get(endpoint)) == {yc}
    assert ids(api_for("spb_admin").get(endpoint)) == {spb}
    assert ids(api_for("city_admin").get(endpoint)) == {yc, spb}
    assert ids(api_for("platform_admin").get(endpoint)) == {yc, spb}
    assert api_for("yc_admin").get(f"{endpoint}{yc}/").status_code == 200
    response = api_for("yc_admin").get(f"{endpoint}{spb}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_for("yc_admin").get(f"{endpoint}999999/").json() == response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_citizens_and_outsiders_are_refused_and_strangers_must_sign_in(api_for, world, endpoint):
    for persona in ("citizen", "outsider"):
        response = api_for(persona).get(endpoint)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    response = api_for("anonymous").get(endpoint)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert set(response.json()) == {"message", "code", "extra"}


def test_a_team_leader_without_a_staff_role_sees_their_team(api_for, django_user_model, world):
    team = world["yc"]["team"]
    user = django_user_model.objects.create_user(username="leader", password="x")
    leader = make_volunteer(name="队长", user=user)
    add_member(team, leader, leader=True)
    client = api_for(user)
    assert ids(client.get(VOLUNTEERS)) == {leader.pk, world["yc"]["volunteer"].pk}
    assert ids(client.get(TEAMS)) == {team.pk}
    assert ids(client.get(RECORDS)) == {world["yc"]["record"].pk}
    assert ids(client.get(REQUESTS)) == {world["yc"]["request"].pk}


def test_a_liaison_sees_their_units_teams_only(api_for, world, yc_education):
    team = make_team(name="教委科技志愿服务队", unit=yc_education)
    assert ids(api_for("yc_liaison").get(TEAMS)) == {team.pk}


# --- volunteers -------------------------------------------------------------------------------------------


def test_a_volunteer_carries_masked_numbers_only(admin, yc_education):
    team = make_team(name="永川区科普讲师团")
    volunteer = make_volunteer(name="王芳", gender="female", birth_date=datetime.date(1985, 3, 8),
                               id_number=make_id_number(datetime.date(1985, 3, 8), "female", serial=41),
                               phone="13912345678", unit=yc_education, teams=[team], skills="天文",
                               education="master")
    make_record(volunteer, team=team, hours="2.5")
    item = admin.get(VOLUNTEERS).json()["results"][0]
    id_number = make_id_number(datetime.date(1985, 3, 8), "female", serial=41)
    assert item["id"] == volunteer.pk and item["number"] == volunteer.number
    assert (item["name"], item["gender"], item["birth_date"]) == ("王芳", "female", "1985-03-08")
    assert item["age"] == volunteer.age_on(timezone.localdate())
    assert item["id_number_masked"] == id_number[:4] + "*" * 10 + id_number[-4:]
    assert item["phone_masked"] == "139****5678"
    assert (item["region"], item["region_name"]) == ("500118", "永川区")
    assert (item["unit"], item["unit_name"]) == (yc_education.pk, "永川区教委")
    assert item["teams"] == [{"id": team.pk, "name": "永川区科普讲师团", "role": "member"}]
    assert (item["hours"], item["stars"], item["skills"], item["education"]) == ("2.5", 0, "天文", "master")
    assert item["left_on"] is None and item["registered_on"] == timezone.localdate().isoformat()
    assert not {"id_number", "phone", "guardian_phone", "id_encrypted", "id_hash", "phone_hash"} & set(item)


def test_volunteer_filters(api_for, yc_town, small_stars):
    team = make_team()
    town = make_volunteer(name="李雷", region=yc_town, teams=[team], phone="13700001111")
    old = make_volunteer(name="韩梅梅", registered_on=datetime.date(2020, 3, 1))
    id_number = make_id_number(serial=999)
    spb = make_volunteer(name="张伟", region="500106", id_number=id_number)
    make_record(old, hours="4", date=datetime.date(2024, 6, 1))
    make_record(town, hours="1", date=datetime.date(2024, 6, 1), verify=False)
    client = api_for("city_admin")
    assert ids(client.get(VOLUNTEERS)) == {town.pk, old.pk, spb.pk}
    assert ids(client.get(VOLUNTEERS, {"region": "500118"})) == {town.pk, old.pk}
    assert ids(client.get(VOLUNTEERS, {"region": "500118001"})) == {town.pk}
    assert ids(client.get(VOLUNTEERS, {"region": "nope"})) == set()
    assert ids(client.get(VOLUNTEERS, {"team": team.pk})) == {town.pk}
    assert ids(client.get(VOLUNTEERS, {"as_of": "2021-12-31"})) == {old.pk}
    assert ids(client.get(VOLUNTEERS, {"active_year": 2024})) == {old.pk}  # town's record is not verified
    assert ids(client.get(VOLUNTEERS, {"active_year": 2023})) == set()
    assert ids(client.get(VOLUNTEERS, {"stars": 1})) == {old.pk}
    assert ids(client.get(VOLUNTEERS, {"q": "梅梅"})) == {old.pk}
    assert ids(client.get(VOLUNTEERS, {"q": town.number})) == {town.pk}
    assert ids(client.get(VOLUNTEERS, {"q": id_number.lower()})) == {spb.pk}
    assert ids(client.get(VOLUNTEERS, {"q": "137 0000 1111"})) == {town.pk}
    assert ids(api_for("yc_admin").get(VOLUNTEERS, {"q": id_number})) == set()  # found only within scope
    for bad in ({"as_of": "31/12/2021"}, {"active_year": "abc"}, {"stars": "x"}):
        response = client.get(VOLUNTEERS, bad)
        assert response.status_code == 400 and set(bad) <= set(response.json()["extra"]["fields"])


def registration(**extra) -> dict:
    birth = datetime.date(1992, 7, 1)
    data = {"name": "赵敏", "gender": "female", "birth_date": birth.isoformat(),
            "id_number": make_id_number(birth, "female", serial=77), "phone": "13811112222", "region": "500118",
            "skills": "科普讲解", "education": "bachelor"}
    data.update(extra)
    return data


def test_a_region_admin_registers_a_volunteer(admin, personas):
    team = make_team()
    response = admin.post(VOLUNTEERS, registration(team_ids=[team.pk]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("500118") and body["phone_masked"] == "138****2222"
    assert body["teams"] == [{"id": team.pk, "name": team.name, "role": "member"}]
    assert "id_number" not in body and "phone" not in body
    volunteer = Volunteer.objects.get(pk=body["id"])
    assert volunteer.id_masked == body["id_number_masked"]
    assert AuditEntry.objects.filter(action="volunteer.registered", object_id=str(volunteer.pk)).exists()


def test_a_bad_check_digit_is_a_400_naming_the_id_number(admin):
    good = registration()["id_number"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = admin.post(VOLUNTEERS, registration(id_number=bad), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["extra"]["fields"]) == ["id_number"]
    assert "身份证号码" in body["message"] and "校验位" in body["message"]
    assert not Volunteer.objects.exists()


def test_a_duplicate_id_number_is_a_400(admin):
    first = admin.post(VOLUNTEERS, registration(), format="json")
    assert first.status_code == 201
    response = admin.post(VOLUNTEERS, registration(name="赵敏敏", phone="13811113333"), format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()["extra"]["fields"]
    assert first.json()["number"] in response.json()["message"] and "已登记" in response.json()["message"]
    assert Volunteer.objects.count() == 1


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"birth_date": "1992-07-02"}, "birth_date", "出生日期"),
    ({"gender": "male"}, "gender", "性别"),
    ({"phone": "12345"}, "phone", "手机号码"),
    ({"name": ""}, "name", ""),
    ({"region": "500106"}, "region", ""),  # another district: not a region the caller may name
    ({"education": "phd"}, "education", ""),
])
def test_bad_registrations_are_400s_naming_the_field(admin, change, field, words):
    response = admin.post(VOLUNTEERS, registration(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert words in response.json()["message"]
    assert not Volunteer.objects.exists()


def test_a_minor_needs_a_guardian_and_errors_name_the_field_in_chinese(admin):
    birth = timezone.localdate().replace(year=timezone.localdate().year - 15, month=1, day=1)
    data = registration(birth_date=birth.isoformat(), id_number=make_id_number(birth, "female", serial=5))
    response = admin.post(VOLUNTEERS, data, format="json")
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"guardian_name", "guardian_phone", "guardian_consent"}
    response = admin.post(VOLUNTEERS, {**data, "guardian_name": "赵父", "guardian_phone": "123",
                                       "guardian_consent": True}, format="json")
    assert response.json()["extra"]["fields"] == {"guardian_phone": ["监护人电话：应为 11 位手机号码"]}
    response = admin.post(VOLUNTEERS, {**data, "guardian_name": "赵父", "guardian_phone": "13900001111",
                                       "guardian_consent": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["guardian_phone_masked"] == "139****1111"
    assert response.json()["guardian_consent_on"] == timezone.localdate().isoformat()


def test_a_region_admin_cannot_register_above_their_district(admin):
    response = admin.post(VOLUNTEERS, registration(region="500000"), format="json")  # the city: visible, not theirs
    assert response.status_code == 403
    assert not Volunteer.objects.exists()


def test_who_may_register(api_for):
    assert api_for("yc_reviewer").post(VOLUNTEERS, registration(), format="json").status_code == 403
    assert api_for("citizen").post(VOLUNTEERS, registration(), format="json").status_code == 403
    assert api_for("anonymous").post(VOLUNTEERS, registration(), format="json").status_code == 401
    assert not Volunteer.objects.exists()


def test_update_changes_fields_and_rechecks_the_id(admin, api_for):
    volunteer = make_volunteer(name="孙悟空")
    url = f"{VOLUNTEERS}{volunteer.pk}/"
    response = admin.patch(url, {"skills": "航天科普", "phone": "13655556666", "registered_on": "2000-01-01"},
                           format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["skills"], body["phone_masked"]) == ("航天科普", "136****6666")
    assert body["registered_on"] == volunteer.registered_on.isoformat()  # history is not edited
    response = admin.patch(url, {"birth_date": "1991-01-01"}, format="json")
    assert response.status_code == 400 and "birth_date" in response.json()["extra"]["fields"]
    assert api_for("yc_reviewer").patch(url, {"skills": "x"}, format="json").status_code == 403
    assert api_for("spb_admin").patch(url, {"skills": "x"}, format="json").status_code == 404
    assert admin.put(url, {"skills": "x"}, format="json").status_code == 405
    assert admin.delete(url).status_code == 405
    volunteer.refresh_from_db()
    assert volunteer.skills == "航天科普" and volunteer.birth_date == datetime.date(1990, 5, 17)


def test_leave(admin, api_for):
    volunteer = make_volunteer()
    url = f"{VOLUNTEERS}{volunteer.pk}/leave/"
    assert api_for("yc_reviewer").post(url).status_code == 403
    response = admin.post(url, {}, format="json")
    assert (response.status_code, response.json()["left_on"]) == (200, timezone.localdate().isoformat())
    response = admin.post(url, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "already_left")
    other = make_volunteer(registered_on=datetime.date(2024, 1, 1))
    response = admin.post(f"{VOLUNTEERS}{other.pk}/leave/", {"left_on": "2023-12-31"}, format="json")
    assert response.json()["extra"]["fields"] == {"left_on": ["注销日期不能早于注册日期。"]}
    response = admin.post(f"{VOLUNTEERS}{other.pk}/leave/", {"left_on": "2024-06-30"}, format="json")
    assert response.json()["left_on"] == "2024-06-30"


# --- teams ---------------------------------------------------------------------------------------------------


def test_team_items_and_filters(api_for, yc_town, yc_education):
    parent = make_team(name="永川区科技志愿服务总队", founded_on=datetime.date(2019, 1, 1))
    child = make_team(name="中山路分队", region=yc_town, parent=parent, unit=yc_education)
    spb = make_team(name="沙坪坝科技志愿服务队", region="500106")
    user_leader = make_volunteer(name="队长甲")
    add_member(parent, user_leader, leader=True)
    add_member(parent, make_volunteer(name="队员乙"))
    client = api_for("city_admin")
    item = client.get(f"{TEAMS}{parent.pk}/").json()
    assert (item["name"], item["region"], item["region_name"], item["unit_name"]) == (
        "永川区科技志愿服务总队", "500118", "永川区", "永川区科协")
    assert (item["member_count"], item["parent"], item["founded_on"]) == (2, None, "2019-01-01")
    assert item["leaders"] == [{"volunteer": user_leader.pk, "number": user_leader.number, "name": "队长甲"}]
    assert client.get(f"{TEAMS}{child.pk}/").json()["parent_name"] == "永川区科技志愿服务总队"
    assert ids(client.get(TEAMS)) == {parent.pk, child.pk, spb.pk}
    assert ids(client.get(TEAMS, {"region": "500118"})) == {parent.pk, child.pk}
    assert ids(client.get(TEAMS, {"region": "500118001"})) == {child.pk}
    assert ids(client.get(TEAMS, {"unit": yc_education.pk})) == {child.pk}
    assert ids(client.get(TEAMS, {"parent": parent.pk})) == {child.pk}
    assert ids(client.get(TEAMS, {"q": "分队"})) == {child.pk}
    assert ids(client.get(TEAMS, {"as_of": "2018-12-31", "region": "500118"})) == {child.pk}  # no founding date
    assert client.get(TEAMS, {"parent": "x"}).status_code == 400


def test_found_and_change_a_team(admin, api_for, yc_education, spb_education):
    data = {"name": "永川区青少年科普服务队", "region": "500118", "unit": yc_education.pk, "fields": "青少年科普"}
    response = admin.post(TEAMS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["member_count"], body["leaders"], body["dissolved_on"]) == (0, [], None)
    response = admin.post(TEAMS, data, format="json")
    assert response.status_code == 400  # the name is taken in the region
    response = admin.post(TEAMS, {**data, "name": "别的队", "unit": spb_education.pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()["extra"]["fields"]
    assert api_for("yc_reviewer").post(TEAMS, {**data, "name": "审核员的队"}, format="json").status_code == 403
    url = f"{TEAMS}{body['id']}/"
    response = admin.patch(url, {"description": "面向中小学", "dissolved_on": "2030-01-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["description"], response.json()["dissolved_on"]) == ("面向中小学", "2030-01-01")
    response = admin.patch(url, {"founded_on": "2031-01-01"}, format="json")
    assert response.json()["extra"]["fields"] == {"dissolved_on": ["解散日期不能早于成立日期。"]}
    response = admin.patch(url, {"parent": body["id"]}, format="json")
    assert response.status_code == 400 and "上级服务队" in response.json()["message"]
    assert api_for("yc_reviewer").patch(url, {"description": "x"}, format="json").status_code == 403
    assert api_for("spb_admin").patch(url, {"description": "x"}, format="json").status_code == 404


def test_team_members(admin, api_for):
    team = make_team()
    volunteer, other = make_volunteer(name="成员甲"), make_volunteer(name="成员乙", region="500106")
    url = f"{TEAMS}{team.pk}/members/"
    response = admin.post(url, {"volunteer": volunteer.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["number"], response.json()["role"]) == (volunteer.number, "member")
    response = admin.post(url, {"volunteer": volunteer.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_member")
    response = admin.post(url, {"volunteer": other.pk}, format="json")  # not visible to 永川区
    assert response.status_code == 400 and "volunteer" in response.json()["extra"]["fields"]
    assert api_for("yc_reviewer").post(url, {"volunteer": volunteer.pk}, format="json").status_code == 403
    listed = admin.get(url).json()["results"]
    assert [(m["name"], m["role"]) for m in listed] == [("成员甲", "member")]
    assert api_for("yc_reviewer").delete(f"{url}{volunteer.pk}/").status_code == 403
    assert admin.delete(f"{url}{volunteer.pk}/").status_code == 204
    assert not Membership.objects.filter(team=team).exists()
    assert admin.delete(f"{url}{volunteer.pk}/").status_code == 404
    assert api_for("spb_admin").get(url).status_code == 404


# --- service records ------------------------------------------------------------------------------------------


def test_record_items_and_filters(api_for, personas):
    team = make_team()
    volunteer = make_volunteer(name="周杰")
    other = make_volunteer(name="吴磊")
    activity = ActivityFactory(is_volunteer_service=True, start=timezone.now() - datetime.timedelta(days=3))
    old = make_record(volunteer, team=team, hours="3", date=datetime.date(2023, 5, 1))
    pending = make_record(other, hours="1.5", verify=False)
    served = make_record(other, activity=activity, hours="2")
    spb = make_record(make_volunteer(region="500106"))
    client = api_for("city_admin")
    item = client.get(f"{RECORDS}{old.pk}/").json()
    assert (item["volunteer"], item["volunteer_number"], item["volunteer_name"]) == (
        volunteer.pk, volunteer.number, "周杰")
    assert (item["team"], item["team_name"], item["hours"], item["status"], item["source"]) == (
        team.pk, team.name, "3.0", "verified", "manual")
    assert (item["region"], item["date"], item["recorded_by"], item["verified_by"]) == (
        "500118", "2023-05-01", None, None)
    assert "phone_masked" not in item and "id_number_masked" not in item
    assert client.get(f"{RECORDS}{served.pk}/").json()["activity_title"] == activity.title
    assert ids(client.get(RECORDS)) == {old.pk, pending.pk, served.pk, spb.pk}
    assert ids(client.get(RECORDS, {"region": "500118"})) == {old.pk, pending.pk, served.pk}
    assert ids(client.get(RECORDS, {"year": 2023})) == {old.pk}
    assert ids(client.get(RECORDS, {"status": "pending"})) == {pending.pk}
    assert ids(client.get(RECORDS, {"team": team.pk})) == {old.pk}
    assert ids(client.get(RECORDS, {"volunteer": other.pk})) == {pending.pk, served.pk}
    assert ids(client.get(RECORDS, {"activity": activity.pk})) == {served.pk}
    assert client.get(RECORDS, {"status": "done"}).status_code == 400


def test_record_then_verify_moves_hours_and_stars(admin, api_for, personas, small_stars):
    team = make_team()
    volunteer = make_volunteer(teams=[team])
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    response = admin.post(RECORDS, {"volunteer": volunteer.pk, "team": team.pk, "date": day, "hours": "2.5",
                                    "content": "社区科普讲座", "served_people": 40}, format="json")
    assert response.status_code == 201, response.json()
    record = response.json()
    assert (record["status"], record["recorded_by"], record["hours"]) == ("pending", "yc_admin", "2.5")
    volunteer.refresh_from_db()
    assert (volunteer.hours, volunteer.stars) == (0, 0)
    assert api_for("yc_reviewer").post(f"{RECORDS}{record['id']}/verify/").status_code == 403
    response = admin.post(f"{RECORDS}{record['id']}/verify/", {"quality": "excellent"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["verified_by"], response.json()["quality"]) == (
        "verified", "yc_admin", "excellent")
    response = admin.post(f"{RECORDS}{record['id']}/verify/")
    assert (response.status_code, response.json()["code"]) == (400, "wrong_status")
    response = admin.post(RECORDS, {"volunteer": volunteer.pk, "team": team.pk, "date": day, "hours": 1,
                                    "content": "展馆讲解", "verify": True}, format="json")
    assert response.json()["status"] == "verified"
    body = admin.get(f"{VOLUNTEERS}{volunteer.pk}/").json()
    assert (body["hours"], body["stars"]) == ("3.5", 1)
    response = admin.post(f"{RECORDS}{record['id']}/reject/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["extra"]["fields"]
    response = admin.post(f"{RECORDS}{record['id']}/reject/", {"reason": "时长有误"}, format="json")
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", "时长有误")
    body = admin.get(f"{VOLUNTEERS}{volunteer.pk}/").json()
    assert (body["hours"], body["stars"]) == ("1.0", 0)


@pytest.mark.parametrize(("change", "field"), [
    ({"hours": "30"}, "hours"),
    ({"hours": "abc"}, "hours"),
    ({"date": "2999-01-01"}, "date"),
    ({"content": ""}, "content"),
    ({"quality": "great"}, "quality"),
    ({"volunteer": 999999}, "volunteer"),
])
def test_bad_records_are_400s_naming_the_field(admin, change, field):
    volunteer = make_volunteer()
    data = {"volunteer": volunteer.pk, "date": "2024-03-01", "hours": "2", "content": "科普讲解", **change}
    response = admin.post(RECORDS, data, format="json")
    assert response.status_code == 400 and field in response.json()["extra"]["fields"]
    assert not ServiceRecord.objects.exists()


def test_an_activity_is_credited_once(admin):
    volunteer = make_volunteer()
    activity = ActivityFactory(is_volunteer_service=True)
    data = {"volunteer": volunteer.pk, "activity": activity.pk, "date": "2024-03-01", "hours": "2", "content": "讲解"}
    assert admin.post(RECORDS, data, format="json").status_code == 201
    response = admin.post(RECORDS, data, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_record")
    assert ServiceRecord.objects.count() == 1


def test_records_out_of_scope_cannot_be_written(api_for):
    volunteer = make_volunteer()
    data = {"volunteer": volunteer.pk, "date": "2024-03-01", "hours": "2", "content": "科普讲解"}
    assert api_for("spb_admin").post(RECORDS, data, format="json").status_code == 400  # cannot name the volunteer
    assert api_for("yc_reviewer").post(RECORDS, data, format="json").status_code == 403
    record = make_record(volunteer, verify=False)
    assert api_for("spb_admin").post(f"{RECORDS}{record.pk}/verify/").status_code == 404
    assert api_for("spb_admin").post(f"{RECORDS}{record.pk}/reject/", {"reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING and ServiceRecord.objects.count() == 1


# --- 你点我送 requests ---------------------------------------------------------------------------------------


def need(**extra) -> dict:
    today = timezone.localdate()
    data = {"topic": "小学生航天科普", "audience": "小学生", "requester_name": "中山路小学", "contact_name": "刘老师",
            "contact_phone": "13522223333", "region": "500118001", "place": "学校礼堂",
            "window_start": today.isoformat(), "window_end": (today + datetime.timedelta(days=20)).isoformat(),
            "expected_size": 120, "target_group": "youth"}
    data.update(extra)
    return data


def test_post_a_need_with_a_masked_phone(admin):
    response = admin.post(REQUESTS, need(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["contact_phone_masked"], body["region"]) == ("open", "135****3333", "500118001")
    assert body["target_group"] == "youth" and body["response_hours"] is None and "contact_phone" not in body
    response = admin.post(REQUESTS, need(contact_phone="555"), format="json")
    assert response.json()["extra"]["fields"] == {"contact_phone": ["联系电话：应为 11 位手机号码"]}
    response = admin.post(REQUESTS, need(window_end="2000-01-01"), format="json")
    assert response.status_code == 400 and "window_end" in response.json()["extra"]["fields"]
    assert admin.post(REQUESTS, need(region="500106"), format="json").status_code == 400


def test_claim_once_then_release_and_cancel(admin, api_for):
    team, other = make_team(name="甲队"), make_team(name="乙队")
    spb_team = make_team(name="沙坪坝队", region="500106")
    request = make_request(region="500118001")
    url = f"{REQUESTS}{request.pk}/"
    response = admin.post(f"{url}claim/", {"team": team.pk}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["team"], body["team_name"]) == ("claimed", team.pk, "甲队")
    assert body["claimed_at"] and body["response_hours"] is not None
    response = admin.post(f"{url}claim/", {"team": other.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_claimed")
    response = api_for("city_admin").post(f"{url}claim/", {"team": spb_team.pk}, format="json")
    assert response.status_code == 403  # a team far from the need
    assert admin.post(f"{url}cancel/", {"reason": "x"}, format="json").status_code == 403  # claimed already
    response = admin.post(f"{url}release/", {"reason": "人手不足"}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["team"]) == (200, "open", None)
    response = admin.post(f"{url}cancel/", {"reason": "学校改期"}, format="json")
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "学校改期")
    assert api_for("spb_admin").post(f"{url}claim/", {"team": spb_team.pk}, format="json").status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_request_filters(api_for):
    team = make_team()
    town = make_request(region="500118001", topic="社区讲座")
    claimed = make_request(topic="校园科普")
    spb = make_request(region="500106")
    api_for("yc_admin").post(f"{REQUESTS}{claimed.pk}/claim/", {"team": team.pk}, format="json")
    client = api_for("city_admin")
    assert ids(client.get(REQUESTS)) == {town.pk, claimed.pk, spb.pk}
    assert ids(client.get(REQUESTS, {"region": "500118"})) == {town.pk, claimed.pk}
    assert ids(client.get(REQUESTS, {"region": "500118001"})) == {town.pk}
    assert ids(client.get(REQUESTS, {"status": "claimed"})) == {claimed.pk}
    assert ids(client.get(REQUESTS, {"team": team.pk})) == {claimed.pk}
    assert client.get(REQUESTS, {"status": "x"}).status_code == 400


@pytest.mark.parametrize(("endpoint", "names"), [
    (VOLUNTEERS, ["team", "active_year", "stars", "as_of"]),
    (TEAMS, ["unit", "parent", "as_of"]),
    (RECORDS, ["year", "team", "volunteer", "activity", "status"]),
    (REQUESTS, ["team", "status"]),
])
def test_bad_filter_values_are_400s_naming_the_filter(admin, world, endpoint, names):
    for name in names:
        for bad in ("99999999999999999999999", "1.5", "abc"):
            response = admin.get(endpoint, {name: bad})
            assert response.status_code == 400, (name, bad)
            assert name in response.json()["extra"]["fields"]
    team = world["yc"]["team"]
    assert admin.delete(f"{TEAMS}{team.pk}/members/99999999999999999999999/").status_code == 404
    assert admin.get(f"{endpoint}99999999999999999999999/").status_code == 404


# --- schema ----------------------------------------------------------------------------------------------------


def test_the_schema_lists_the_volunteer_endpoints(client_for):
    schema = client_for("yc_admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in [VOLUNTEERS, "/api/v1/volunteers/{id}/leave/", TEAMS, "/api/v1/volunteer-teams/{id}/members/",
                 "/api/v1/volunteer-teams/{id}/members/{volunteer_id}/", RECORDS,
                 "/api/v1/service-records/{id}/verify/", "/api/v1/service-records/{id}/reject/", REQUESTS,
                 "/api/v1/service-requests/{id}/claim/", "/api/v1/service-requests/{id}/release/",
                 "/api/v1/service-requests/{id}/cancel/"]:
        assert path in schema["paths"], path
    assert {"put", "delete"}.isdisjoint(schema["paths"]["/api/v1/volunteers/{id}/"])
    volunteer = schema["components"]["schemas"]["Volunteer"]["properties"]
    assert "id_number" not in volunteer and "phone" not in volunteer and "id_number_masked" in volunteer


def test_hours_are_decimal_strings(admin):
    volunteer = make_volunteer()
    make_record(volunteer, hours=Decimal("1.5"))
    assert admin.get(RECORDS).json()["results"][0]["hours"] == "1.5"
    assert admin.get(VOLUNTEERS).json()["results"][0]["hours"] == "1.5"
