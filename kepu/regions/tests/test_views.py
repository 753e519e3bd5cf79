import pytest

from kepu.regions.models import Population, Region


@pytest.mark.django_db
def test_the_tree_starts_at_the_top_and_opens_with_htmx(client_for):
    client = client_for("yc_admin")
    page = client.get("/regions/").content.decode()
    assert 'data-code="500000"' in page
    assert "1 个下级" in page  # only what the user may open is counted, not all 41 districts
    fragment = client.get("/regions/500000/children/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-code="500118"' in fragment and 'data-code="500106"' not in fragment
    towns = client.get("/regions/500118/children/", HTTP_HX_REQUEST="true").content.decode()
    assert "中山路街道" in towns and "<html" not in towns


@pytest.mark.django_db
def test_search_finds_only_visible_regions(client_for):
    page = client_for("yc_admin").get("/regions/", {"q": "区"}).content.decode()
    assert "永川区" in page and "沙坪坝区" not in page


@pytest.mark.django_db
def test_create_child_shows_validation_messages_in_chinese(client_for):
    client = client_for("yc_admin")
    response = client.post("/regions/500118001/new/", {"code": "500118002001", "name": "", "level": "village",
                                                       "kind": "community"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in page or "该字段是必填项" in page
    response = client.post("/regions/500118001/new/", {"code": "500118002001", "name": "新社区", "level": "village",
                                                       "kind": "community"})
    assert "编码不一致" in response.content.decode()
    response = client.post("/regions/500118001/new/", {"code": "500118001001", "name": "新社区", "level": "village",
                                                       "kind": "community", "urban_rural_code": "111"})
    assert response.status_code == 302
    assert Region.objects.get(code="500118001001").name == "新社区"


@pytest.mark.django_db
def test_population_form_rejects_bad_values_with_a_message(client_for, yongchuan):
    client = client_for("yc_admin")
    response = client.post("/regions/500118/population/", {"year": "abc", "residents": "-5", "source": "entered"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "常住人口未保存" in page
    assert "输入整数" in page and "大于或等于0" in page  # each field says what is wrong
    assert not Population.objects.filter(region=yongchuan).exists()
    client.post("/regions/500118/population/", {"year": 2024, "residents": 1150000, "source": "statistics"})
    assert Population.objects.get(region=yongchuan, year=2024).residents == 1150000


@pytest.mark.django_db
def test_unknown_region_code_is_a_404_page(client_for):
    response = client_for("platform_admin").get("/regions/nope/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode()
