import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kepu.activities.models import ActivityStatus
from kepu.activities.tests.factories import ActivityFactory
from kepu.core import pii
from kepu.core.errors import Conflict, KepuError
from kepu.core.models import AuditEntry

from .. import services
from ..models import (
    Gender,
    Membership,
    RecordSource,
    RecordStatus,
    RequestStatus,
    ServiceRecord,
    StarChange,
    Volunteer,
)
from .factories import (
    add_member,
    make_id_number,
    make_record,
    make_request,
    make_team,
    make_volunteer,
)

pytestmark = pytest.mark.django_db


# --- resident ID numbers -------------------------------------------------------------------------------


def test_id_check_digit_matches_the_standard_example():
    # GB 11643-1999's worked example: 11010519491231002X.
    assert pii.id_check_digit("11010519491231002") == "X"
    assert pii.parse_resident_id("11010519491231002x") == (datetime.date(1949, 12, 31), "female")


@pytest.mark.parametrize("bad, words", [
    ("5001181990051700", "18 位"),
    ("50011819900230001X", "不存在"),
    ("500118199005170011", "校验位"),
    ("50011829990517001X", "不合理"),
])
def test_bad_id_numbers_are_explained(bad, words):
    with pytest.raises(pii.InvalidResidentId, match=words):
        pii.parse_resident_id(bad)


def test_id_must_agree_with_birth_date_and_gender():
    number = make_id_number(datetime.date(1990, 5, 17), Gender.FEMALE)
    assert services.check_identity(number, datetime.date(1990, 5, 17), Gender.FEMALE) == []
    problems = dict(services.check_identity(number, datetime.date(1990, 5, 18), Gender.MALE))
    assert "1990-05-17" in problems["birth_date"] and "女" in problems["gender"]


def test_mask_id():
    assert pii.mask_id("11010519491231002X") == "1101**********002X"


# --- registration -----------------------------------------------------------------------------------------


def test_register_stores_numbers_encrypted_hashed_and_masked(yongchuan):
    number = make_id_number(datetime.date(1988, 3, 9), Gender.MALE)
    volunteer = make_volunteer(id_number=number, birth_date=datetime.date(1988, 3, 9), phone="139 0000 1234")
    stored = Volunteer.objects.values().get(pk=volunteer.pk)
    assert number not in str(stored) and "13900001234" not in str(stored)
    assert pii.decrypt(stored["id_encrypted"]) == number
    assert stored["id_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert stored["phone_masked"] == "139****1234"
    assert services.find_by_id_number(number.lower()) == volunteer
    assert volunteer.number.startswith("500118") and len(volunteer.number) == 13
    entry = AuditEntry.objects.get(action="volunteer.registered")
    assert number not in str(entry.changes)


def test_volunteer_numbers_are_sequential_per_district(yongchuan, shapingba):
    first = make_volunteer()
    second = make_volunteer()
    other = make_volunteer(region=shapingba)
    assert int(second.number) == int(first.number) + 1
    assert other.number.startswith("500106")


def test_register_refuses_a_duplicate_id():
    number = make_id_number()
    existing = make_volunteer(id_number=number)
    with pytest.raises(ValidationError) as caught:
        make_volunteer(id_number=number)
    assert existing.number in caught.value.message_dict["id_number"][0]


def test_register_names_every_bad_field(yongchuan):
    number = make_id_number(datetime.date(1990, 5, 17), Gender.MALE)
    with pytest.raises(ValidationError) as caught:
        services.volunteer_register(actor=None, name="李四", gender=Gender.FEMALE, birth_date=datetime.date(1991, 1, 1),
                                    id_number=number, phone="12345", region=yongchuan)
    assert set(caught.value.message_dict) == {"birth_date", "gender", "phone"}
    assert Volunteer.objects.count() == 0


def test_minors_need_a_guardian(yongchuan):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 15) - datetime.timedelta(days=3)
    number = make_id_number(birth, Gender.FEMALE)
    fields = {"actor": None, "name": "小红", "gender": Gender.FEMALE, "birth_date": birth, "id_number": number,
                  "phone": "13900002222", "region": yongchuan}
    with pytest.raises(ValidationError) as caught:
        services.volunteer_register(**fields)
    assert set(caught.value.message_dict) == {"guardian_name", "guardian_phone", "guardian_consent"}
    volunteer = services.volunteer_register(**fields, guardian_name="王芳", guardian_phone="13900003333",
                                            guardian_consent=True)
    assert volunteer.guardian_phone_masked == "139****3333" and volunteer.guardian_consent_on == today


def test_a_citizen_registers_themselves_but_not_others(personas, yongchuan):
    citizen = personas.citizen
    mine = make_volunteer(user=citizen)
    assert mine.user == citizen
    with pytest.raises(PermissionDenied):
        make_volunteer(actor=citizen)


def test_update_rechecks_the_id_and_hides_numbers_from_the_audit(personas):
    volunteer = make_volunteer()
    new_number = make_id_number(volunteer.birth_date, Gender.MALE, serial=900)
    services.volunteer_update(actor=personas.yc_admin, volunteer=volunteer, id_number=new_number, skills="天文")
    volunteer.refresh_from_db()
    assert pii.decrypt(volunteer.id_encrypted) == new_number and volunteer.skills == "天文"
    entry = AuditEntry.objects.filter(action="volunteer.updated").latest("id")
    assert new_number not in str(entry.changes)
    with pytest.raises(ValidationError) as caught:
        services.volunteer_update(actor=personas.yc_admin, volunteer=volunteer, gender=Gender.FEMALE)
    assert "gender" in caught.value.message_dict


def test_update_out_of_scope_is_refused(personas, shapingba):
    volunteer = make_volunteer()
    with pytest.raises(PermissionDenied):
        services.volunteer_update(actor=personas.spb_admin, volunteer=volunteer, skills="x")


def test_reveal_needs_the_pii_role_and_is_audited(personas, yongchuan):
    from kepu.accounts.services import role_grant

    number = make_id_number()
    volunteer = make_volunteer(id_number=number)
    with pytest.raises(PermissionDenied):
        services.volunteer_reveal(actor=personas.yc_admin, volunteer=volunteer)
    role_grant(actor=None, user=personas.yc_reviewer, role="pii_viewer", region=yongchuan)
    reviewer = type(personas.yc_reviewer).objects.get(pk=personas.yc_reviewer.pk)
    assert services.volunteer_reveal(actor=reviewer, volunteer=volunteer)["id_number"] == number
    assert AuditEntry.objects.filter(action="volunteer.pii_viewed", actor=reviewer).count() == 1


def test_leave_keeps_the_record(personas):
    volunteer = make_volunteer()
    services.volunteer_leave(actor=personas.yc_admin, volunteer=volunteer)
    volunteer.refresh_from_db()
    assert volunteer.left_on == timezone.localdate()
    with pytest.raises(KepuError):
        services.volunteer_leave(actor=personas.yc_admin, volunteer=volunteer)


# --- teams ----------------------------------------------------------------------------------------------


def test_team_membership_and_leadership(personas):
    team = make_team(actor=personas.yc_admin)
    volunteer = make_volunteer()
    membership = add_member(team, volunteer)
    with pytest.raises(Conflict):
        add_member(team, volunteer)
    with pytest.raises(KepuError, match="账号"):
        services.membership_set_role(actor=None, membership=membership, role=Membership.Role.LEADER)
    other = make_team()
    add_member(other, volunteer)  # a person may join several teams
    assert volunteer.teams.count() == 2


def test_team_parent_cannot_loop():
    parent = make_team()
    child = make_team(parent=parent)
    with pytest.raises(ValidationError):
        services.team_update(actor=None, team=parent, parent=child)


def test_liaison_founds_teams_only_for_their_unit(personas, yongchuan, yc_education):
    from .factories import yc_association

    services.team_create(actor=personas.yc_liaison, name="教委科技志愿服务队", region=yongchuan, unit=yc_education)
    with pytest.raises(PermissionDenied):
        services.team_create(actor=personas.yc_liaison, name="科协服务队", region=yongchuan, unit=yc_association())


# --- records, hours and stars ------------------------------------------------------------------------------


@pytest.fixture
def small_stars(settings):
    settings.KEPU_VOLUNTEER_STAR_HOURS = [4, 8, 12, 16, 20]


def test_default_star_thresholds_are_the_national_draft():
    from django.conf import settings

    assert settings.KEPU_VOLUNTEER_STAR_HOURS == [100, 300, 600, 1000, 1500]
    assert services.stars_for(99.9) == 0 and services.stars_for(100) == 1 and services.stars_for(1500) == 5
    assert services.next_star(250) == (2, Decimal(50)) and services.next_star(2000) is None


def test_verified_hours_move_stars_up_and_down(small_stars):
    volunteer = make_volunteer()
    team = make_team()
    add_member(team, volunteer)
    make_record(volunteer, team=team, hours="5")
    pending = make_record(volunteer, team=team, hours="4", verify=False)
    volunteer.refresh_from_db()
    assert (volunteer.hours, volunteer.stars) == (Decimal("5.0"), 1)
    assert services.records_verify(actor=None, records=[pending]) == 1
    assert services.records_verify(actor=None, records=[pending]) == 0  # twice counts once
    volunteer.refresh_from_db()
    assert (volunteer.hours, volunteer.stars) == (Decimal("9.0"), 2)
    services.record_update(actor=None, record=pending, hours="2")
    volunteer.refresh_from_db()
    assert (volunteer.hours, volunteer.stars) == (Decimal("7.0"), 1)
    services.record_reject(actor=None, record=pending, reason="时长有误")
    volunteer.refresh_from_db()
    assert (volunteer.hours, volunteer.stars) == (Decimal("5.0"), 1)
    assert list(StarChange.objects.filter(volunteer=volunteer).order_by("id").values_list("old_stars", "new_stars")) \
        == [(0, 1), (1, 2), (2, 1)]


def test_recount_after_a_rule_change(settings):
    volunteer = make_volunteer()
    make_record(volunteer, hours="10")
    settings.KEPU_VOLUNTEER_STAR_HOURS = [5, 10]
    assert services.recount() == 1
    volunteer.refresh_from_db()
    assert volunteer.stars == 2


def test_record_hours_are_checked():
    volunteer = make_volunteer()
    for bad in ("0", "25", "abc"):
        with pytest.raises(ValidationError) as caught:
            make_record(volunteer, hours=bad) if bad != "abc" else services.record_create(
                actor=None, volunteer=volunteer, date=timezone.localdate(), hours=bad, content="x")
        assert "hours" in caught.value.message_dict
    with pytest.raises(ValidationError):
        make_record(volunteer, date=timezone.localdate() + datetime.timedelta(days=1))


def test_an_activity_is_credited_once():
    volunteer = make_volunteer()
    activity = ActivityFactory(is_volunteer_service=True)
    make_record(volunteer, activity=activity)
    with pytest.raises(Conflict):
        make_record(volunteer, activity=activity)


def test_claim_by_volunteer_then_leader_approves(personas, small_stars):
    citizen = personas.citizen
    volunteer = make_volunteer(user=citizen)
    team = make_team()
    add_member(team, volunteer)
    record = services.record_claim(user=citizen, team=team, date=timezone.localdate(), hours="3", content="讲解")
    assert (record.status, record.source) == (RecordStatus.PENDING, RecordSource.CLAIM)
    with pytest.raises(PermissionDenied):
        services.records_verify(actor=citizen, records=[record])
    services.records_verify(actor=personas.yc_admin, records=[record])
    record.refresh_from_db()
    assert record.verified_by == personas.yc_admin
    other_team = make_team()
    with pytest.raises(ValidationError):
        services.record_claim(user=citizen, team=other_team, date=timezone.localdate(), hours="1", content="x")


def test_a_leader_manages_their_team_only(personas, django_user_model):
    leader_user = django_user_model.objects.create_user(username="leader", password="x")
    leader = make_volunteer(user=leader_user)
    team, other = make_team(), make_team()
    child = make_team(parent=team)
    membership = add_member(team, leader)
    services.membership_set_role(actor=None, membership=membership, role=Membership.Role.LEADER)
    member = make_volunteer()
    add_member(team, member)
    services.record_create(actor=leader_user, volunteer=member, team=team, date=timezone.localdate(), hours="2",
                           content="讲解", verify=True)
    with pytest.raises(PermissionDenied):
        services.record_create(actor=leader_user, volunteer=member, team=other, date=timezone.localdate(),
                               hours="2", content="讲解")
    assert services.membership_add(actor=leader_user, team=child, volunteer=member).team == child


# --- duties: check-in gives the hours ------------------------------------------------------------------------


def test_duty_hours_come_from_check_in_and_out(personas):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=5)
    activity = ActivityFactory(is_volunteer_service=True, start=start, end=start + datetime.timedelta(hours=3),
                               status=ActivityStatus.FINISHED)
    team = make_team()
    early, late, absent = make_volunteer(), make_volunteer(), make_volunteer()
    for v in (early, late, absent):
        add_member(team, v)
    duties = [services.duty_add(actor=None, activity=activity, volunteer=v, team=team) for v in (early, late, absent)]
    services.duty_check(actor=None, duty=duties[0], at=start - datetime.timedelta(minutes=30))
    services.duty_check(actor=None, duty=duties[1], at=start + datetime.timedelta(minutes=50))
    services.duty_check(actor=None, duty=duties[1], out=True, at=start + datetime.timedelta(hours=2, minutes=10))
    with pytest.raises(Conflict):
        services.duty_check(actor=None, duty=duties[0])
    assert services.duties_credit(actor=personas.yc_admin, activity=activity) == 2
    early.refresh_from_db()
    late.refresh_from_db()
    absent.refresh_from_db()
    assert (early.hours, late.hours, absent.hours) == (Decimal("3.0"), Decimal("1.0"), Decimal(0))
    assert services.duties_credit(actor=personas.yc_admin, activity=activity) == 0


def test_duties_only_for_volunteer_service_activities():
    activity = ActivityFactory(is_volunteer_service=False)
    with pytest.raises(KepuError):
        services.duty_add(actor=None, activity=activity, volunteer=make_volunteer())


# --- 你点我送 -------------------------------------------------------------------------------------------------


def test_request_claimed_once_and_fulfilled(personas, yc_town):
    request = make_request(region=yc_town)
    team_a, team_b = make_team(), make_team()
    volunteer = make_volunteer()
    add_member(team_a, volunteer)
    services.request_claim(actor=personas.yc_admin, request=request, team=team_a)
    with pytest.raises(Conflict):
        services.request_claim(actor=personas.yc_admin, request=request, team=team_b)
    start = timezone.now() - datetime.timedelta(hours=3)
    services.request_fulfil(actor=personas.yc_admin, request=request, hours={volunteer: Decimal(2)}, served_people=35,
                            start=start, end=start + datetime.timedelta(hours=2), title="防诈骗讲座")
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.activity.status == ActivityStatus.FINISHED and request.activity.is_volunteer_service
    assert request.activity.organizer == team_a.unit
    record = ServiceRecord.objects.get(request=request)
    assert (record.status, record.hours, record.served_people) == (RecordStatus.VERIFIED, Decimal("2.0"), 35)
    assert request.response_hours is not None and request.completion_hours >= request.response_hours


def test_request_claim_needs_a_nearby_team(personas, shapingba):
    request = make_request(region=shapingba)
    yc_team = make_team()
    with pytest.raises(PermissionDenied):
        services.request_claim(actor=personas.yc_admin, request=request, team=yc_team)


def test_fulfil_refuses_non_members_and_future_service(personas):
    request = make_request()
    team = make_team()
    services.request_claim(actor=personas.yc_admin, request=request, team=team)
    stranger = make_volunteer()
    start = timezone.now() - datetime.timedelta(hours=3)
    with pytest.raises(ValidationError):
        services.request_fulfil(actor=personas.yc_admin, request=request, hours={stranger: Decimal(1)},
                                served_people=1, start=start, end=start + datetime.timedelta(hours=1))
    member = make_volunteer()
    add_member(team, member)
    future = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(KepuError):
        services.request_fulfil(actor=personas.yc_admin, request=request, hours={member: Decimal(1)},
                                served_people=1, start=future, end=future + datetime.timedelta(hours=1))
    request.refresh_from_db()
    assert request.status == RequestStatus.CLAIMED and request.activity is None


def test_request_checks_phone_and_window(personas):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        make_request(contact_phone="123", window_start=today, window_end=today - datetime.timedelta(days=1))
    assert set(caught.value.message_dict) == {"contact_phone", "window_end"}


# --- certificates ----------------------------------------------------------------------------------------


def test_certificate_counts_verified_hours_in_the_period(personas):
    volunteer = make_volunteer()
    today = timezone.localdate()
    make_record(volunteer, hours="3", date=today - datetime.timedelta(days=400))
    make_record(volunteer, hours="2", date=today - datetime.timedelta(days=10))
    make_record(volunteer, hours="5", verify=False)
    certificate = services.certificate_issue(actor=personas.yc_admin, volunteer=volunteer, issuer_name="永川区科协",
                                             period_start=today - datetime.timedelta(days=365))
    assert (certificate.hours, certificate.records) == (Decimal("2.0"), 1)
    assert certificate.serial.startswith(volunteer.number)


def test_recount_command(settings):
    from io import StringIO

    from django.core.management import call_command

    volunteer = make_volunteer()
    make_record(volunteer, hours="6")
    settings.KEPU_VOLUNTEER_STAR_HOURS = [5]
    out = StringIO()
    call_command("recount_volunteers", stdout=out)
    assert "volunteers changed: 1" in out.getvalue()
    volunteer.refresh_from_db()
    assert volunteer.stars == 1


def test_records_with_a_team_are_for_its_members(personas):
    team = make_team()
    outsider = make_volunteer()
    with pytest.raises(ValidationError) as caught:
        services.record_create(actor=personas.yc_admin, volunteer=outsider, team=team, date=timezone.localdate(),
                               hours="1", content="讲解")
    assert "volunteer" in caught.value.message_dict


def test_register_only_where_the_actor_works(personas, chongqing, shapingba):
    with pytest.raises(PermissionDenied):
        make_volunteer(actor=personas.yc_admin, region=chongqing)
    mine = make_volunteer(actor=personas.yc_admin)
    with pytest.raises(PermissionDenied):
        services.volunteer_update(actor=personas.yc_admin, volunteer=mine, region=shapingba)
    with pytest.raises(ValidationError):
        make_volunteer(registered_on=timezone.localdate() + datetime.timedelta(days=1))
