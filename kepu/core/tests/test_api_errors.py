import pytest


@pytest.mark.django_db
def test_errors_are_json_with_message_code_extra(client_for):
    client = client_for("yc_admin")
    for method, url, status in [("get", "/api/v1/regions/500106/", 404), ("delete", "/api/v1/regions/500118/", 405),
                                ("get", "/api/v1/nope/", 404)]:
        response = getattr(client, method)(url)
        assert response.status_code == status, url
        assert set(response.json()) == {"message", "code", "extra"}, url


@pytest.mark.django_db
def test_pagination_and_page_size(client_for):
    body = client_for("city_admin").get("/api/v1/regions/", {"page_size": 5}).json()
    assert len(body["results"]) == 5 and body["count"] > 5 and body["next"]
    assert client_for("city_admin").get("/api/v1/regions/", {"page": 999}).status_code == 404


@pytest.mark.django_db
def test_schema_and_docs_are_served(client_for):
    client = client_for("yc_admin")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/regions/{code}/" in schema["paths"]
    assert "/api/v1/units/" in schema["paths"]
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
