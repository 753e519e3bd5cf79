"""The demo volunteers agree with the published figures; demo and gendata rows keep every invariant
the services keep (hours, stars, personal data, numbers, leaders, requests)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from kepu.accounts.models import Role, User
from kepu.core import pii
from kepu.core.demo import load_demo
from kepu.core.gendata import generate
from kepu.core.measures import get_measure
from kepu.regions.models import Region
from kepu.volunteers import gendata, services
from kepu.volunteers.models import (
    Duty,
    Membership,
    RecordSource,
    RecordStatus,
    RequestStatus,
    ServiceRecord,
    ServiceRequest,
    StarChange,
    Team,
    Volunteer,
)
from kepu.volunteers.policies import claimable_teams, led_team_ids, volunteer_policy

pytestmark = pytest.mark.django_db


def measure(key: str, code: str, year: int):
    return get_measure(key).compute([Region.objects.get(code=code)], year)[code].value


def assert_consistent(volunteers):
    """What the services keep true, over the given volunteers and everything hanging off them."""
    if connection.vendor == "postgresql":
        # Tables just filled in this transaction have no statistics: without them PostgreSQL plans
        # the joins below as nested loops over every row (minutes instead of milliseconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE volunteers_volunteer, volunteers_servicerecord, volunteers_membership, "
                           "volunteers_team, volunteers_starchange")
    records = ServiceRecord.objects.filter(volunteer__in=volunteers)
    # Hours and stars are the verified records' sums.
    sums = dict(records.filter(status=RecordStatus.VERIFIED).values_list("volunteer").annotate(s=Sum("hours"))
                .order_by())
    for pk, hours, stars in volunteers.values_list("pk", "hours", "stars"):
        assert hours == (sums.get(pk) or Decimal(0)), pk
        assert stars == services.stars_for(hours), pk
    # A star change per level reached, ending at the volunteer's level.
    last = dict(StarChange.objects.filter(volunteer__in=volunteers).values_list("volunteer")
                .annotate(n=Count("id")).order_by())
    assert last == dict(volunteers.filter(stars__gt=0).values_list("pk", "stars"))
    # Records: served while registered, status fields agree, paths copied.
    assert not records.filter(date__lt=F("volunteer__registered_on")).exists()
    assert not records.filter(date__gt=F("volunteer__left_on")).exists()
    assert not records.filter(status=RecordStatus.VERIFIED, verified_at__isnull=True).exists()
    assert not records.filter(status=RecordStatus.PENDING).filter(Q(verified_at__isnull=False) | ~Q(quality="")).exists()
    assert not records.filter(status=RecordStatus.REJECTED, reject_reason="").exists()
    assert not records.exclude(region_path=F("region__path")).exists()
    member = Membership.objects.filter(volunteer=OuterRef("volunteer"), team=OuterRef("team"))
    assert not records.filter(team__isnull=False).exclude(Exists(member)).exists()
    assert not records.filter(Q(hours__lte=0) | Q(hours__gt=24)).exists()
    assert not records.filter(source=RecordSource.CLAIM).exclude(recorded_by=F("volunteer__user")).exists()
    assert not volunteers.exclude(region_path=F("region__path")).exists()
    # Teams: a leader each, with an account, adult and serving; members joined after registering.
    teams = Team.objects.filter(memberships__volunteer__in=volunteers).distinct()
    assert not teams.exclude(memberships__role=Membership.Role.LEADER).exists()
    leaders = Membership.objects.filter(role=Membership.Role.LEADER, volunteer__in=volunteers)
    assert not leaders.filter(Q(volunteer__user__isnull=True) | Q(volunteer__left_on__isnull=False)
                              | Q(volunteer__guardian_consent_on__isnull=False)).exists()
    memberships = Membership.objects.filter(volunteer__in=volunteers)
    assert not memberships.filter(joined_on__lt=F("volunteer__registered_on")).exists()
    assert not teams.exclude(region_path=F("region__path")).exists()
    # Numbers: one each, under the district's prefix.
    assert volunteers.values("number").distinct().count() == volunteers.count()
    for number, path in volunteers.values_list("number", "region_path")[:500]:
        assert number[:6] == services.number_prefix(Region.objects.get(path="/".join(path.split("/")[:2]) + "/"))


def assert_personal_data(volunteers, lookups: int = 30):
    """Every stored ID decrypts to a valid number agreeing with the record; hashes and masks match
    (and the first `lookups` are found by their number)."""
    for n, v in enumerate(volunteers):
        number = pii.decrypt(v.id_encrypted)
        birth, gender = pii.parse_resident_id(number)  # raises on a bad check digit or date
        assert (birth, gender) == (v.birth_date, v.gender)
        assert v.id_hash == pii.lookup_hash(number) and v.id_masked == pii.mask_id(number)
        if n < lookups:
            assert services.find_by_id_number(number).pk == v.pk
        phone = pii.decrypt(v.phone_encrypted)
        assert services.check_mobile(phone) == phone
        assert v.phone_hash == pii.lookup_hash(phone) and v.phone_masked == pii.mask_phone(phone)
        minor = services.is_minor(v.birth_date, v.registered_on)
        assert bool(v.guardian_name) == minor == (v.guardian_consent_on is not None)
        if minor:
            guardian = pii.decrypt(v.guardian_phone_encrypted)
            assert services.check_mobile(guardian) == guardian and v.guardian_phone_masked == pii.mask_phone(guardian)


# --- demo ----------------------------------------------------------------------------------------------------


def test_demo_volunteers():
    load_demo()
    demo = Volunteer.objects.filter(is_demo=True)
    before = (demo.count(), ServiceRecord.objects.count(), Team.objects.count(), Membership.objects.count(),
              Duty.objects.count(), ServiceRequest.objects.count(), StarChange.objects.count())
    load_demo()  # a second run adds nothing
    assert (demo.count(), ServiceRecord.objects.count(), Team.objects.count(), Membership.objects.count(),
            Duty.objects.count(), ServiceRequest.objects.count(), StarChange.objects.count()) == before
    assert not Volunteer.objects.filter(is_demo=False).exists()
    assert not ServiceRecord.objects.filter(is_demo=False).exists() and not Team.objects.filter(is_demo=False).exists()

    check_demo_agrees_with_the_published_figures()
    assert_consistent(demo)
    assert_personal_data(demo)  # all of them
    check_demo_records_and_stars()
    check_demo_duties_and_requests()
    check_demo_personas()


def check_demo_agrees_with_the_published_figures():
    year = timezone.localdate().year
    assert measure("registered_volunteers", "500118", year) >= 1000  # Yongchuan B4.1 target
    assert measure("volunteer_teams", "500106", year) == 45
    assert 4_600 <= measure("registered_volunteers", "500106", year) <= 4_800
    assert 1_950 <= measure("registered_volunteers", "500101", year) <= 2_100
    assert Team.objects.filter(region_path__startswith="500000/500106/").count() == 45
    for code in ("500118", "500106", "500101", "500103", "500105", "500107", "500109", "500112", "500113"):
        assert measure("active_volunteers", code, year) > 0
        assert measure("volunteer_service_hours", code, year) > 0
    districts = {p.split("/")[1] for p in Volunteer.objects.values_list("region_path", flat=True)}
    assert len(districts) == 9


def check_demo_records_and_stars():
    statuses = dict(ServiceRecord.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses[RecordStatus.VERIFIED] > 0.85 * sum(statuses.values())
    assert statuses[RecordStatus.PENDING] > 100 and statuses[RecordStatus.REJECTED] > 100
    today = timezone.localdate()
    assert not ServiceRecord.objects.filter(date__gt=today).exists()
    assert not ServiceRecord.objects.filter(Q(verified_at__gt=timezone.now()) | Q(recorded_at__gt=timezone.now())).exists()
    assert not ServiceRecord.objects.filter(verified_at__lt=F("recorded_at")).exists()
    two_years = today - datetime.timedelta(days=731)
    recent = ServiceRecord.objects.filter(date__gte=two_years, source__in=[RecordSource.MANUAL, RecordSource.IMPORT,
                                                                            RecordSource.CLAIM])
    assert recent.count() > 0.9 * ServiceRecord.objects.filter(source__in=[
        RecordSource.MANUAL, RecordSource.IMPORT, RecordSource.CLAIM]).count()
    assert set(Volunteer.objects.values_list("stars", flat=True)) == {0, 1, 2, 3, 4, 5}
    assert Volunteer.objects.filter(left_on__isnull=False).exists()
    assert Volunteer.objects.exclude(guardian_name="").count() > 100
    # Star changes are dated when the level was reached, one level at a time.
    assert not StarChange.objects.exclude(new_stars=F("old_stars") + 1).exists()
    assert StarChange.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=30)).exists()


def check_demo_duties_and_requests():
    # Past 科技志愿服务活动: volunteers on duty, each with the verified record the check-in gave.
    credited = Duty.objects.filter(record__isnull=False)
    assert credited.count() > 1000
    assert not credited.exclude(record__activity=F("activity")).exists()
    assert not credited.exclude(record__volunteer=F("volunteer")).exists()
    assert not credited.exclude(record__status=RecordStatus.VERIFIED, record__source=RecordSource.CHECKIN).exists()
    assert not credited.exclude(activity__is_volunteer_service=True).exists()
    for duty in credited.select_related("activity", "record").order_by("?")[:100]:
        assert duty.record.hours == services.duty_hours(duty)
        assert Membership.objects.filter(team=duty.team, volunteer=duty.volunteer).exists()
    # The activities' uniqueness: one non-rejected record per volunteer and activity.
    per_activity = (ServiceRecord.objects.filter(activity__isnull=False).exclude(status=RecordStatus.REJECTED)
                    .values("volunteer", "activity").annotate(n=Count("id")).filter(n__gt=1))
    assert not per_activity.exists()
    # 你点我送 in every state, with times in order.
    states = dict(ServiceRequest.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert set(states) == set(RequestStatus.values) and states[RequestStatus.FULFILLED] >= 5
    for request in ServiceRequest.objects.exclude(status__in=[RequestStatus.OPEN, RequestStatus.CANCELLED]):
        assert request.team is not None and request.created_at < request.claimed_at
        team_path, path = request.team.region_path, request.region_path
        assert path.startswith(team_path) or team_path.startswith(path)  # near, as claimable_teams asks
    assert not ServiceRequest.objects.filter(status=RequestStatus.CANCELLED, cancel_reason="").exists()
    for request in ServiceRequest.objects.filter(status=RequestStatus.FULFILLED).select_related("activity", "team"):
        activity = request.activity
        assert activity.is_volunteer_service and activity.organizer_id == request.team.unit_id
        assert request.claimed_at < activity.start < activity.end < request.fulfilled_at <= timezone.now()
        assert request.window_start <= timezone.localtime(activity.start).date() <= request.window_end
        records = request.records.all()
        assert records.exists() and not records.exclude(status=RecordStatus.VERIFIED, source=RecordSource.REQUEST,
                                                        activity=activity, team=request.team).exists()
        assert request.response_hours > 0 and request.completion_hours > request.response_hours
    scheduled = ServiceRequest.objects.filter(status=RequestStatus.CLAIMED, activity__isnull=False).first()
    assert scheduled is not None and scheduled.activity.status == "published"
    assert scheduled.activity.start > timezone.now()
    phone = pii.decrypt(scheduled.contact_phone_encrypted)
    assert scheduled.contact_phone_masked == pii.mask_phone(phone)


def check_demo_personas():
    # The team leader leads 永川区's 总队 of 区科协, has pending records to verify and a need to claim.
    leader = User.objects.get(username="yc_leader")
    assert leader.role_assignments.filter(role=Role.TEAM_LEADER, unit__name="区科协", unit__region__code="500118").exists()
    membership = Membership.objects.get(volunteer__user=leader, role=Membership.Role.LEADER)
    assert membership.team.region.code == "500118" and membership.team.unit.name == "区科协"
    assert ServiceRecord.objects.filter(team_id__in=led_team_ids(leader), status=RecordStatus.PENDING).count() >= 5
    open_needs = ServiceRequest.objects.filter(status=RequestStatus.OPEN, region_path__startswith="500000/500118/")
    assert any(claimable_teams(leader, need) for need in open_needs)
    # The citizen is a volunteer of 永川区 with verified hours.
    citizen = Volunteer.objects.get(user__username="citizen")
    assert citizen.region_path.startswith("500000/500118/") and citizen.hours >= 20
    assert citizen.phone_hash == pii.lookup_hash("13800000001")
    assert citizen.records.filter(status=RecordStatus.VERIFIED).count() >= 10
    # yc_admin may see full numbers in 永川区 (and not elsewhere); other staff may not.
    yc_admin = User.objects.get(username="yc_admin")
    assert volunteer_policy.can(yc_admin, "view_pii", citizen)
    assert not volunteer_policy.can(yc_admin, "view_pii", Volunteer.objects.filter(region_path__startswith="500000/500106/")
                                    .first())
    assert not volunteer_policy.can(User.objects.get(username="yc_reviewer"), "view_pii", citizen)


# --- gendata ---------------------------------------------------------------------------------------------------


def test_records_per_volunteer_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("KEPU_GENDATA_VOLUNTEER_RECORDS", raising=False)
    assert gendata.records_per_volunteer() == 5
    monkeypatch.setenv("KEPU_GENDATA_VOLUNTEER_RECORDS", "1.5")
    assert gendata.records_per_volunteer() == 1.5
    for bad in ("many", "-1", "100"):
        monkeypatch.setenv("KEPU_GENDATA_VOLUNTEER_RECORDS", bad)
        with pytest.raises(ImproperlyConfigured, match="KEPU_GENDATA_VOLUNTEER_RECORDS"):
            gendata.records_per_volunteer()


def test_small_scale_generates_consistent_volunteers(monkeypatch):
    monkeypatch.delenv("KEPU_GENDATA_VOLUNTEER_RECORDS", raising=False)
    monkeypatch.setenv("KEPU_GENDATA_REGISTRATIONS", "0")  # the activities' registrations are not needed here
    counts = generate("small")
    volunteers = Volunteer.objects.all()
    assert counts["volunteers"] == volunteers.count() == 2_000 + 40 * 40
    assert counts["service_records"] == ServiceRecord.objects.count() == 5 * counts["volunteers"]
    assert counts["volunteer_teams"] == Team.objects.count() == 1 + 12 + 23 + 40 * (1 + 3)
    assert counts["memberships"] == Membership.objects.count()
    assert counts["star_changes"] == StarChange.objects.count() > 0
    assert counts["service_requests"] == ServiceRequest.objects.count()
    assert not volunteers.filter(is_demo=False).exists()
    assert_consistent(volunteers)
    assert_personal_data(volunteers)  # all of them
    statuses = dict(ServiceRecord.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses[RecordStatus.VERIFIED] > 0.9 * counts["service_records"]
    assert statuses[RecordStatus.PENDING] and statuses[RecordStatus.REJECTED]
    # Records on activities are on held 科技志愿服务活动 of the district, dated that day.
    linked = ServiceRecord.objects.filter(activity__isnull=False).select_related("activity")
    assert linked.count() > 0.05 * counts["service_records"]
    for record in linked.order_by("?")[:100]:
        assert record.activity.is_volunteer_service and record.activity.status in ("finished", "reported")
        assert record.date == timezone.localtime(record.activity.start).date()
        assert record.region_path == record.activity.region_path
    # Fulfilled needs: the 总队 claimed them, on an activity of its unit, with its members' records.
    for request in ServiceRequest.objects.filter(status=RequestStatus.FULFILLED).select_related("activity", "team"):
        assert request.activity.organizer_id == request.team.unit_id
        assert request.records.exists() and not request.records.exclude(team=request.team).exists()
    assert ServiceRequest.objects.filter(status=RequestStatus.FULFILLED).exists()
    # The benchmark's accounts: the 永川 总队's leader and a busy volunteer.
    bench_leader = Volunteer.objects.get(user__username="bench_leader")
    assert bench_leader.memberships.filter(role=Membership.Role.LEADER, team__name="永川区科技志愿服务总队").exists()
    assert Volunteer.objects.get(user__username="bench_volunteer").records.count() >= 8
    # Ids were given explicitly: the next registration still gets a fresh id and number.
    fresh = services.volunteer_register(
        actor=None, name="新志愿者", gender="male", birth_date=datetime.date(1990, 5, 17),
        id_number="50011819900517" + "991" + pii.id_check_digit("50011819900517991"), phone="13912345678",
        region=Region.objects.get(code="500118"))
    assert fresh.pk > max(v for v in volunteers.exclude(pk=fresh.pk).values_list("pk", flat=True))


def test_a_second_run_adds_nothing_and_reports_the_same(monkeypatch):
    monkeypatch.setenv("KEPU_GENDATA_REGISTRATIONS", "0")
    monkeypatch.setenv("KEPU_GENDATA_VOLUNTEER_RECORDS", "1")
    counts = generate("small")
    assert counts["service_records"] == ServiceRecord.objects.count() == counts["volunteers"]
    before = (Volunteer.objects.count(), ServiceRecord.objects.count(), Team.objects.count())
    again = generate("small")
    assert {k: again[k] for k in counts if k in again} == counts
    assert (Volunteer.objects.count(), ServiceRecord.objects.count(), Team.objects.count()) == before
