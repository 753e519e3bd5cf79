"""Who may see and do what with activities, in the API and the staff pages alike.

Out of scope answers 404 (the same as "does not exist"); in scope but not allowed answers 403;
anonymous API calls answer 401 and anonymous staff pages redirect to the login. Registration for
a public activity is open to everyone.
"""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from kepu.activities import services
from kepu.activities.models import Activity, CheckIn, Registration, ThemeDay
from kepu.orgs.models import Unit

from .factories import ActivityFactory, finished, published

PERSONAS = ["platform_admin", "city_admin", "yc_admin", "spb_admin", "yc_liaison", "yc_reviewer", "citizen",
            "outsider", "anonymous"]
API = "/api/v1/activities/"


def expect(table: dict, persona: str):
    return table.get(persona, table.get("*"))


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


@pytest.fixture
def api_for(personas):
    def make(name: str) -> APIClient:
        client = APIClient()
        if name != "anonymous":
            client.force_authenticate(getattr(personas, name))
        return client

    return make


def spb_unit() -> Unit:
    return Unit.objects.get(region__code="500106", name="区教委")


def make(which: str, **kw) -> Activity:
    """yc: 永川区 区科协's; edu: 永川区 区教委's (the liaison's unit); co: 区科协's with 区教委 as co-organizer;
    spb: 沙坪坝区 区教委's."""
    if which == "edu":
        kw["organizer"] = Unit.objects.get(region__code="500118", name="区教委")
    elif which == "co":
        kw["co_organizers"] = [Unit.objects.get(region__code="500118", name="区教委")]
    elif which == "spb":
        kw.update(region="500106", organizer=spb_unit())
    return ActivityFactory(**kw)


# --- seeing ---------------------------------------------------------------------------------------------

SEE_YC = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200, "anonymous": 401, "*": 404}
SEE_EDU = {**SEE_YC, "yc_liaison": 200}
SEE_SPB = {"platform_admin": 200, "city_admin": 200, "spb_admin": 200, "anonymous": 401, "*": 404}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("which", "table"), [("yc", SEE_YC), ("edu", SEE_EDU), ("co", SEE_EDU), ("spb", SEE_SPB)])
def test_api_detail_matrix(api_for, persona, which, table):
    activity = make(which)
    response = api_for(persona).get(f"{API}{activity.pk}/")
    assert response.status_code == expect(table, persona)
    if response.status_code >= 400:
        assert set(response.json()) == {"message", "code", "extra"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_shows_only_what_the_persona_may_see(api_for, persona):
    made = {which: make(which).pk for which in ("yc", "edu", "co", "spb")}
    visible = {
        "platform_admin": {"yc", "edu", "co", "spb"}, "city_admin": {"yc", "edu", "co", "spb"},
        "yc_admin": {"yc", "edu", "co"}, "yc_reviewer": {"yc", "edu", "co"}, "spb_admin": {"spb"},
        "yc_liaison": {"edu", "co"}, "citizen": set(), "outsider": set(),
    }
    response = api_for(persona).get(API, {"page_size": 500})
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert {row["id"] for row in response.json()["results"]} == {made[w] for w in visible[persona]}
    # Filtering for the other district's rows finds nothing rather than leaking them.
    if persona in ("yc_admin", "yc_liaison", "yc_reviewer"):
        assert api_for(persona).get(API, {"region": "500106"}).json()["count"] == 0
        assert api_for(persona).get(API, {"unit": spb_unit().pk}).json()["count"] == 0


# --- changing --------------------------------------------------------------------------------------------

ORGANIZE_EDU = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 200, "yc_reviewer": 403,
                "anonymous": 401, "*": 404}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_publish_matrix(api_for, persona):
    own = make("edu")
    response = api_for(persona).post(f"{API}{own.pk}/publish/")
    assert response.status_code == expect(ORGANIZE_EDU, persona)
    own.refresh_from_db()
    assert own.status == ("published" if response.status_code == 200 else "draft")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_patch_matrix(api_for, persona):
    own = make("edu")
    response = api_for(persona).patch(f"{API}{own.pk}/", {"title": "新名称"}, format="json")
    assert response.status_code == expect(ORGANIZE_EDU, persona)
    own.refresh_from_db()
    assert (own.title == "新名称") == (response.status_code == 200)


@pytest.mark.django_db
def test_the_liaison_cannot_publish_the_associations_activities(api_for):
    client = api_for("yc_liaison")
    hidden, shared = make("yc"), make("co")
    assert client.post(f"{API}{hidden.pk}/publish/").status_code == 404  # not theirs to see
    assert client.post(f"{API}{shared.pk}/publish/").status_code == 403  # co-organizer: sees it, may not publish
    assert client.post(f"{API}{shared.pk}/cancel/", {"reason": "x"}, format="json").status_code == 403
    assert client.patch(f"{API}{shared.pk}/", {"title": "x"}, format="json").status_code == 403
    assert set(Activity.objects.values_list("status", flat=True)) == {"draft"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["yc_admin", "yc_liaison", "yc_reviewer", "citizen", "outsider"])
def test_nobody_outside_shapingba_changes_its_activities(api_for, persona):
    activity = make("spb")
    title = activity.title
    client = api_for(persona)
    for step in ("publish", "cancel", "finish", "report", "return-report"):
        assert client.post(f"{API}{activity.pk}/{step}/", {"reason": "x", "comment": "x"}, format="json").status_code == 404
    assert client.patch(f"{API}{activity.pk}/", {"title": "改名"}, format="json").status_code == 404
    assert client.put(f"{API}{activity.pk}/", {"title": "改名"}, format="json").status_code == 404
    assert client.get(f"{API}{activity.pk}/registrations/").status_code == 404
    activity.refresh_from_db()
    assert (activity.status, activity.title) == ("draft", title)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_create_matrix(api_for, persona, yc_education):
    data = {"title": "新活动", "kind": "lecture", "region": "500118", "organizer": yc_education.pk,
            "start": "2099-05-18T09:00:00+08:00", "end": "2099-05-18T11:00:00+08:00"}
    expected = {"platform_admin": 201, "city_admin": 201, "yc_admin": 201, "yc_liaison": 201, "yc_reviewer": 403,
                "anonymous": 401, "*": 400}  # others cannot even name the unit (it is not visible to them)
    response = api_for(persona).post(API, data, format="json")
    assert response.status_code == expect(expected, persona)
    assert Activity.objects.filter(title="新活动").exists() == (response.status_code == 201)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_return_report_matrix(api_for, persona):
    activity = finished(status="reported", organizer=Unit.objects.get(region__code="500118", name="区教委"))
    expected = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200, "yc_liaison": 403,
                "anonymous": 401, "*": 404}
    response = api_for(persona).post(f"{API}{activity.pk}/return-report/", {"comment": "请补充"}, format="json")
    assert response.status_code == expect(expected, persona)


# --- registrations and check-in -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_registrations_list_matrix(api_for, persona):
    activity = make("edu", status="published", registration_required=True)
    services.registration_create(activity=activity, name="张三", phone="13800000001")
    response = api_for(persona).get(f"{API}{activity.pk}/registrations/")
    assert response.status_code == expect(ORGANIZE_EDU, persona)
    if response.status_code == 200:
        assert response.json()["results"][0]["phone"] == "138****0001"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_anyone_registers_for_a_public_activity_and_nobody_for_a_draft(api_for, persona):
    public = make("spb", status="published", registration_required=True)
    draft = make("yc", registration_required=True)
    client = api_for(persona)
    body = {"name": "张三", "phone": "13800000001"}
    assert client.post(f"{API}{public.pk}/registrations/", body, format="json").status_code == 201
    assert client.post(f"{API}{draft.pk}/registrations/", body, format="json").status_code == 404
    assert Registration.objects.filter(activity=draft).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_checkin_matrix(api_for, persona):
    activity = make("edu", status="published", registration_required=True)
    registration = services.registration_create(activity=activity, name="张三", phone="13800000001")
    response = api_for(persona).post("/api/v1/checkins/", {"token": registration.token}, format="json")
    assert response.status_code == expect(ORGANIZE_EDU, persona)
    assert CheckIn.objects.exists() == (response.status_code == 200)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["yc_admin", "yc_liaison", "yc_reviewer", "citizen", "outsider"])
def test_another_districts_token_cannot_be_probed_through_the_api(api_for, persona):
    spb = make("spb", status="published", registration_required=True)
    token = services.registration_create(activity=spb, name="李四", phone="13800000002").token
    client = api_for(persona)
    forged = client.post("/api/v1/checkins/", {"token": "y" * 43}, format="json")
    probed = client.post("/api/v1/checkins/", {"token": token}, format="json")
    assert probed.status_code == forged.status_code == 404
    assert probed.json() == forged.json()
    assert "李四" not in probed.content.decode() and spb.title not in probed.content.decode()
    if persona in ("yc_admin", "yc_liaison"):
        own = make("edu", status="published")
        probed = client.post("/api/v1/checkins/", {"token": token, "activity": own.pk}, format="json")
        assert probed.json() == forged.json()
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_theme_day_dates_are_set_by_province_level_admins(api_for, persona):
    day = ThemeDay.objects.get(name="科技活动周")
    expected = {"platform_admin": 200, "city_admin": 200, "anonymous": 401, "*": 403}
    response = api_for(persona).put(f"/api/v1/theme-days/{day.pk}/dates/2025/",
                                    {"start": "2025-05-17", "end": "2025-05-23"}, format="json")
    assert response.status_code == expect(expected, persona)
    assert api_for(persona).get("/api/v1/theme-days/").status_code == 200


# --- staff pages ---------------------------------------------------------------------------------------------

PAGE_SEE_YC = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200, "spb_admin": 404,
               "yc_liaison": 404, "citizen": 403, "outsider": 403, "anonymous": 302}
PAGE_SEE_EDU = {**PAGE_SEE_YC, "yc_liaison": 200}
PAGE_ORGANIZE_EDU = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 200, "yc_reviewer": 403,
                     "spb_admin": 404, "citizen": 403, "outsider": 403, "anonymous": 302}
PAGE_STAFF = {"citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}
PAGE_PLANNERS = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 200, "yc_liaison": 200,
                 "yc_reviewer": 403, "citizen": 403, "outsider": 403, "anonymous": 302}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "table"), [
    ("/activities/", PAGE_STAFF),
    ("/activities/import/", PAGE_PLANNERS),
    ("/activities/{yc}/", PAGE_SEE_YC),
    ("/activities/{edu}/", PAGE_SEE_EDU),
    ("/activities/{edu}/registrations/", PAGE_ORGANIZE_EDU),
])
def test_staff_page_matrix(client_for, persona, url, table):
    url = url.format(yc=make("yc").pk, edu=make("edu", status="published").pk)
    assert client_for(persona).get(url).status_code == expect(table, persona)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_publish_page_matrix(client_for, persona):
    own = make("edu")
    may = {"platform_admin", "city_admin", "yc_admin", "yc_liaison"}
    expected = 302 if persona in may else PAGE_ORGANIZE_EDU[persona]  # done: back to the detail page
    assert client_for(persona).post(f"/activities/{own.pk}/publish/").status_code == expected
    own.refresh_from_db()
    assert own.status == ("published" if persona in may else "draft")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["yc_admin", "yc_liaison", "yc_reviewer"])
def test_staff_pages_never_show_shapingbas_activities(client_for, persona):
    spb = make("spb", title="沙坪坝区的机密活动", status="published")
    client = client_for(persona)
    assert spb.title not in client.get("/activities/").content.decode()
    assert client.get(f"/activities/{spb.pk}/").status_code == 404
    assert client.get(f"/activities/{spb.pk}/registrations/").status_code == 404
    assert client.post(f"/activities/{spb.pk}/publish/").status_code == 404
    assert client.get(f"/activities/{spb.pk}/checkin/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_public_pages_show_public_activities_only(client_for, persona):
    public, draft = published(title="公开的讲座"), ActivityFactory(title="草稿讲座")
    client = client_for(persona)
    assert client.get(f"/events/{public.pk}/").status_code == 200
    assert client.get(f"/events/{draft.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_checkin_link_of_another_districts_token_is_a_404(client_for):
    yc = published(title="永川区的内部活动", registration_required=True)
    token = services.registration_create(activity=yc, name="李四", phone="13800000002").token
    response = client_for("spb_admin").get(f"/activities/checkin/t/{token}/")
    assert response.status_code == 404
    assert "李四" not in response.content.decode() and yc.title not in response.content.decode()
    assert client_for("spb_admin").post(f"/activities/checkin/t/{token}/").status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_checkin_page_does_not_name_another_districts_activity(client_for):
    yc = published(title="永川区的内部活动", registration_required=True)
    token = services.registration_create(activity=yc, name="李四", phone="13800000002").token
    own = make("spb", status="published")
    client = client_for("spb_admin")
    probed = client.post(f"/activities/{own.pk}/checkin/token/", {"token": token})
    assert yc.title not in probed.content.decode()
    assert not CheckIn.objects.exists()
