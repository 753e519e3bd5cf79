"""站栏员 coverage and certified bases: computed from the records, many regions at once, with reasons."""

import datetime
from decimal import Decimal

import pytest

from kepu.core.measures import get_measure
from kepu.orgs.models import FeatureLevel
from kepu.orgs.tests.factories import make_profile, make_school
from kepu.regions.models import Region
from kepu.venues.models import Level, VenueType
from kepu.venues.services import certification_update, venue_update

from .factories import equip_village, make_certification, make_venue, make_village

pytestmark = pytest.mark.django_db


def compute(key, codes, year=2024):
    regions = list(Region.objects.filter(code__in=codes))
    return get_measure(key).compute(regions, year)


def test_coverage_counts_villages_with_all_three_and_names_what_is_missing():
    full = make_village("500118001")
    equip_village(full)
    no_officer = make_village("500118001")
    equip_village(no_officer, officer=False)
    make_village("500118100")  # nothing at all
    values = compute("village_station_board_officer_coverage", ["500118", "500118001", "500118100", "500106"])
    yc = values["500118"]
    assert (yc.numerator, yc.denominator) == (1, 3)
    assert yc.value == Decimal(1) / 3
    assert yc.detail == {"missing_station": 1, "missing_board": 1, "missing_officer": 2}
    assert values["500118001"].value == Decimal("0.5")
    assert values["500118100"].value == 0
    assert "region=500118" in yc.records_url
    # The reference data has no village in 沙坪坝区.
    assert values["500106"].value is None and values["500106"].reason == "no_villages"


def test_coverage_follows_the_year_a_station_closed():
    village = make_village()
    equip_village(village)
    room = village_room(village)
    venue_update(actor=None, venue=room, opened_on=datetime.date(2020, 1, 1), closed_on=datetime.date(2023, 6, 30))
    values = get_measure("village_station_board_officer_coverage").compute([village], 2022)
    assert values[village.code].value == 1
    values = get_measure("village_station_board_officer_coverage").compute([village], 2023)
    assert values[village.code].value == 0


def village_room(village):
    return village_venues(village).get(type=VenueType.ACTIVITY_ROOM)


def village_venues(village):
    from kepu.venues.models import Venue

    return Venue.objects.filter(region=village)


def test_certified_bases_count_municipal_and_above_in_force_plus_feature_schools():
    national = make_venue("500118001", VenueType.EDUCATION_BASE)
    make_certification(national, Level.NATIONAL, 2021)
    municipal = make_venue("500118100", VenueType.YOUTH_BASE)
    make_certification(municipal, Level.MUNICIPAL, 2022, valid_until=datetime.date(2026, 12, 31))
    district_only = make_venue("500118", VenueType.RURAL_DEMO_BASE)
    make_certification(district_only, Level.DISTRICT, 2022)
    expired = make_venue("500118")
    make_certification(expired, Level.MUNICIPAL, 2018, valid_until=datetime.date(2022, 12, 31))
    revoked = make_venue("500118")
    cert = make_certification(revoked, Level.MUNICIPAL, 2020)
    certification_update(actor=None, certification=cert, revoked_on=datetime.date(2023, 3, 1))
    make_profile(make_school("500118001"), 2024, feature_level=FeatureLevel.MUNICIPAL)
    make_profile(make_school("500118001"), 2024, feature_level=FeatureLevel.DISTRICT)
    make_certification(make_venue("500106"), Level.NATIONAL, 2020)

    values = compute("certified_bases_count", ["500118", "500106", "500000"])
    assert values["500118"].value == 3
    assert values["500118"].detail == {"bases": 2, "national_bases": 1, "feature_schools": 1}
    assert values["500106"].value == 1
    assert values["500000"].value == 4
    # In 2022 the expired and the (later) revoked base still counted; the 2024 feature school did not.
    assert compute("certified_bases_count", ["500118"], 2022)["500118"].value == 4
