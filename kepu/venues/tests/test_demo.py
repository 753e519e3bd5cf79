"""The base-data demo (venues, schools, 农技协, funding, channels) agrees with the published figures,
keeps what the services keep, shows met and unmet targets; the generators write consistent rows."""

import datetime
from decimal import Decimal

from django.db.models import F, Sum

from kepu.accounts.models import Role, RoleAssignment, User, phone_validator
from kepu.channels import gendata as channels_gendata
from kepu.channels.models import ColumnIssue, InfoOfficerFigure, MediaOutlet
from kepu.core.demo import load_demo
from kepu.core.measures import get_measure
from kepu.orgs import base_gendata
from kepu.orgs.models import FundingRecord, FundingSource, RuralTechAssociation, SchoolProfile
from kepu.orgs.tests.factories import make_school
from kepu.regions.models import Level, Region
from kepu.venues import gendata as venues_gendata
from kepu.venues.models import Certification, Venue, VenueType, valid_in_q
from kepu.venues.models import Level as CertLevel

from .factories import make_village

RECORD_MODELS = [Venue, SchoolProfile, RuralTechAssociation, FundingRecord, MediaOutlet, InfoOfficerFigure]


def value(key: str, code: str, year: int):
    return get_measure(key).compute([Region.objects.get(code=code)], year)[code]


def venues(code: str, type_: str, **filters):
    return Venue.objects.filter(region_path__startswith=Region.objects.get(code=code).path, type=type_, **filters)


def certified(code: str, level: str, year: int = 2024) -> int:
    path = Region.objects.get(code=code).path
    return Venue.objects.filter(region_path__startswith=path, certifications__in=Certification.objects.filter(
        valid_in_q(year), level=level)).distinct().count()


def test_demo_agrees_with_the_published_figures_and_shows_met_and_unmet_targets(db):
    load_demo()  # once: the checks below share it
    check_published_figures()
    check_invariants()
    check_yongchuan_targets()


def check_published_figures():
    # 永川区 (500118): activity_rooms_town_village_community, kepu_e_stations, community_led_screens,
    # online_reading_rooms.
    assert venues("500118", VenueType.ACTIVITY_ROOM).count() == 289
    assert venues("500118", VenueType.E_STATION).count() == 24
    assert venues("500118", VenueType.LED_SCREEN, region__kind="community").count() == 51
    assert venues("500118", VenueType.READING_ROOM).count() == 261
    # 北碚区: 3 national, 22 municipal bases.
    assert (certified("500109", CertLevel.NATIONAL), certified("500109", CertLevel.MUNICIPAL)) == (3, 22)
    # 渝北区: rooms, campus museums, rural demonstration bases, e-stations, bases, money.
    counts = [venues("500112", t).count() for t in (VenueType.ACTIVITY_ROOM, VenueType.CAMPUS_MUSEUM,
                                                   VenueType.RURAL_DEMO_BASE, VenueType.E_STATION)]
    assert counts == [15, 10, 11, 12]
    assert (certified("500112", CertLevel.NATIONAL), certified("500112", CertLevel.MUNICIPAL)) == (3, 10)
    money = FundingRecord.objects.filter(region__code="500112", year=2024)
    assert money.filter(source__in=[FundingSource.FISCAL_BUDGET, FundingSource.FISCAL_SPECIAL]).aggregate(
        s=Sum("budgeted"))["s"] == Decimal(7_500_000)
    assert money.filter(source__in=[FundingSource.DONATION, FundingSource.SELF_RAISED]).aggregate(
        s=Sum("budgeted"))["s"] == Decimal(13_000_000)
    # 沙坪坝区: 202 village and community stations, 17 halls, 3 theme parks, 68 bases.
    assert venues("500106", VenueType.ACTIVITY_ROOM, region__level=Level.VILLAGE).count() == 202
    assert venues("500106", VenueType.ACTIVITY_ROOM, region__level=Level.TOWN).count() == 17
    assert venues("500106", VenueType.THEME_PARK).count() == 3
    assert certified("500106", CertLevel.MUNICIPAL) + certified("500106", CertLevel.DISTRICT) == 68
    # 万州区: campus and community museums, about 100 galleries, 18 classrooms, 35 bases of all levels.
    assert venues("500101", VenueType.CAMPUS_MUSEUM).count() == 6
    assert venues("500101", VenueType.ACTIVITY_ROOM).count() == 3
    assert venues("500101", VenueType.GALLERY).count() == 100
    assert venues("500101", VenueType.OTHER).count() == 18
    assert sum(certified("500101", level) for level in CertLevel.values) == 35
    # 渝中区: about 9 yuan per resident.
    assert round(value("fiscal_funding_per_capita", "500103", 2024).value) == 9


def check_invariants():
    for model in RECORD_MODELS:
        rows = model.objects.all()
        assert rows.exists(), model
        assert not rows.filter(is_demo=False).exists(), model
        assert not rows.exclude(region_path=F("region__path")).exists(), model
    assert not SchoolProfile.objects.exclude(region=F("unit__region")).exists()
    for issue in ColumnIssue.objects.select_related("column__outlet"):
        assert issue.region_path == issue.column.outlet.region_path
        assert (issue.iso_year, issue.iso_week) == issue.date.isocalendar()[:2]
    assert not Venue.objects.filter(closed_on__lt=F("opened_on")).exists()
    officers = RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).select_related("user", "region")
    assert officers.count() > 200
    for assignment in officers:
        assert assignment.region.level == Level.VILLAGE
        if assignment.user.username != "yc_officer":  # the persona
            phone_validator(assignment.user.phone)
            assert assignment.user.is_demo and assignment.user.username == f"m{assignment.user.phone}"
            assert not assignment.user.has_usable_password()
    # A second run adds nothing.
    before = [m.objects.count() for m in (*RECORD_MODELS, ColumnIssue, Certification, User)]
    load_demo()
    assert [m.objects.count() for m in (*RECORD_MODELS, ColumnIssue, Certification, User)] == before


def check_yongchuan_targets():
    met = {
        ("agri_town_association_ratio", 2024): 0.8, ("fiscal_funding_per_capita", 2024): 2.0,
        ("fiscal_funding_per_capita", 2023): 2.0, ("school_tech_room_ratio", 2024): 0.5,
        ("certified_bases_count", 2024): 5, ("certified_bases_count", 2023): 5,
        ("media_weekly_columns", 2023): 1.0, ("info_officer_ratio", 2024): 0.01,
        ("info_officer_active_ratio", 2024): 0.01,
    }
    for (key, year), target in met.items():
        assert value(key, "500118", year).value >= target, (key, year)
    assert value("info_officer_rank_percentile", "500118", 2024).value <= 0.3
    unmet = {("school_science_staff_compliance", 2024): 1.0, ("village_station_board_officer_coverage", 2024): 1.0,
             ("media_weekly_columns", 2024): 1.0, ("info_officer_ratio", 2023): 0.01}
    for (key, year), target in unmet.items():
        got = value(key, "500118", year).value
        assert got is not None and got < target, (key, year)
    coverage = value("village_station_board_officer_coverage", "500118", 2024)
    assert coverage.denominator == 266 and coverage.value > Decimal("0.6")
    assert coverage.detail["missing_station"] == 15 and coverage.detail["missing_officer"] > 0
    # Some galleries went up in 2024: 2023's coverage is lower.
    assert value("village_station_board_officer_coverage", "500118", 2023).value < coverage.value
    media = value("media_weekly_columns", "500118", 2024)
    assert (media.numerator, media.denominator) == (45, 52)
    schools = value("school_science_staff_compliance", "500118", 2024)
    assert schools.denominator == 46 and schools.detail["without_profile"] == 1
    rank = value("info_officer_rank_percentile", "500118", 2024)
    assert rank.detail["of"] == Region.objects.filter(parent__code="500000").count()


def test_generators_write_consistent_rows_and_skip_what_they_made(db):
    town = Region.objects.get(code="500118100")
    villages = [make_village(town), make_village(town, rural=False), make_village("500118001", rural=False)]
    school = make_school(villages[0], name="测试村小学")
    regions = {r.code: r for r in Region.objects.filter(code__in=["500000", "500118", "500118100", "500118001",
                                                                      *(v.code for v in villages)])}
    made: dict[str, int] = {}
    for generate in (base_gendata.generate_base_data, venues_gendata.generate_venues,
                     channels_gendata.generate_channels):
        made.update(generate(scale="district", regions=regions))
    assert made["venues"] == Venue.objects.count() > 50
    assert made["school_profiles"] == SchoolProfile.objects.filter(unit=school).count() == 2
    assert made["info_officer_figures"] == InfoOfficerFigure.objects.count() == 2 * 3  # 永川区, two towns
    amounts = [a for row in FundingRecord.objects.values_list("budgeted", "received") for a in row]
    assert amounts and all(isinstance(a, Decimal) and a >= 0 for a in amounts)
    for model in RECORD_MODELS:
        assert not model.objects.exclude(region_path=F("region__path")).exists(), model
    assert not ColumnIssue.objects.exclude(region_path=F("column__outlet__region_path")).exists()
    for issue in ColumnIssue.objects.all()[:200]:
        assert (issue.iso_year, issue.iso_week) == issue.date.isocalendar()[:2]
    assert not Certification.objects.filter(valid_until__lt=datetime.date(2015, 1, 1), year__gt=2015).exists()
    figures = dict(InfoOfficerFigure.objects.filter(year=2024).values_list("region__code", "registered"))
    assert figures["500118"] == figures["500118100"] + figures["500118001"]
    for assignment in RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).select_related("user"):
        phone_validator(assignment.user.phone)
        assert assignment.region_id in {v.pk for v in villages}
    # The rows answer the measures.
    assert value("village_station_board_officer_coverage", "500118", 2024).denominator == 3
    assert value("media_weekly_columns", "500118", 2024).value is not None
    # A second run finds the district done and adds nothing.
    counts = [m.objects.count() for m in (*RECORD_MODELS, ColumnIssue, Certification, User)]
    again = {}
    for generate in (base_gendata.generate_base_data, venues_gendata.generate_venues,
                     channels_gendata.generate_channels):
        again.update(generate(scale="district", regions=regions))
    assert [m.objects.count() for m in (*RECORD_MODELS, ColumnIssue, Certification, User)] == counts
    assert again["venues"] == made["venues"] and again["school_profiles"] == made["school_profiles"]
