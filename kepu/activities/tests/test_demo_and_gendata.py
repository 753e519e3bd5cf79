"""The demo activities agree with the published figures; gendata's bulk rows keep every invariant."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from kepu.accounts.models import User
from kepu.activities import demo, gendata
from kepu.activities.models import (
    Activity,
    ActivityStatus,
    CheckIn,
    ParticipationReport,
    Registration,
    ReportCount,
    ThemeDayDate,
)
from kepu.core import pii
from kepu.core.demo import SEED, load_demo
from kepu.core.gendata import generate
from kepu.core.measures import get_measure
from kepu.orgs.models import Unit
from kepu.regions.models import Region

pytestmark = pytest.mark.django_db


def in_district(code: str):
    return Activity.objects.filter(region_path__startswith=Region.objects.get(code=code).path)


def assert_consistent():
    """What the services keep true, checked over every activity in the database."""
    # 已报送 exactly when the report is submitted.
    assert not Activity.objects.filter(status=ActivityStatus.REPORTED).exclude(report__status="submitted").exists()
    assert not ParticipationReport.objects.filter(status="submitted").exclude(activity__status="reported").exists()
    # A report's person-times are the sum of its counts; every report has counts.
    sums = ParticipationReport.objects.annotate(
        s=Sum("counts__registered") + Sum("counts__walk_ins") + Sum("counts__online"))
    assert not sums.exclude(person_times=F("s")).exists()
    assert not ParticipationReport.objects.filter(counts__isnull=True).exists()
    assert not Activity.objects.exclude(region_path=F("region__path")).exists()
    # Seats: confirmed_count is the number of confirmed registrations, within capacity.
    confirmed = Activity.objects.annotate(n=Count("registrations", filter=Q(registrations__status="confirmed")))
    assert not confirmed.exclude(confirmed_count=F("n")).exists()
    assert not Activity.objects.filter(confirmed_count__gt=F("capacity")).exists()
    # Check-ins: only of confirmed registrations, of the same activity; walk-ins carry no registration.
    named = CheckIn.objects.filter(registration__isnull=False)
    assert not named.exclude(registration__status="confirmed").exists()
    assert not named.exclude(activity_id=F("registration__activity_id")).exists()
    assert not CheckIn.objects.filter(method="walk_in", registration__isnull=False).exists()
    assert not Activity.objects.filter(end__lt=F("start")).exists()


# --- demo ----------------------------------------------------------------------------------------------


@pytest.fixture
def demo_loaded(db):
    load_demo()


def snapshot_past():
    return sorted(Activity.objects.filter(start__year__lte=2025).values_list(
        "title", "start", "status", "region__code", "organizer__name", "report__person_times"))


def test_theme_weeks_are_the_third_full_saturday_to_friday_week():
    assert demo.third_full_week(2025, 5) == (datetime.date(2025, 5, 17), datetime.date(2025, 5, 23))
    assert demo.third_full_week(2025, 9) == (datetime.date(2025, 9, 20), datetime.date(2025, 9, 26))
    assert demo.third_full_week(2026, 9) == (datetime.date(2026, 9, 19), datetime.date(2026, 9, 25))


def test_demo_loads_twice_adding_nothing_and_is_deterministic(demo_loaded):
    before = (Activity.objects.count(), ParticipationReport.objects.count(), Registration.objects.count(),
              Unit.objects.count(), ThemeDayDate.objects.count())
    load_demo()
    after = (Activity.objects.count(), ParticipationReport.objects.count(), Registration.objects.count(),
             Unit.objects.count(), ThemeDayDate.objects.count())
    assert after == before
    assert 3000 <= before[0] <= 6000
    first = snapshot_past()
    Activity.objects.filter(is_demo=True).delete()
    demo.load_demo_activities(random.Random(f"{SEED}/{demo.__name__}"))
    assert snapshot_past() == first


def test_demo_is_consistent_and_agrees_with_the_published_figures(demo_loaded):
    check_demo_is_marked_and_consistent()
    check_demo_agrees_with_the_published_figures()
    check_demo_dates_follow_the_anchor_and_the_theme_days()
    check_demo_has_registrations_to_check_in()


def check_demo_is_marked_and_consistent():
    assert_consistent()
    assert not Activity.objects.filter(is_demo=False).exists()
    assert not Activity.objects.exclude(description__contains="演示数据").exists()
    assert not ParticipationReport.objects.exclude(narrative__contains="演示数据").exists()
    statuses = dict(Activity.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses["reported"] > 0.8 * sum(statuses.values())
    assert statuses["finished"] > 50 and statuses["cancelled"] > 20
    assert statuses["draft"] >= 2 and statuses["published"] >= 20
    # One report sent back by the reviewer: its activity is 已结束 again.
    returned = ParticipationReport.objects.get(status="returned")
    assert returned.activity.status == "finished" and returned.return_comment
    assert returned.returned_by == User.objects.get(username="yc_reviewer")
    # Only the nine demonstration districts have activities.
    districts = {path.split("/")[1] for path in Activity.objects.values_list("region_path", flat=True)}
    assert districts == set(demo.PROFILES)


def check_demo_agrees_with_the_published_figures():
    # 巴南区: about 350 全国科普日 events in 2025 with about 1.5 million person-times.
    banan = in_district("500113").filter(theme_days__name="全国科普日", start__year=2025)
    assert 340 <= banan.count() <= 360
    assert 1_450_000 <= banan.aggregate(n=Sum("report__person_times"))["n"] <= 1_550_000
    # 沙坪坝区: about 300 volunteer service activities held in 2025.
    shapingba = Region.objects.get(code="500106")
    held = get_measure("volunteer_service_activities").compute([shapingba], 2025)["500106"].value
    assert 290 <= held <= 320
    # 江北区: activity coverage about 0.8 of the (demo) resident population, each year.
    jiangbei = Region.objects.get(code="500105")
    for year in (2024, 2025):
        coverage = get_measure("activity_coverage").compute([jiangbei], year)["500105"].value
        assert Decimal("0.78") <= coverage <= Decimal("0.84")
    volunteer = in_district("500105").filter(start__year=2025, status="reported", is_volunteer_service=True)
    assert volunteer.aggregate(n=Sum("report__person_times"))["n"] == 100_000
    # 渝中区: about 1,000 community activities a year.
    assert 950 <= in_district("500103").filter(start__year=2025).count() <= 1050


def check_demo_dates_follow_the_anchor_and_the_theme_days():
    now = timezone.now()
    past = Activity.objects.filter(status__in=["finished", "reported"])
    assert past.filter(start__year__in=[2024, 2025]).count() == past.count()
    window = ThemeDayDate.objects.get(theme_day__name="全国科普日", year=2025)
    days = {timezone.localtime(s).date() for s in
            Activity.objects.filter(theme_days__name="全国科普日", start__year=2025).values_list("start", flat=True)}
    assert min(days) >= window.start and max(days) <= window.end
    assert ThemeDayDate.objects.filter(theme_day__name="科技活动周", year=2026).exists()
    # Upcoming ones are open for registration whenever the demo is started.
    upcoming = Activity.objects.filter(status="published")
    assert upcoming.count() >= 20 and not upcoming.filter(start__lte=now).exists()
    assert upcoming.filter(registration_required=True, capacity__isnull=False).count() >= 15


def check_demo_has_registrations_to_check_in():
    activity = Activity.objects.get(title="永川区科技馆“人工智能体验”开放日")
    assert activity.region.code == "500118" and activity.status == "published" and activity.registration_required
    registrations = list(activity.registrations.all())
    assert len(registrations) == 3 and activity.confirmed_count == 3
    citizen = next(r for r in registrations if r.user is not None)
    assert citizen.user.username == "citizen" and citizen.phone_hash == pii.lookup_hash("13800000001")
    for registration in registrations:
        phone = pii.decrypt(registration.phone_encrypted)
        assert registration.phone_hash == pii.lookup_hash(phone)
        assert registration.phone_masked == pii.mask_phone(phone)
    full = Activity.objects.get(title__startswith="沙坪坝区“心肺复苏与急救”")
    assert (full.capacity, full.confirmed_count, full.registrations.filter(status="waitlisted").count()) == (20, 20, 3)
    assert Registration.objects.values("token").distinct().count() == Registration.objects.count()


# --- gendata ------------------------------------------------------------------------------------------------


def test_registrations_per_activity_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("KEPU_GENDATA_REGISTRATIONS", raising=False)
    assert gendata.registrations_per_activity() == 20
    monkeypatch.setenv("KEPU_GENDATA_REGISTRATIONS", "2.5")
    assert gendata.registrations_per_activity() == 2.5
    for bad in ("lots", "-1", "1000"):
        monkeypatch.setenv("KEPU_GENDATA_REGISTRATIONS", bad)
        with pytest.raises(ImproperlyConfigured, match="KEPU_GENDATA_REGISTRATIONS"):
            gendata.registrations_per_activity()


def test_small_scale_generates_consistent_activities(monkeypatch):
    monkeypatch.delenv("KEPU_GENDATA_REGISTRATIONS", raising=False)
    counts = generate("small")
    assert counts["activities"] == Activity.objects.count() == 40 * 30 + 800
    assert counts["registrations"] == Registration.objects.count()
    assert counts["checkins"] == CheckIn.objects.count()
    assert counts["reports"] == ParticipationReport.objects.count()
    assert 15 <= counts["registrations"] / counts["activities"] <= 25
    checked_in = CheckIn.objects.filter(registration__isnull=False).count()
    assert 0.6 <= checked_in / counts["registrations"] <= 0.8
    assert_consistent()
    assert Registration.objects.values("token").distinct().count() == counts["registrations"]
    # Each registration's phone fields agree (the pool is encrypted with the real key).
    for registration in Registration.objects.order_by("?")[:20]:
        phone = pii.decrypt(registration.phone_encrypted)
        assert len(phone) == 11
        assert registration.phone_hash == pii.lookup_hash(phone)
        assert registration.phone_masked == pii.mask_phone(phone)
    # The counts of a report start from the check-ins per group, as report_save() computes them.
    for report in ParticipationReport.objects.order_by("?")[:50]:
        named = dict(CheckIn.objects.filter(activity_id=report.activity_id, registration__isnull=False)
                     .values_list("group_id").annotate(n=Count("id")).order_by())
        recorded = dict(ReportCount.objects.filter(report=report, registered__gt=0).values_list("group_id", "registered"))
        assert recorded == named
    assert not Activity.objects.filter(is_demo=False).exists()
    assert not Activity.objects.exclude(description__endswith=gendata.MARK).exists()
    # Every activity lies in its organizer's region subtree.
    for activity in Activity.objects.select_related("organizer__region").order_by("?")[:200]:
        assert activity.region_path.startswith(activity.organizer.region.path)
    # Ids were given explicitly: the next ordinary insert still gets a fresh one.
    assert Activity.objects.create(title="x", kind="lecture", organizer=Unit.objects.first(),
                                   region=Region.objects.get(code="500118"), region_path="500000/500118/",
                                   start=timezone.now(), end=timezone.now()).pk > counts["activities"]


def test_a_second_run_adds_nothing_and_reports_the_same():
    counts = generate("small")
    before = (Activity.objects.count(), Registration.objects.count(), CheckIn.objects.count())
    assert generate("small") == counts
    assert (Activity.objects.count(), Registration.objects.count(), CheckIn.objects.count()) == before


def test_no_registrations_when_asked_for_none(monkeypatch):
    monkeypatch.setenv("KEPU_GENDATA_REGISTRATIONS", "0")
    counts = generate("small")
    assert counts["registrations"] == 0 == Registration.objects.count()
    assert counts["activities"] == 2000
    assert_consistent()
