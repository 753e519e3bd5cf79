import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kepu.regions.models import Population, Region


@pytest.fixture
def api(personas):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=personas.city_admin)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.django_db
def test_list_items_carry_code_name_level_parent_and_latest_population(api, yongchuan):
    Population.objects.create(region=yongchuan, year=2023, residents=1_140_000)
    Population.objects.create(region=yongchuan, year=2024, residents=1_150_000)
    body = api.get("/api/v1/regions/", {"parent": "500000", "page_size": 100}).json()
    item = next(r for r in body["results"] if r["code"] == "500118")
    assert item["name"] == "永川区"
    assert item["level"] == "district"
    assert item["parent"] == "500000"
    assert (item["population"], item["population_year"]) == (1_150_000, 2024)


@pytest.mark.django_db
def test_filters_parent_level_and_q(api):
    assert api.get("/api/v1/regions/", {"parent": "500118"}).json()["count"] == 23
    assert api.get("/api/v1/regions/", {"level": "town"}).json()["count"] == 23
    codes = [r["code"] for r in api.get("/api/v1/regions/", {"q": "永川"}).json()["results"]]
    assert codes == ["500118"]
    assert [r["code"] for r in api.get("/api/v1/regions/", {"q": "500118001"}).json()["results"]] == ["500118001"]


@pytest.mark.django_db
def test_regions_are_addressed_by_code(api):
    assert api.get("/api/v1/regions/liangjiang/").json()["kind"] == "functional_area"
    assert api.get("/api/v1/regions/999999/").json() == {"message": "未找到，或您无权查看。", "code": "not_found", "extra": {}}


@pytest.mark.django_db
def test_create_validates_and_names_the_field(api):
    response = api.post("/api/v1/regions/", {"parent": "500118001", "code": "500118002001", "name": "甲社区",
                                             "level": "village", "kind": "community"}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["code"]
    assert "不一致" in response.json()["message"]
    response = api.post("/api/v1/regions/", {"parent": "500118001", "code": "500118001001", "name": "甲社区",
                                             "level": "village", "kind": "community"}, format="json")
    assert response.status_code == 201
    assert response.json()["parent"] == "500118001"
    assert Region.objects.get(code="500118001001").path.endswith("500118001/500118001001/")


@pytest.mark.django_db
def test_bad_input_is_a_400_with_the_field_not_a_500(api):
    response = api.post("/api/v1/regions/", {"parent": "500118001", "code": "x" * 40, "level": "nope"}, format="json")
    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert {"code", "name", "level", "kind"} <= set(fields)
    response = api.post("/api/v1/regions/", "not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_anonymous_gets_401_json(client):
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_bad_token_is_refused(client):
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
