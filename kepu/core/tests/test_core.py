import pytest

from kepu.core.audit import log_action
from kepu.core.measures import all_measures, get_measure
from kepu.regions.models import Population, Region


@pytest.mark.django_db
def test_resident_population_measure_takes_the_latest_year_up_to_the_period(yongchuan, shapingba):
    Population.objects.create(region=yongchuan, year=2022, residents=1_100_000)
    Population.objects.create(region=yongchuan, year=2024, residents=1_150_000)
    values = get_measure("resident_population").compute(Region.objects.filter(code__in=["500118", "500106"]), 2023)
    assert values["500118"].value == 1_100_000
    assert values["500118"].records_url == "/regions/500118/"
    assert values["500106"].value is None and values["500106"].reason == "no_population"


@pytest.mark.django_db
def test_measures_compute_many_regions_in_one_query(django_assert_num_queries):
    districts = list(Region.objects.filter(level="district"))
    with django_assert_num_queries(1):
        get_measure("resident_population").compute(districts, 2024)


def test_registry_lists_measures_with_labels():
    measure = all_measures()["resident_population"]
    assert (measure.unit, str(measure.label)) == ("persons", "常住人口")
    with pytest.raises(KeyError):
        get_measure("nope")


@pytest.mark.django_db
def test_audit_page_filters_by_object_and_user(client_for, personas, yongchuan):
    log_action(actor=personas.yc_admin, action="region.updated", obj=yongchuan, changes={"name": ["甲", "乙"]})
    client = client_for("city_admin")
    page = client.get("/audit/", {"object_type": "regions.region", "object_id": yongchuan.pk}).content.decode()
    assert "region.updated" in page
    page = client.get("/audit/", {"actor": "nobody"}).content.decode()
    assert "region.updated" not in page
    page = client.get("/audit/", {"actor": "yc_admin", "action": "region."}).content.decode()
    assert "region.updated" in page


@pytest.mark.django_db
def test_navigation_shows_only_what_the_role_may_use(client_for):
    citizen = client_for("citizen").get("/").content.decode()
    assert "/regions/" not in citizen and "/audit/" not in citizen
    reviewer = client_for("yc_reviewer").get("/").content.decode()
    assert "/regions/" in reviewer and "/audit/" not in reviewer and "/accounts/roles/" not in reviewer
    admin = client_for("yc_admin").get("/").content.decode()
    assert "/audit/" in admin and "/accounts/roles/" in admin


@pytest.mark.django_db
def test_language_switch_to_english(client_for):
    client = client_for("yc_admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Regions" in page


@pytest.mark.django_db
def test_chinese_is_the_default_whatever_the_browser_says(client_for):
    page = client_for("yc_admin").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "行政区划" in page
