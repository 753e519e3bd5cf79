"""No API response ever contains a full ID number or phone number, whoever asks.

Not even a `pii_viewer`, who may see the numbers on the staff pages (audited): the API has no way
to reveal them. Every list and detail endpoint, the members list, searches by the full numbers,
refused writes, a browser's request and the schema are read as every persona.
"""

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kepu.accounts.services import role_grant
from kepu.activities.tests.factories import ActivityFactory

from .. import services
from .factories import (
    add_member,
    make_id_number,
    make_record,
    make_request,
    make_team,
    make_volunteer,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["platform_admin", "city_admin", "yc_admin", "spb_admin", "yc_reviewer", "yc_liaison", "citizen",
            "outsider", "anonymous", "pii_viewer", "leader"]
ADULT_BIRTH, MINOR_BIRTH = datetime.date(1988, 2, 29), datetime.date(2012, 8, 8)


@pytest.fixture
def people(personas, django_user_model, yongchuan, shapingba, yc_education):
    """Volunteers with known numbers in both districts (one a minor with a guardian), a team led by a
    volunteer with an account, records (one claimed by that volunteer), and a request."""
    numbers = {
        "adult": (make_id_number(ADULT_BIRTH, "female", serial=123), "13987654321"),
        "minor": (make_id_number(MINOR_BIRTH, "male", area="500106", serial=456), "13712345678"),
        "leader": (make_id_number(ADULT_BIRTH, "male", serial=789), "13655554444"),
    }
    team = make_team(name="永川区科普宣讲队", unit=yc_education)
    adult = make_volunteer(name="钱多多", gender="female", birth_date=ADULT_BIRTH, id_number=numbers["adult"][0],
                           phone=numbers["adult"][1], unit=yc_education, teams=[team])
    minor = make_volunteer(name="孙小小", birth_date=MINOR_BIRTH, region=shapingba, id_number=numbers["minor"][0],
                           phone=numbers["minor"][1], guardian_name="孙大大", guardian_phone="13511112222",
                           guardian_consent=True, registered_on=datetime.date(2024, 9, 1))
    numbers["guardian"] = ("", "13511112222")
    leader_user = django_user_model.objects.create_user(username="leader", password="x")
    leader = make_volunteer(name="李队长", user=leader_user, birth_date=ADULT_BIRTH, id_number=numbers["leader"][0],
                            phone=numbers["leader"][1])
    add_member(team, leader, leader=True)
    spb_team = make_team(name="沙坪坝青少年科普队", region=shapingba)
    add_member(spb_team, minor)
    activity = ActivityFactory(is_volunteer_service=True)
    records = [make_record(adult, team=team, activity=activity), make_record(minor, team=spb_team, verify=False)]
    records.append(services.record_claim(user=leader_user, team=team, date=datetime.date(2024, 5, 1), hours="2",
                                         content="社区讲解"))
    requests = [make_request(contact_phone="13344445555"), make_request(region=shapingba, contact_phone="13344445555")]
    numbers["contact"] = ("", "13344445555")
    viewer = django_user_model.objects.create_user(username="pii_viewer", password="x")
    role_grant(actor=None, user=viewer, role="pii_viewer", region=yongchuan)
    return {"numbers": numbers, "volunteers": [adult, minor, leader], "teams": [team, spb_team],
            "records": records, "requests": requests, "users": {"pii_viewer": viewer, "leader": leader_user}}


def forbidden_strings(numbers: dict) -> list[str]:
    """Each full ID number, its last 14 characters (all but the region part), and each full phone."""
    out = []
    for id_number, phone in numbers.values():
        if id_number:
            out += [id_number, id_number[-14:]]
        out.append(phone)
    return out


def client_for_persona(personas, people, name: str, *, session: bool = False) -> APIClient:
    client = APIClient()
    if name == "anonymous":
        return client
    user = people["users"].get(name) or getattr(personas, name)
    if session:
        client.force_login(user)
    else:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def urls(people) -> list[str]:
    out = ["/api/v1/volunteers/", "/api/v1/volunteer-teams/", "/api/v1/service-records/",
           "/api/v1/service-requests/", "/api/v1/users/me/"]
    out += [f"/api/v1/volunteers/{v.pk}/" for v in people["volunteers"]]
    out += [f"/api/v1/volunteer-teams/{t.pk}/" for t in people["teams"]]
    out += [f"/api/v1/volunteer-teams/{t.pk}/members/" for t in people["teams"]]
    out += [f"/api/v1/service-records/{r.pk}/" for r in people["records"]]
    out += [f"/api/v1/service-requests/{r.pk}/" for r in people["requests"]]
    for id_number, phone in people["numbers"].values():
        if id_number:
            out.append(f"/api/v1/volunteers/?q={id_number}")
        out.append(f"/api/v1/volunteers/?q={phone}&page_size=1")
    return out


def assert_clean(body: str, numbers: dict, where: str) -> None:
    for secret in forbidden_strings(numbers):
        assert secret not in body, f"{where} shows {secret!r}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_read_shows_a_full_number(personas, people, persona):
    client = client_for_persona(personas, people, persona)
    seen = 0
    for url in urls(people):
        response = client.get(url)
        assert response.status_code < 500, url
        seen += response.status_code == 200
        assert_clean(response.content.decode(), people["numbers"], f"{persona} GET {url}")
    if persona in ("platform_admin", "city_admin", "yc_admin", "pii_viewer", "leader"):
        assert seen > 10  # the check read real data, not only refusals
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert_clean(schema.content.decode(), people["numbers"], f"{persona} schema")


@pytest.mark.parametrize("persona", ["pii_viewer", "yc_admin", "city_admin"])
def test_a_browser_gets_json_not_a_page_repeating_the_url(personas, people, persona):
    """The browsable API would print the request URL, and with it a number searched for (?q=)."""
    client = client_for_persona(personas, people, persona, session=True)
    for url in urls(people):
        response = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert response.status_code < 500, url
        if not url.startswith("/api/v1/users/"):
            assert response["Content-Type"] == "application/json", url
        assert_clean(response.content.decode(), people["numbers"], f"{persona} browser GET {url}")


def test_refused_and_accepted_writes_show_no_full_number(personas, people):
    numbers = people["numbers"]
    adult_id, adult_phone = numbers["adult"]
    client = client_for_persona(personas, people, "yc_admin")
    base = {"name": "钱多多", "gender": "female", "birth_date": ADULT_BIRTH.isoformat(), "region": "500118"}
    responses = [
        client.post("/api/v1/volunteers/", {**base, "id_number": adult_id, "phone": adult_phone}, format="json"),
        client.post("/api/v1/volunteers/", {**base, "id_number": adult_id[:17] + ("1" if adult_id[17] == "0" else "0"),
                                            "phone": adult_phone}, format="json"),
        client.post("/api/v1/volunteers/", {**base, "birth_date": "1988-03-01", "id_number": adult_id,
                                            "phone": adult_phone}, format="json"),
        client.patch(f"/api/v1/volunteers/{people['volunteers'][2].pk}/", {"id_number": adult_id}, format="json"),
    ]
    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    new_id, new_phone = make_id_number(ADULT_BIRTH, "female", serial=321), "13900009999"
    created = client.post("/api/v1/volunteers/", {**base, "id_number": new_id, "phone": new_phone}, format="json")
    changed = client.patch(f"/api/v1/volunteers/{created.json()['id']}/", {"phone": "13900008888"}, format="json")
    assert (created.status_code, changed.status_code) == (201, 200)
    numbers = {**numbers, "new": (new_id, new_phone), "changed": ("", "13900008888")}
    for response in [*responses, created, changed]:
        assert_clean(response.content.decode(), numbers, f"{response.request['REQUEST_METHOD']} response")
