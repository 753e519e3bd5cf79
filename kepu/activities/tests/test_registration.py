"""Registration at the service level: seats, the waitlist, promotion, duplicates, closed activities."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from kepu.activities import selectors, services
from kepu.activities.models import (
    Activity,
    ActivityStatus,
    Registration,
    RegistrationStatus,
    TargetGroup,
)
from kepu.core import pii
from kepu.core.errors import Conflict, KepuError

from .factories import ActivityFactory, published

pytestmark = pytest.mark.django_db


def register(activity, n, **kw):
    return services.registration_create(activity=activity, name=kw.pop("name", f"市民{n}"),
                                        phone=kw.pop("phone", f"139{n:08d}"), **kw)


def test_a_registration_takes_a_seat_and_stores_the_phone_protected():
    activity = published(registration_required=True, capacity=2)
    reg = register(activity, 1, group=TargetGroup.objects.get(key="public"))
    activity.refresh_from_db()
    assert reg.status == RegistrationStatus.CONFIRMED and activity.confirmed_count == 1
    assert reg.phone_masked == "139****0001" and "13900000001" not in reg.phone_encrypted
    assert pii.decrypt(reg.phone_encrypted) == "13900000001" and len(reg.token) >= 40


def test_when_seats_run_out_people_go_to_the_waitlist_in_order():
    activity = published(registration_required=True, capacity=2)
    regs = [register(activity, n) for n in range(1, 5)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [selectors.waitlist_position(r) for r in regs] == [None, None, 1, 2]
    activity.refresh_from_db()
    assert activity.confirmed_count == 2 and activity.seats_left == 0


def test_without_a_capacity_everyone_is_confirmed():
    activity = published(registration_required=True, capacity=None)
    assert {register(activity, n).status for n in range(5)} == {RegistrationStatus.CONFIRMED}


def test_a_cancellation_promotes_the_first_waitlisted_person():
    activity = published(registration_required=True, capacity=1)
    first, second, third = (register(activity, n) for n in (1, 2, 3))
    services.registration_cancel(registration=first)
    second.refresh_from_db()
    third.refresh_from_db()
    activity.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED and third.status == RegistrationStatus.WAITLISTED
    assert selectors.waitlist_position(third) == 1
    assert activity.confirmed_count == 1


def test_a_cancellation_with_nobody_waiting_frees_the_seat():
    activity = published(registration_required=True, capacity=1)
    services.registration_cancel(registration=register(activity, 1))
    activity.refresh_from_db()
    assert activity.confirmed_count == 0
    assert register(activity, 2).status == RegistrationStatus.CONFIRMED


def test_cancelling_twice_is_harmless_and_a_waitlisted_cancellation_frees_no_seat():
    activity = published(registration_required=True, capacity=1)
    first, second = register(activity, 1), register(activity, 2)
    services.registration_cancel(registration=second)
    services.registration_cancel(registration=second)
    activity.refresh_from_db()
    first.refresh_from_db()
    assert activity.confirmed_count == 1 and first.status == RegistrationStatus.CONFIRMED


def test_a_checked_in_registration_cannot_be_cancelled(personas):
    activity = published(registration_required=True)
    reg = register(activity, 1)
    services.checkin(actor=personas.yc_admin, activity=activity, token=reg.token)
    with pytest.raises(KepuError) as exc:
        services.registration_cancel(registration=reg)
    assert exc.value.code == "checked_in"


def test_the_same_phone_registers_once_and_keeps_no_seat_for_the_refusal():
    activity = published(registration_required=True, capacity=3)
    register(activity, 1, phone="139-0000-0001")
    with pytest.raises(Conflict) as exc:
        register(activity, 2, phone="13900000001")
    assert exc.value.message == "这个手机号码已经报名了该活动。"
    activity.refresh_from_db()
    assert activity.confirmed_count == 1 and Registration.objects.filter(activity=activity).count() == 1


def test_after_cancelling_the_same_phone_may_register_again():
    activity = published(registration_required=True)
    services.registration_cancel(registration=register(activity, 1))
    assert register(activity, 1).status == RegistrationStatus.CONFIRMED


def test_the_same_phone_may_register_for_another_activity():
    one, two = published(registration_required=True), published(registration_required=True)
    register(one, 1)
    assert register(two, 1).status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("status", [ActivityStatus.DRAFT, ActivityStatus.CANCELLED, ActivityStatus.FINISHED])
def test_only_published_activities_take_registrations(status):
    activity = ActivityFactory(status=status, registration_required=True)
    with pytest.raises(KepuError) as exc:
        register(activity, 1)
    assert exc.value.code == "registration_closed"


def test_an_ended_activity_takes_no_registrations():
    start = timezone.now() - datetime.timedelta(days=2)
    activity = published(registration_required=True, start=start, end=start + datetime.timedelta(hours=2))
    with pytest.raises(KepuError) as exc:
        register(activity, 1)
    assert "已经结束" in exc.value.message


def test_an_activity_without_registration_says_so():
    activity = published(registration_required=False)
    with pytest.raises(KepuError) as exc:
        register(activity, 1)
    assert exc.value.code == "no_registration"


@pytest.mark.parametrize(("name", "phone", "field"), [
    ("", "13900000001", "name"), ("张" * 51, "13900000001", "name"),
    ("张三", "1390000000", "phone"), ("张三", "12900000001", "phone"), ("张三", "", "phone"),
])
def test_bad_names_and_phones_are_refused_on_their_field(name, phone, field):
    activity = published(registration_required=True)
    with pytest.raises(ValidationError) as exc:
        services.registration_create(activity=activity, name=name, phone=phone)
    assert field in exc.value.message_dict


def test_a_logged_in_registrant_is_linked_to_their_account(personas):
    activity = published(registration_required=True)
    reg = register(activity, 1, user=personas.citizen)
    assert reg.user == personas.citizen


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_overbook():
    """On SQLite the writes are serialized anyway; on PostgreSQL this races for real (make test-pg)."""
    from kepu.core.reference import load_reference

    load_reference()
    activity = published(registration_required=True, capacity=3)
    barrier = threading.Barrier(6)
    errors = []

    def job(n):
        try:
            barrier.wait(5)
            register(activity, 100 + n)
        except Exception as exc:  # the assertion below reports them
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=job, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    activity = Activity.objects.get(pk=activity.pk)
    statuses = sorted(Registration.objects.filter(activity=activity).values_list("status", flat=True))
    assert activity.confirmed_count == statuses.count("confirmed") <= 3
    assert len(statuses) + len(errors) == 6
    assert all("locked" in str(e) for e in errors), errors
