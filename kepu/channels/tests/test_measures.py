"""Weekly media columns and 科普中国 information officers: from the records, with reasons."""

import datetime
from decimal import Decimal

import pytest

from kepu.channels.measures import weeks_counted
from kepu.core.measures import get_measure
from kepu.regions.models import Population, Region

from .factories import make_column, make_issue, set_info_officers

pytestmark = pytest.mark.django_db


def compute(key, codes, year=2024):
    return get_measure(key).compute(list(Region.objects.filter(code__in=codes)), year)


def test_weeks_with_an_issue_over_the_weeks_of_the_year():
    tv = make_column("500118")
    paper = make_column("500118001")
    make_issue(tv, datetime.date(2024, 1, 1))           # ISO week 1 of 2024
    make_issue(paper, datetime.date(2024, 1, 3))        # the same week, another column
    make_issue(tv, datetime.date(2024, 12, 30))         # ISO week 1 of 2025: not 2024
    make_issue(tv, datetime.date(2023, 12, 31))         # ISO week 52 of 2023
    for week in range(10, 20):
        make_issue(paper, datetime.date.fromisocalendar(2024, week, 4))
    values = compute("media_weekly_columns", ["500118", "500106"])
    assert (values["500118"].numerator, values["500118"].denominator) == (11, 52)
    assert values["500118"].detail == {"issues": 12, "year_running": False}
    assert values["500106"].value is None and values["500106"].reason == "no_columns"


def test_weeks_counted_so_far_in_a_running_year():
    assert weeks_counted(2026, datetime.date(2026, 11, 22)) == (47, True)
    assert weeks_counted(2027, datetime.date(2026, 11, 22)) == (0, True)
    assert weeks_counted(2020, datetime.date(2026, 11, 22)) == (53, False)


def test_info_officer_ratios_use_own_figures_else_the_level_below():
    Population.objects.create(region=Region.objects.get(code="500118"), year=2024, residents=1_000_000)
    Population.objects.create(region=Region.objects.get(code="500106"), year=2024, residents=1_500_000)
    set_info_officers("500118001", 2024, registered=6_000, active=4_000)
    set_info_officers("500118100", 2024, registered=5_000, active=3_000, shares=70)
    set_info_officers("500106", 2024, registered=9_000, active=12_000)
    values = compute("info_officer_ratio", ["500118", "500106", "500107"])
    assert values["500118"].value == Decimal("0.011")
    assert values["500106"].value == Decimal("0.006")
    assert values["500107"].reason == "no_info_officer_figures"
    active = compute("info_officer_active_ratio", ["500118", "500106"])
    assert active["500118"].value == Decimal("0.007") and active["500106"].value == Decimal("0.008")
    # A district's own figure wins over its towns'.
    set_info_officers("500118", 2024, registered=20_000, active=15_000)
    assert compute("info_officer_ratio", ["500118"])["500118"].value == Decimal("0.02")


def test_rank_percentile_among_siblings_with_data():
    for code, residents, officers in [("500118", 1_000_000, 20_000), ("500106", 1_000_000, 10_000),
                                      ("500107", 1_000_000, 10_000), ("500101", 1_000_000, 5_000)]:
        Population.objects.create(region=Region.objects.get(code=code), year=2024, residents=residents)
        set_info_officers(code, 2024, registered=officers, active=officers)
    values = compute("info_officer_rank_percentile", ["500118", "500106", "500107", "500101", "500103", "500000"])
    assert values["500118"].value == Decimal("0.25") and values["500118"].detail["rank"] == 1
    assert values["500106"].value == Decimal("0.5") and values["500107"].value == Decimal("0.5")  # a tie
    assert values["500101"].value == 1
    assert values["500118"].detail["of"] == 4
    assert values["500118"].detail["without_data"] == Region.objects.filter(parent__code="500000").count() - 4
    assert values["500103"].value is None and values["500103"].reason == "no_info_officer_figures"
    assert values["500000"].reason == "no_siblings"
    assert "region=500000" in values["500118"].records_url

