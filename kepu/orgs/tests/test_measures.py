"""School, 农技协 and funding measures: from the records, many regions at once, no data with a reason."""

import datetime
from decimal import Decimal

import pytest

from kepu.core.measures import get_measure, reason_text
from kepu.orgs.models import Unit, UnitType
from kepu.regions.models import Population, Region
from kepu.regions.services import region_update
from kepu.venues.tests.factories import make_village

from .factories import make_association, make_funding, make_profile, make_school

pytestmark = pytest.mark.django_db


def compute(key, codes, year=2024):
    return get_measure(key).compute(list(Region.objects.filter(code__in=codes)), year)


def test_staff_compliance_counts_every_school_and_a_missing_profile_as_not_compliant():
    make_profile(make_school("500118001"), science_teachers=2)                     # teachers
    make_profile(make_school("500118001"), science_teachers=0, tutors_full_time=1, tutors_part_time=2)  # tutors
    make_profile(make_school("500118100"), science_teachers=1, tutors_full_time=1, tutors_part_time=1)  # neither
    make_school("500118100", type=UnitType.SECONDARY_SCHOOL)                      # no profile
    make_profile(make_school("500118100"), year=2023)                              # other year only
    values = compute("school_science_staff_compliance", ["500118", "500118001", "500118100", "500106"])
    assert (values["500118"].numerator, values["500118"].denominator) == (2, 5)
    assert values["500118"].detail == {"without_profile": 2}
    assert values["500118001"].value == 1
    assert values["500118100"].value == 0
    # The reference data has no school in 沙坪坝区: no data, with the reason.
    assert values["500106"].value is None and values["500106"].reason == "no_schools"
    assert reason_text("no_schools") == "没有登记中小学"


def test_tech_room_ratio_is_over_district_run_schools_with_a_profile():
    make_profile(make_school("500118001"), has_tech_room=True)
    make_profile(make_school("500118001"), has_tech_room=False)
    make_profile(make_school("500118001"), has_tech_room=False, district_run=False)
    make_profile(make_school("500118100"), has_tech_room=True)
    values = compute("school_tech_room_ratio", ["500118", "500106"])
    assert (values["500118"].numerator, values["500118"].denominator) == (2, 3)
    assert values["500106"].value is None and values["500106"].reason == "no_school_profiles"
    assert "district_run=1" in values["500118"].records_url


def test_agri_towns_from_class_codes_or_the_admins_word():
    qingfeng, jinlong = Region.objects.get(code="500118100"), Region.objects.get(code="500118101")
    make_village(qingfeng, rural=True)
    make_village(jinlong, rural=True)
    make_village("500118001", rural=False)  # 中山路街道: communities only → not agri-related
    make_association(qingfeng, on_smart_platform=True)
    make_association(jinlong, founded_on=datetime.date(2025, 3, 1))  # not yet in 2024
    values = compute("agri_town_association_ratio", ["500118"])
    assert (values["500118"].numerator, values["500118"].denominator) == (1, 2)
    assert values["500118"].detail == {"on_smart_platform": 1}
    assert compute("agri_town_association_ratio", ["500118"], 2025)["500118"].value == 1

    # The admin decides 中山路街道 is agriculture-related after all, and 金龙镇 is not.
    region_update(actor=None, region=Region.objects.get(code="500118001"), agri_related_override=True)
    region_update(actor=None, region=jinlong, agri_related_override=False)
    values = compute("agri_town_association_ratio", ["500118"])
    assert (values["500118"].numerator, values["500118"].denominator) == (1, 2)
    assert compute("agri_town_association_ratio", ["500106"])["500106"].reason == "no_agri_towns"


def test_fiscal_funding_per_capita_counts_the_regions_own_fiscal_budget():
    yc = Region.objects.get(code="500118")
    Population.objects.create(region=yc, year=2023, residents=1_000_000)
    association = Unit.objects.get(region=yc, name="区科协")
    make_funding(yc, 2024, "fiscal_budget", "1500000", unit=association)
    make_funding(yc, 2024, "fiscal_special", "700000")
    make_funding(yc, 2024, "donation", "900000")                                   # not fiscal
    make_funding(yc, 2024, "fiscal_budget", "500000", unit=Unit.objects.get(region=yc, name="区教委"))  # not 科协
    make_funding("500118001", 2024, "fiscal_budget", "300000")                     # a town's own budget
    make_funding(yc, 2024, "fiscal_budget", None, received=Decimal("10"))            # received only
    values = compute("fiscal_funding_per_capita", ["500118", "500106"])
    assert values["500118"].value == Decimal("2.2")
    assert values["500118"].numerator == Decimal("2200000")
    assert values["500118"].denominator == 1_000_000  # the latest population up to the year
    assert values["500106"].value is None and values["500106"].reason == "no_funding_records"
    Population.objects.filter(region=yc).delete()
    assert compute("fiscal_funding_per_capita", ["500118"])["500118"].reason == "no_population"
