"""The activities API: list and filters, planning, lifecycle steps, registration, check-in, theme days."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from kepu.activities import services
from kepu.activities.models import (
    Activity,
    CheckIn,
    ParticipationReport,
    Registration,
    TargetGroup,
    ThemeDay,
    ThemeDayDate,
)
from kepu.core.models import AuditEntry
from kepu.orgs.models import Unit

from .factories import ActivityFactory, finished, published

URL = "/api/v1/activities/"


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(api_for):
    return api_for("yc_admin")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def plan(**extra) -> dict:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)
    data = {"title": "青少年科学实验课", "kind": "lecture", "region": "500118", "start": start.isoformat(),
            "end": (start + datetime.timedelta(hours=2)).isoformat(), "capacity": 30,
            "registration_required": True}
    data.update(extra)
    return data


# --- list and filters -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_items_carry_the_activity_fields(admin):
    day = ThemeDay.objects.get(name="世界水日")
    youth = TargetGroup.objects.get(key="youth")
    activity = ActivityFactory(capacity=20, confirmed_count=5, theme_days=[day], target_groups=[youth],
                               registration_required=True)
    item = admin.get(URL).json()["results"][0]
    assert item["id"] == activity.pk
    assert (item["title"], item["kind"], item["status"]) == (activity.title, "lecture", "draft")
    assert (item["region"], item["region_name"]) == ("500118", "永川区")
    assert (item["organizer"], item["organizer_name"]) == (activity.organizer_id, "永川区科协")
    assert (item["capacity"], item["confirmed_count"], item["seats_left"]) == (20, 5, 15)
    assert (item["registration_required"], item["is_volunteer_service"]) == (True, False)
    assert item["theme_days"] == [day.pk] and item["target_groups"] == ["youth"]
    assert item["links"] == {"public": None}  # a draft has no public page
    assert {"start", "end", "venue", "description", "co_organizers"} <= set(item)


@pytest.mark.django_db
def test_a_public_activity_links_to_its_public_page(admin):
    activity = published()
    links = admin.get(f"{URL}{activity.pk}/").json()["links"]
    assert links["public"] == f"http://testserver/events/{activity.pk}/"


@pytest.mark.django_db
def test_filters(api_for, yc_education, yc_town):
    water = ThemeDay.objects.get(name="世界水日")
    farmers = TargetGroup.objects.get(key="farmers")
    now = timezone.now().replace(microsecond=0)
    lecture = ActivityFactory(title="节水讲座", theme_days=[water], start=now.replace(year=2023))
    town = ActivityFactory(region=yc_town, kind="exhibition", target_groups=[farmers], is_volunteer_service=True,
                           venue="中山路街道文化站")
    school = ActivityFactory(organizer=yc_education, status="published")
    co = ActivityFactory(co_organizers=[yc_education])
    spb = ActivityFactory(region="500106", organizer=Unit.objects.get(region__code="500106", name="区教委"))
    client = api_for("city_admin")
    assert ids(client.get(URL)) == {lecture.pk, town.pk, school.pk, co.pk, spb.pk}
    assert ids(client.get(URL, {"region": "500118"})) == {lecture.pk, town.pk, school.pk, co.pk}
    assert ids(client.get(URL, {"region": "500118001"})) == {town.pk}
    assert ids(client.get(URL, {"region": "nope"})) == set()
    assert ids(client.get(URL, {"unit": yc_education.pk})) == {school.pk, co.pk}
    assert ids(client.get(URL, {"kind": "exhibition"})) == {town.pk}
    assert ids(client.get(URL, {"theme": water.pk})) == {lecture.pk}
    assert ids(client.get(URL, {"group": "farmers"})) == {town.pk}
    assert ids(client.get(URL, {"status": "published"})) == {school.pk}
    assert ids(client.get(URL, {"year": 2023})) == {lecture.pk}
    assert ids(client.get(URL, {"q": "文化站"})) == {town.pk}
    assert ids(client.get(URL, {"q": "节水"})) == {lecture.pk}
    assert ids(client.get(URL, {"volunteer_service": "true"})) == {town.pk}
    day = lecture.start.astimezone(timezone.get_current_timezone()).date()
    assert ids(client.get(URL, {"start": day.isoformat(), "end": day.isoformat()})) == {lecture.pk}
    assert ids(client.get(URL, {"end": (day - datetime.timedelta(days=1)).isoformat()})) == set()
    response = client.get(URL, {"kind": "party"})
    assert response.status_code == 400 and "kind" in response.json()["extra"]["fields"]
    assert client.get(URL, {"year": "abc"}).status_code == 400


# --- planning ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_region_admin_plans_an_activity(admin, personas, yc_education):
    water = ThemeDay.objects.get(name="世界水日")
    response = admin.post(URL, plan(organizer=yc_education.pk, theme_days=[water.pk], target_groups=["youth"],
                                    venue="永川区科技馆", is_volunteer_service=True), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["organizer"], body["organizer_name"]) == ("draft", yc_education.pk, "永川区教委")
    assert (body["seats_left"], body["theme_days"], body["target_groups"]) == (30, [water.pk], ["youth"])
    activity = Activity.objects.get(pk=body["id"])
    assert (activity.region_path, activity.created_by) == ("500000/500118/", personas.yc_admin)
    assert AuditEntry.objects.filter(action="activity.created", object_id=str(activity.pk)).exists()


@pytest.mark.django_db
def test_a_liaison_plans_for_their_unit_by_default(api_for, yc_education):
    response = api_for("yc_liaison").post(URL, plan(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["organizer"] == yc_education.pk


@pytest.mark.django_db
def test_the_organizer_is_required_when_it_cannot_be_guessed(admin):
    response = admin.post(URL, plan(), format="json")
    assert response.status_code == 400
    assert "organizer" in response.json()["extra"]["fields"]
    assert not Activity.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "party"}, "kind"),
    ({"region": "999999"}, "region"),
    ({"title": ""}, "title"),
    ({"capacity": -1}, "capacity"),
    ({"start": "not a date"}, "start"),
    ({"theme_days": [999999]}, "theme_days"),
    ({"target_groups": ["aliens"]}, "target_groups"),
])
def test_bad_input_is_a_400_naming_the_field(admin, yc_education, change, field):
    response = admin.post(URL, plan(organizer=yc_education.pk, **change), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["extra"]["fields"]
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_end_before_start_is_a_400_naming_end(admin, yc_education):
    data = plan(organizer=yc_education.pk)
    data["end"], data["start"] = data["start"], data["end"]
    response = admin.post(URL, data, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"end": ["结束时间不能早于开始时间。"]}
    assert response.json()["message"] == "结束时间不能早于开始时间。"


@pytest.mark.django_db
def test_units_and_regions_out_of_scope_cannot_be_used(admin, api_for, spb_education):
    response = admin.post(URL, plan(organizer=spb_education.pk), format="json")
    assert response.status_code == 400 and "organizer" in response.json()["extra"]["fields"]
    city_unit = Unit.objects.get(region__code="500000", name="市科协")
    response = admin.post(URL, plan(organizer=city_unit.pk), format="json")
    assert response.status_code == 400  # the city's units are not the district's to organize for
    yc_association = Unit.objects.get(region__code="500118", name="区科协")
    response = admin.post(URL, plan(organizer=yc_association.pk, region="500000"), format="json")
    assert response.status_code == 403  # the city is visible (above), but not the district's to plan in
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_a_co_organizer_may_be_a_unit_of_the_city(admin, yc_education):
    city = Unit.objects.get(region__code="500000", name="市科协")
    response = admin.post(URL, plan(organizer=yc_education.pk, co_organizers=[city.pk]), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["co_organizers"] == [city.pk]


@pytest.mark.django_db
def test_update_changes_fields_and_validates(admin):
    activity = ActivityFactory()
    response = admin.patch(f"{URL}{activity.pk}/", {"title": "改期后的讲座", "capacity": 50}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["seats_left"]) == ("改期后的讲座", 50)
    earlier = (activity.start - datetime.timedelta(days=1)).isoformat()
    response = admin.patch(f"{URL}{activity.pk}/", {"end": earlier}, format="json")
    assert response.status_code == 400 and "end" in response.json()["extra"]["fields"]
    activity.refresh_from_db()
    assert activity.title == "改期后的讲座" and activity.end > activity.start


@pytest.mark.django_db
def test_a_reported_activity_cannot_be_changed_and_nothing_is_deleted(admin):
    activity = finished(status="reported")
    response = admin.patch(f"{URL}{activity.pk}/", {"title": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "wrong_status")
    assert admin.delete(f"{URL}{activity.pk}/").status_code == 405
    assert Activity.objects.filter(pk=activity.pk).exists()


# --- lifecycle ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_then_cancel(admin):
    activity = ActivityFactory()
    response = admin.post(f"{URL}{activity.pk}/publish/")
    assert (response.status_code, response.json()["status"]) == (200, "published")
    response = admin.post(f"{URL}{activity.pk}/publish/")
    assert (response.status_code, response.json()["code"]) == (400, "wrong_status")
    response = admin.post(f"{URL}{activity.pk}/cancel/", {"reason": "暴雨预警"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "暴雨预警")
    assert admin.post(f"{URL}{activity.pk}/publish/").json()["code"] == "wrong_status"


@pytest.mark.django_db
def test_finish_needs_the_activity_to_have_started(admin):
    upcoming = published()
    response = admin.post(f"{URL}{upcoming.pk}/finish/")
    assert (response.status_code, response.json()["code"]) == (400, "not_started")
    past = published(start=timezone.now() - datetime.timedelta(hours=3), end=timezone.now() - datetime.timedelta(hours=1))
    assert admin.post(f"{URL}{past.pk}/finish/").json()["status"] == "finished"


@pytest.mark.django_db
def test_report_and_return_report(admin, personas):
    activity = finished()
    response = admin.post(f"{URL}{activity.pk}/report/")
    assert (response.status_code, response.json()["code"]) == (400, "report_empty")
    services.report_save(actor=personas.yc_admin, activity=activity, narrative="",
                         counts={TargetGroup.objects.get(key="youth").pk: (40, 0)})
    assert admin.post(f"{URL}{activity.pk}/report/").json()["status"] == "reported"
    response = admin.post(f"{URL}{activity.pk}/return-report/", {"comment": " "}, format="json")
    assert response.status_code == 400 and "comment" in response.json()["extra"]["fields"]
    response = admin.post(f"{URL}{activity.pk}/return-report/", {"comment": "请补充照片"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "finished")
    assert ParticipationReport.objects.get(activity=activity).return_comment == "请补充照片"


# --- registration ---------------------------------------------------------------------------------------


def register(client, activity, phone="13800000001", name="张三", **extra):
    return client.post(f"{URL}{activity.pk}/registrations/", {"name": name, "phone": phone, **extra}, format="json")


@pytest.mark.django_db
def test_anyone_may_register_for_a_published_activity(api_for):
    activity = published(registration_required=True, capacity=10)
    response = register(api_for("anonymous"), activity, group="elderly")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["phone"], body["group"]) == ("confirmed", "138****0001", "elderly")
    registration = Registration.objects.get(pk=body["id"])
    assert body["token"] == registration.token and registration.user is None
    response = register(api_for("citizen"), activity, phone="13800000002")
    assert response.status_code == 201
    assert Registration.objects.get(pk=response.json()["id"]).user.username == "citizen"
    activity.refresh_from_db()
    assert activity.confirmed_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_registration_for_a_non_public_activity_is_a_404(api_for, status):
    activity = ActivityFactory(status=status, registration_required=True)
    for persona in ("anonymous", "yc_admin"):
        response = register(api_for(persona), activity)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    missing = api_for("anonymous").post(f"{URL}999999/registrations/", {"name": "张三", "phone": "13800000001"})
    assert missing.status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_a_full_activity_puts_people_on_the_waitlist(api_for):
    activity = published(registration_required=True, capacity=1)
    client = api_for("anonymous")
    assert register(client, activity, phone="13800000001").json()["status"] == "confirmed"
    assert register(client, activity, phone="13800000002").json()["status"] == "waitlisted"
    activity.refresh_from_db()
    assert (activity.confirmed_count, activity.seats_left) == (1, 0)


@pytest.mark.django_db
def test_the_same_phone_twice_is_a_409(api_for):
    activity = published(registration_required=True)
    client = api_for("anonymous")
    assert register(client, activity).status_code == 201
    response = register(client, activity, phone="138 0000 0001", name="张三丰")
    assert (response.status_code, response.json()["code"]) == (409, "already_registered")
    assert Registration.objects.count() == 1


@pytest.mark.django_db
def test_registration_validates(api_for):
    activity = published(registration_required=True)
    client = api_for("anonymous")
    response = register(client, activity, phone="12345")
    assert response.status_code == 400 and "phone" in response.json()["extra"]["fields"]
    response = client.post(f"{URL}{activity.pk}/registrations/", {"phone": "13800000001"}, format="json")
    assert response.status_code == 400 and "name" in response.json()["extra"]["fields"]
    response = register(client, activity, group="aliens")
    assert response.status_code == 400 and "group" in response.json()["extra"]["fields"]
    walk_in_only = published(registration_required=False)
    response = register(client, walk_in_only)
    assert (response.status_code, response.json()["code"]) == (400, "no_registration")
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_the_registration_list_is_for_the_organizers_staff(api_for):
    activity = published(registration_required=True, capacity=1)
    register(api_for("anonymous"), activity, phone="13800000001", name="张三")
    register(api_for("anonymous"), activity, phone="13900000002", name="李四")
    response = api_for("yc_admin").get(f"{URL}{activity.pk}/registrations/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["name"], r["phone"], r["status"]) for r in rows] == [
        ("张三", "138****0001", "confirmed"), ("李四", "139****0002", "waitlisted")]
    assert all("token" not in r and r["checked_in_at"] is None for r in rows)
    waiting = api_for("yc_admin").get(f"{URL}{activity.pk}/registrations/", {"status": "waitlisted"}).json()
    assert [r["name"] for r in waiting["results"]] == ["李四"]
    assert api_for("yc_admin").get(f"{URL}{activity.pk}/registrations/", {"status": "x"}).status_code == 400
    assert api_for("yc_reviewer").get(f"{URL}{activity.pk}/registrations/").status_code == 403
    assert api_for("spb_admin").get(f"{URL}{activity.pk}/registrations/").status_code == 404
    assert api_for("anonymous").get(f"{URL}{activity.pk}/registrations/").status_code == 401


# --- check-in ---------------------------------------------------------------------------------------------


def checkin(client, token, **extra):
    return client.post("/api/v1/checkins/", {"token": token, **extra}, format="json")


@pytest.fixture
def door():
    """A published activity with one seat: 张三 confirmed, 李四 waitlisted, 王五 cancelled."""
    activity = published(registration_required=True, capacity=1)
    people = {}
    for name, phone in [("张三", "13800000001"), ("李四", "13800000002"), ("王五", "13800000003")]:
        people[name] = services.registration_create(activity=activity, name=name, phone=phone)
    services.registration_cancel(registration=people["王五"])
    return activity, people


@pytest.mark.django_db
def test_checkin_outcomes_and_codes(admin, door, personas):
    activity, people = door
    response = checkin(admin, people["张三"].token, activity=activity.pk)
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["registration"]) == ("checked_in", {"name": "张三", "status": "confirmed"})
    assert body["at"] and "签到成功" in body["message"]
    again = checkin(admin, f"https://kepu.example/events/checkin/{people['张三'].token}/")
    assert (again.status_code, again.json()["outcome"], again.json()["at"]) == (200, "already", body["at"])
    assert CheckIn.objects.filter(registration=people["张三"]).count() == 1
    for name, outcome in [("李四", "waitlisted"), ("王五", "cancelled")]:
        response = checkin(admin, people[name].token)
        assert (response.status_code, response.json()["outcome"], response.json()["code"]) == (409, outcome, outcome)
    other = published()
    response = checkin(admin, people["李四"].token, activity=other.pk)
    assert (response.status_code, response.json()["outcome"]) == (409, "other_activity")
    response = checkin(admin, "forged-token")
    assert (response.status_code, response.json()["outcome"]) == (404, "unknown")
    assert {"message", "code", "extra"} <= set(response.json())
    assert checkin(admin, "").status_code == 400


@pytest.mark.django_db
def test_another_districts_token_answers_like_a_forged_one(api_for, door):
    activity, people = door
    client = api_for("spb_admin")
    forged = checkin(client, "x" * 43)
    probed = checkin(client, people["张三"].token)
    assert probed.status_code == forged.status_code == 404
    assert probed.json() == forged.json()
    own = published(region="500106", organizer=Unit.objects.get(region__code="500106", name="区教委"))
    probed = checkin(client, people["张三"].token, activity=own.pk)
    assert probed.json() == forged.json()  # not "another activity's token", which would name it
    assert checkin(client, people["张三"].token, activity=activity.pk).status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_checkin_needs_the_right_to_check_in(api_for, door):
    _activity, people = door
    assert checkin(api_for("yc_reviewer"), people["张三"].token).status_code == 403
    assert checkin(api_for("anonymous"), people["张三"].token).status_code == 401
    assert checkin(api_for("citizen"), people["张三"].token).status_code == 404
    assert not CheckIn.objects.exists()


# --- throttling ---------------------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"activity_registrations": "10/min",
                                                              "activity_checkins": "120/min", **rates}}
        cache.clear()

    return set_rates


@pytest.mark.django_db
def test_registrations_are_throttled_per_client(api_for, rates):
    rates(activity_registrations="2/min")
    activity = published(registration_required=True)
    client = api_for("anonymous")
    assert register(client, activity, phone="13800000001").status_code == 201
    assert register(client, activity, phone="13800000002").status_code == 201
    response = register(client, activity, phone="13800000003")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and set(response.json()) == {"message", "code", "extra"}
    assert "限流" in response.json()["message"]
    assert int(response.headers["Retry-After"]) > 0
    spoofed = client.post(f"{URL}{activity.pk}/registrations/", {"name": "张三", "phone": "13800000005"},
                          format="json", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert spoofed.status_code == 429  # a made-up X-Forwarded-For is not a new client
    other_client = APIClient(REMOTE_ADDR="10.0.0.2")
    assert register(other_client, activity, phone="13800000004").status_code == 201
    assert Registration.objects.count() == 3
    # Reading the staff endpoints is not counted against registrations.
    assert api_for("yc_admin").get(f"{URL}{activity.pk}/registrations/").status_code == 200


@pytest.mark.django_db
def test_checkins_are_throttled_per_user(api_for, rates, door):
    rates(activity_checkins="2/min")
    _activity, people = door
    admin = api_for("yc_admin")
    assert checkin(admin, people["张三"].token).status_code == 200
    assert checkin(admin, people["张三"].token).status_code == 200
    assert checkin(admin, people["张三"].token).status_code == 429
    assert checkin(api_for("city_admin"), people["张三"].token).status_code == 200


@pytest.mark.django_db
def test_rates_can_be_raised(api_for, rates):
    rates(activity_registrations="1000/min")
    activity = published(registration_required=True)
    client = api_for("anonymous")
    codes = {register(client, activity, phone=f"138000000{i:02d}").status_code for i in range(15)}
    assert codes == {201}


# --- theme days ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_may_list_theme_days_with_their_dates(api_for):
    week = ThemeDay.objects.get(name="科技活动周")
    ThemeDayDate.objects.create(theme_day=week, year=2025, start=datetime.date(2025, 5, 17),
                                end=datetime.date(2025, 5, 23))
    response = api_for("anonymous").get("/api/v1/theme-days/", {"year": 2025})
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()}
    assert len(rows) == ThemeDay.objects.count()
    assert (rows["世界水日"]["start"], rows["世界水日"]["end"], rows["世界水日"]["is_variable"]) == (
        "2025-03-22", "2025-03-22", False)
    assert (rows["安全生产月"]["start"], rows["安全生产月"]["end"]) == ("2025-06-01", "2025-06-30")
    assert (rows["科技活动周"]["start"], rows["科技活动周"]["end"], rows["科技活动周"]["year"]) == (
        "2025-05-17", "2025-05-23", 2025)
    assert rows["全国科普日"]["start"] is None and rows["全国科普日"]["is_variable"] is True
    this_year = api_for("anonymous").get("/api/v1/theme-days/").json()
    assert {row["year"] for row in this_year} == {timezone.localdate().year}
    response = api_for("anonymous").get("/api/v1/theme-days/", {"year": "1800"})
    assert response.status_code == 400 and "year" in response.json()["extra"]["fields"]


@pytest.mark.django_db
def test_admins_set_a_theme_days_dates(api_for):
    day = ThemeDay.objects.get(name="全国科普日")
    url = f"/api/v1/theme-days/{day.pk}/dates/2025/"
    dates = {"start": "2025-09-15", "end": "2025-09-21"}
    assert api_for("anonymous").put(url, dates, format="json").status_code == 401
    assert api_for("yc_admin").put(url, dates, format="json").status_code == 403
    response = api_for("platform_admin").put(url, {"start": "2025-09-21", "end": "2025-09-15"}, format="json")
    assert response.status_code == 400 and "end" in response.json()["extra"]["fields"]
    response = api_for("city_admin").put(url, dates, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"theme_day": day.pk, "year": 2025, **dates}
    listed = {r["name"]: r for r in api_for("anonymous").get("/api/v1/theme-days/", {"year": 2025}).json()}
    assert listed["全国科普日"]["start"] == "2025-09-15"
    assert api_for("city_admin").put("/api/v1/theme-days/999999/dates/2025/", dates, format="json").status_code == 404


# --- schema ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_lists_the_activity_endpoints(client_for):
    schema = client_for("yc_admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/activities/", "/api/v1/activities/{id}/publish/", "/api/v1/activities/{id}/registrations/",
                 "/api/v1/activities/{id}/return-report/", "/api/v1/checkins/", "/api/v1/theme-days/",
                 "/api/v1/theme-days/{id}/dates/{year}/"]:
        assert path in schema["paths"], path
    assert "delete" not in schema["paths"]["/api/v1/activities/{id}/"]
