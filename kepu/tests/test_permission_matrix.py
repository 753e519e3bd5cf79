"""Who may see and change what, in pages and API alike.

Out of scope answers 404 (the same as "does not exist"); in scope but not allowed answers 403;
anonymous pages redirect to the login and anonymous API calls answer 401.
"""

import pytest

from kepu.accounts.models import Role, RoleAssignment
from kepu.core.audit import log_action
from kepu.orgs.models import Unit
from kepu.regions.models import Region

PERSONAS = ["platform_admin", "city_admin", "yc_admin", "spb_admin", "yc_liaison", "yc_reviewer", "citizen", "outsider", "anonymous"]


def expect(table: dict, persona: str):
    return table.get(persona, table.get("*"))


# --- pages: viewing ------------------------------------------------------------------------------

VIEW_PAGES = [
    ("/regions/500118/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 404,
                          "yc_liaison": 200, "yc_reviewer": 200, "citizen": 403, "outsider": 403, "anonymous": 302}),
    ("/regions/500106/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 404, "spb_admin": 200,
                          "yc_liaison": 404, "yc_reviewer": 404, "citizen": 403, "outsider": 403, "anonymous": 302}),
    ("/regions/500106/children/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 404, "spb_admin": 200,
                                   "yc_liaison": 404, "yc_reviewer": 404, "citizen": 403, "outsider": 403, "anonymous": 302}),
    ("/regions/500118001/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 404,
                             "yc_liaison": 404, "yc_reviewer": 200, "citizen": 403, "outsider": 403, "anonymous": 302}),
    ("/units/?region=500106", {"platform_admin": 200, "city_admin": 200, "yc_admin": 404, "spb_admin": 200,
                               "yc_liaison": 404, "yc_reviewer": 404, "citizen": 403, "outsider": 403, "anonymous": 302}),
    ("/accounts/roles/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 200,
                          "*": 403, "anonymous": 302}),
    ("/audit/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 200,
                 "*": 403, "anonymous": 302}),
    ("/", {"*": 200, "anonymous": 302}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "table"), VIEW_PAGES, ids=[u for u, _t in VIEW_PAGES])
def test_page_view_matrix(client_for, persona, url, table):
    assert client_for(persona).get(url).status_code == expect(table, persona)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_unit_detail_page_matrix(client_for, persona, spb_education, yc_education):
    spb = {"platform_admin": 200, "city_admin": 200, "spb_admin": 200, "citizen": 404, "outsider": 404, "anonymous": 302, "*": 404}
    yc = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 200, "yc_reviewer": 200,
          "citizen": 404, "outsider": 404, "anonymous": 302, "*": 404}
    client = client_for(persona)
    assert client.get(f"/units/{spb_education.pk}/").status_code == expect(spb, persona)
    assert client.get(f"/units/{yc_education.pk}/").status_code == expect(yc, persona)


# --- pages: changing -----------------------------------------------------------------------------

EDIT_REGION = {"platform_admin": 302, "city_admin": 302, "spb_admin": 302, "yc_admin": 404, "yc_liaison": 404,
               "yc_reviewer": 404, "citizen": 404, "outsider": 404, "anonymous": 302}
EDIT_OWN_REGION = {"platform_admin": 302, "city_admin": 302, "yc_admin": 302, "spb_admin": 404, "yc_liaison": 403,
                   "yc_reviewer": 403, "citizen": 403, "outsider": 404, "anonymous": 302}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_region_edit_page_matrix(client_for, persona):
    client = client_for(persona)
    data = {"name": "沙坪坝区", "kind": "district", "urban_rural_code": ""}
    assert client.post("/regions/500106/edit/", data).status_code == EDIT_REGION[persona]
    data = {"name": "永川区", "kind": "district", "urban_rural_code": ""}
    assert client.post("/regions/500118/edit/", data).status_code == EDIT_OWN_REGION[persona]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["yc_admin", "yc_liaison", "yc_reviewer", "citizen", "outsider"])
def test_others_cannot_change_another_districts_rows(client_for, persona, spb_education):
    client = client_for(persona)
    client.post("/regions/500106/edit/", {"name": "改名", "kind": "district", "urban_rural_code": ""})
    client.post(f"/units/{spb_education.pk}/edit/", {"name": "改名", "type": "party_government", "contact_name": "x"})
    client.post("/regions/500106/population/", {"year": 2024, "residents": 1, "source": "entered"})
    api = client_for(persona)
    api.patch("/api/v1/regions/500106/", {"name": "改名"}, content_type="application/json")
    api.patch(f"/api/v1/units/{spb_education.pk}/", {"name": "改名"}, content_type="application/json")
    assert Region.objects.get(code="500106").name == "沙坪坝区"
    assert Unit.objects.get(pk=spb_education.pk).name == "区教委"
    assert not Region.objects.get(code="500106").populations.exists()


# --- API -----------------------------------------------------------------------------------------

API_DETAIL = [
    ("/api/v1/regions/500106/", {"platform_admin": 200, "city_admin": 200, "spb_admin": 200, "anonymous": 401, "*": 404}),
    ("/api/v1/regions/500118/", {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 200,
                                 "yc_reviewer": 200, "citizen": 200, "spb_admin": 404, "outsider": 404, "anonymous": 401}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "table"), API_DETAIL, ids=[u for u, _t in API_DETAIL])
def test_api_detail_matrix(client_for, persona, url, table):
    response = client_for(persona).get(url)
    assert response.status_code == expect(table, persona)
    if response.status_code >= 400:
        assert set(response.json()) == {"message", "code", "extra"}


API_PATCH_OWN = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 403, "yc_reviewer": 403,
                 "citizen": 403, "spb_admin": 404, "outsider": 404, "anonymous": 401}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_region_patch_matrix(client_for, persona):
    response = client_for(persona).patch("/api/v1/regions/500118/", {"urban_rural_code": "111"},
                                         content_type="application/json")
    assert response.status_code == API_PATCH_OWN[persona]
    assert response.json()["code"] if response.status_code >= 400 else response.json()["urban_rural_code"] == "111"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_unit_patch_matrix(client_for, persona, yc_education):
    expected = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_liaison": 200, "yc_reviewer": 403,
                "spb_admin": 404, "citizen": 404, "outsider": 404, "anonymous": 401}
    response = client_for(persona).patch(f"/api/v1/units/{yc_education.pk}/", {"contact_name": "王老师"},
                                         content_type="application/json")
    assert response.status_code == expected[persona]


@pytest.mark.django_db
def test_liaison_may_change_contacts_but_not_the_name(client_for, yc_education):
    client = client_for("yc_liaison")
    response = client.patch(f"/api/v1/units/{yc_education.pk}/", {"name": "新名称"}, content_type="application/json")
    assert response.status_code == 403
    response = client.post(f"/units/{yc_education.pk}/edit/", {"contact_name": "李老师", "contact_phone": "023-49800000",
                                                               "email": "", "address": "", "name": "新名称"})
    assert response.status_code == 302
    yc_education.refresh_from_db()
    assert (yc_education.name, yc_education.contact_name) == ("区教委", "李老师")


# --- leaks: no list shows another district's rows --------------------------------------------------

def _codes(payload, key):
    return [row[key] for row in payload["results"]]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "own", "other"), [("yc_admin", "500118", "500106"), ("spb_admin", "500106", "500118")])
def test_api_lists_never_show_another_district(client_for, persona, own, other):
    client = client_for(persona)
    regions = client.get("/api/v1/regions/", {"page_size": 500}).json()
    paths = {r.path for r in Region.objects.filter(code__in=_codes(regions, "code"))}
    assert paths and all(p.startswith(f"500000/{own}/") or p == "500000/" for p in paths)
    assert other not in _codes(client.get("/api/v1/regions/", {"parent": "500000"}).json(), "code")
    units = client.get("/api/v1/units/", {"page_size": 500}).json()
    assert units["count"] > 0
    assert {u["region"][:6] for u in units["results"]} == {own}
    assert client.get("/api/v1/units/", {"region": other}).json()["count"] == 0
    assert client.get("/api/v1/regions/", {"q": "沙坪坝" if other == "500106" else "永川"}).json()["count"] == 0


@pytest.mark.django_db
def test_city_admin_sees_every_district(client_for):
    response = client_for("city_admin").get("/api/v1/regions/", {"parent": "500000", "page_size": 100})
    assert response.json()["count"] == 41


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["citizen", "outsider"])
def test_citizens_see_no_units(client_for, persona):
    assert client_for(persona).get("/api/v1/units/").json()["count"] == 0


@pytest.mark.django_db
def test_role_assignments_stay_inside_the_subtree(client_for, personas):
    spb_assignment = RoleAssignment.objects.get(user=personas.spb_admin)
    client = client_for("yc_admin")
    listed = client.get("/api/v1/role-assignments/").json()
    assert spb_assignment.pk not in [row["id"] for row in listed["results"]]
    assert client.get(f"/api/v1/role-assignments/{spb_assignment.pk}/").status_code == 404
    assert client.delete(f"/api/v1/role-assignments/{spb_assignment.pk}/").status_code == 404
    assert client.post(f"/accounts/roles/{spb_assignment.pk}/revoke/").status_code == 404
    response = client.post("/api/v1/role-assignments/", {"user": "outsider_target", "role": "region_admin", "region": "500106"},
                           content_type="application/json")
    assert response.status_code == 400  # no such user: checked before the region
    personas.outsider  # noqa: B018 - create the account
    response = client.post("/api/v1/role-assignments/", {"user": "outsider", "role": "region_admin", "region": "500106"},
                           content_type="application/json")
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(user=spb_assignment.user).count() == 1
    assert not RoleAssignment.objects.filter(user=personas.outsider).exists()


@pytest.mark.django_db
def test_region_admin_cannot_make_a_platform_admin(client_for, personas):
    personas.outsider  # noqa: B018
    response = client_for("city_admin").post("/api/v1/role-assignments/", {"user": "outsider", "role": "platform_admin"},
                                             content_type="application/json")
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=personas.outsider).exists()


@pytest.mark.django_db
def test_audit_log_is_scoped(client_for, shapingba, yongchuan):
    log_action(actor=None, action="region.updated", obj=shapingba, changes={"name": ["a", "b"]})
    log_action(actor=None, action="region.updated", obj=yongchuan, changes={"name": ["c", "d"]})
    page = client_for("yc_admin").get("/audit/").content.decode()
    assert "永川区" in page and "沙坪坝区" not in page
    page = client_for("city_admin").get("/audit/").content.decode()
    assert "永川区" in page and "沙坪坝区" in page


@pytest.mark.django_db
def test_role_labels_exist_for_every_role():
    assert set(Role.values) == {"platform_admin", "region_admin", "unit_liaison", "reviewer", "expert",
                                "team_leader", "village_officer", "pii_viewer", "citizen"}


# --- volunteers: pages and API, and full ID numbers -----------------------------------------------

YC_VOLUNTEER_PAGE = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200,
                     "spb_admin": 404, "yc_liaison": 404, "citizen": 403, "outsider": 403, "anonymous": 302}
# Full numbers need the pii_viewer role (the personas here have none; the platform admin has everything).
YC_VOLUNTEER_REVEAL = {**YC_VOLUNTEER_PAGE, "city_admin": 403, "yc_admin": 403, "yc_reviewer": 403}
YC_VOLUNTEER_API = {**YC_VOLUNTEER_PAGE, "anonymous": 401}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_volunteer_matrix(client_for, api_for, persona):
    from kepu.volunteers.tests.factories import make_id_number, make_volunteer

    id_number = make_id_number()
    volunteer = make_volunteer(id_number=id_number)
    client = client_for(persona)
    page = client.get(f"/volunteers/{volunteer.pk}/")
    assert page.status_code == expect(YC_VOLUNTEER_PAGE, persona)
    reveal = client.post(f"/volunteers/{volunteer.pk}/reveal/")
    assert reveal.status_code == expect(YC_VOLUNTEER_REVEAL, persona)
    assert (id_number in reveal.content.decode()) == (reveal.status_code == 200)
    assert id_number not in page.content.decode()
    api = api_for(persona).get(f"/api/v1/volunteers/{volunteer.pk}/")
    assert api.status_code == expect(YC_VOLUNTEER_API, persona)
    assert id_number not in api.content.decode()


# --- base data (venues, schools, 农技协, funding, channels) ----------------------------------------

STAFF_PAGE = {"citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}
ADMIN_PAGE = {"yc_liaison": 403, "citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}
IMPORT_PAGE = {"yc_reviewer": 403, "citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}
BASE_DATA_PAGES = [
    ("/venues/?region=500118", STAFF_PAGE),
    ("/venues/map/?region=500118", STAFF_PAGE),
    ("/venues/coverage/?region=500118", ADMIN_PAGE),
    ("/base/schools/?region=500118", STAFF_PAGE),
    ("/base/agri-towns/?region=500118", STAFF_PAGE),
    ("/base/associations/", STAFF_PAGE),
    ("/base/funding/?region=500118", STAFF_PAGE),
    ("/channels/?region=500118", STAFF_PAGE),
    ("/channels/issues/?region=500118", STAFF_PAGE),
    ("/channels/accounts/", STAFF_PAGE),
    ("/channels/info-officers/?region=500000", ADMIN_PAGE),
    ("/venues/import/", IMPORT_PAGE),
    ("/base/schools/import/", IMPORT_PAGE),
    ("/base/funding/import/", IMPORT_PAGE),
    ("/channels/info-officers/import/", {**IMPORT_PAGE, "yc_liaison": 403}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "table"), BASE_DATA_PAGES, ids=[u for u, _t in BASE_DATA_PAGES])
def test_base_data_page_matrix(client_for, persona, url, table):
    assert client_for(persona).get(url).status_code == expect(table, persona)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["spb_admin", "yc_liaison"])
def test_base_data_lists_do_not_show_another_districts_records(client_for, persona):
    """Asking for 永川区 by its code shows nothing of it to whom it is out of scope."""
    import datetime

    from kepu.channels.tests.factories import make_column, make_issue
    from kepu.orgs.tests.factories import make_funding, make_profile, make_school
    from kepu.venues.tests.factories import make_venue

    make_venue("500118", name="永川秘密科技馆")
    make_profile(make_school("500118001", name="永川秘密小学"), 2024)
    make_funding("500118", 2024, budgeted="1000", purpose="永川秘密经费")
    make_issue(make_column("500118", outlet_name="永川秘密日报"), datetime.date(2024, 3, 1), title="永川秘密一期")
    client = client_for(persona)
    for url in ["/venues/?region=500118", "/venues/map/data.json?region=500118", "/base/schools/?region=500118&year=2024",
                "/base/funding/?region=500118&year=2024", "/channels/?region=500118", "/channels/issues/?region=500118&year=2024"]:
        response = client.get(url)
        assert response.status_code in (200, 400, 403, 404), url
        assert "永川秘密" not in response.content.decode(), url


# --- indicators (standards, assessments, evidence, comparison, reports) ---------------------------

YC_ASSESSMENT = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200, "yc_liaison": 200,
                 "spb_admin": 404, "citizen": 403, "outsider": 403, "anonymous": 302}
YC_ASSESSMENT_API = {**YC_ASSESSMENT, "anonymous": 401}
REGION_ADMIN_PAGE = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "spb_admin": 200,
                     "anonymous": 302, "*": 403}
REGION_STAFF_PAGE = {"yc_liaison": 403, "citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}
# Writes on 永川区's assessment: admins over the region redirect, others in scope 403, out of scope 404.
YC_ASSESSMENT_WRITE = {"platform_admin": 302, "city_admin": 302, "yc_admin": 302, "yc_reviewer": 403,
                       "yc_liaison": 403, "spb_admin": 404, "citizen": 403, "outsider": 403, "anonymous": 302}


@pytest.fixture
def yc_assessment(db):
    from kepu.indicators.tests.factories import make_assessment, submit_evidence, yongchuan_standard

    assessment = make_assessment(yongchuan_standard())
    submission = submit_evidence(assessment, "A1.1")
    return assessment, submission


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_indicator_pages_matrix(client_for, persona, yc_assessment):
    assessment, submission = yc_assessment
    a, s, f = assessment.pk, submission.pk, submission.files.get().pk
    pages = [
        ("/indicators/", STAFF_PAGE),
        ("/indicators/mine/", STAFF_PAGE),
        ("/indicators/standards/", STAFF_PAGE),
        (f"/indicators/standards/{assessment.standard_id}/", STAFF_PAGE),
        ("/indicators/standards/import/", REGION_ADMIN_PAGE),
        ("/indicators/assessments/new/", REGION_ADMIN_PAGE),
        ("/indicators/compare/?region=500118", REGION_STAFF_PAGE),
        (f"/indicators/assessments/{a}/", YC_ASSESSMENT),
        (f"/indicators/assessments/{a}/changes/", YC_ASSESSMENT),
        (f"/indicators/assessments/{a}/indicators/A1.1/", YC_ASSESSMENT),
        (f"/indicators/assessments/{a}/reports/", YC_ASSESSMENT),
        (f"/indicators/files/{f}/", YC_ASSESSMENT),
        (f"/indicators/submissions/{s}/review/", {**YC_ASSESSMENT, "yc_liaison": 403}),
        (f"/indicators/submissions/{s}/unlock/", {**YC_ASSESSMENT, "yc_liaison": 403, "yc_reviewer": 403}),
        (f"/indicators/assessments/{a}/report-text/", {**YC_ASSESSMENT, "yc_liaison": 403, "yc_reviewer": 403}),
    ]
    client = client_for(persona)
    for url, table in pages:
        assert client.get(url).status_code == expect(table, persona), url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_indicator_writes_matrix(client_for, persona, yc_assessment):
    assessment, submission = yc_assessment
    client = client_for(persona)
    assert client.post(f"/indicators/assessments/{assessment.pk}/refresh/").status_code == expect(
        YC_ASSESSMENT_WRITE, persona)
    review = client.post(f"/indicators/submissions/{submission.pk}/review/", {"decision": "approve"})
    assert review.status_code == expect({**YC_ASSESSMENT_WRITE, "yc_reviewer": 302}, persona)
    submission.refresh_from_db()
    assert (submission.status == "approved") == (review.status_code == 302 and persona != "anonymous")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_indicator_api_matrix(api_for, persona, yc_assessment):
    assessment, _submission = yc_assessment
    client = api_for(persona)
    for url in (f"/api/v1/assessments/{assessment.pk}/", f"/api/v1/assessments/{assessment.pk}/evidence/",
                f"/api/v1/assessments/{assessment.pk}/scorecard.xlsx"):
        assert client.get(url).status_code == expect(YC_ASSESSMENT_API, persona), url
    listed = client.get("/api/v1/assessments/?region=500118")
    if listed.status_code == 200:
        assert [row["id"] for row in listed.json()["results"]] == (
            [] if persona == "spb_admin" else [assessment.pk])
