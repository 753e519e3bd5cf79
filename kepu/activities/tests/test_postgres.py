"""Seats, the waitlist and check-in under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/activities/tests/test_postgres.py`.
"""

import pytest
from django.db import connection

from kepu.activities import services
from kepu.activities.models import CheckIn, Registration, RegistrationStatus
from kepu.core.models import AuditEntry
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from .factories import published

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")


def phone(i: int) -> str:
    return f"138{i:08d}"


def statuses(activity) -> dict[str, int]:
    rows = Registration.objects.filter(activity=activity).values_list("status", flat=True)
    return {s: list(rows).count(s) for s in RegistrationStatus.values}


@pytest.mark.django_db(transaction=True)
def test_fifty_people_racing_for_ten_seats(reference_data):  # noqa: F811
    activity = published(registration_required=True, capacity=10)
    results = run_together(*[
        (lambda i=i: services.registration_create(activity=activity, name=f"报名人{i}", phone=phone(i)))
        for i in range(50)
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status for r in results).count("confirmed") == 10
    assert statuses(activity) == {"confirmed": 10, "waitlisted": 40, "cancelled": 0}
    activity.refresh_from_db()
    assert (activity.confirmed_count, activity.seats_left) == (10, 0)


@pytest.mark.django_db(transaction=True)
def test_the_same_phone_racing_with_itself_registers_once(reference_data):  # noqa: F811
    activity = published(registration_required=True, capacity=10)
    results = run_together(*[
        (lambda: services.registration_create(activity=activity, name="张三", phone=phone(1)))
    ] * 8)
    assert sorted(type(r).__name__ for r in results) == ["Conflict"] * 7 + ["Registration"]
    activity.refresh_from_db()
    assert activity.confirmed_count == 1  # the refused attempts gave their seats back
    assert Registration.objects.filter(activity=activity).count() == 1


def _fill(activity, confirmed: int, waiting: int) -> tuple[list[Registration], list[Registration]]:
    people = [services.registration_create(activity=activity, name=f"报名人{i}", phone=phone(i))
              for i in range(confirmed + waiting)]
    assert [p.status for p in people] == ["confirmed"] * confirmed + ["waitlisted"] * waiting
    return people[:confirmed], people[confirmed:]


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_distinct_people(reference_data):  # noqa: F811
    activity = published(registration_required=True, capacity=10)
    seated, waiting = _fill(activity, 10, 12)
    results = run_together(*[(lambda r=r: services.registration_cancel(registration=r)) for r in seated])
    assert not [r for r in results if isinstance(r, Exception)], results
    confirmed = set(Registration.objects.filter(activity=activity, status="confirmed").values_list("pk", flat=True))
    # The first ten on the waitlist, each promoted once; the last two still wait.
    assert confirmed == {r.pk for r in waiting[:10]}
    promoted = AuditEntry.objects.filter(action="registration.promoted").values_list("object_id", flat=True)
    assert sorted(promoted) == sorted(str(r.pk) for r in waiting[:10])
    assert statuses(activity) == {"confirmed": 10, "waitlisted": 2, "cancelled": 10}
    activity.refresh_from_db()
    assert activity.confirmed_count == 10 <= activity.capacity


@pytest.mark.django_db(transaction=True)
def test_more_cancellations_than_people_waiting_free_the_rest_of_the_seats(reference_data):  # noqa: F811
    activity = published(registration_required=True, capacity=10)
    seated, _waiting = _fill(activity, 10, 4)
    results = run_together(*[(lambda r=r: services.registration_cancel(registration=r)) for r in seated])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert statuses(activity) == {"confirmed": 4, "waitlisted": 0, "cancelled": 10}
    assert AuditEntry.objects.filter(action="registration.promoted").count() == 4
    activity.refresh_from_db()
    assert activity.confirmed_count == 4


@pytest.mark.django_db(transaction=True)
def test_registrations_and_cancellations_at_once_never_overfill(reference_data):  # noqa: F811
    activity = published(registration_required=True, capacity=5)
    seated, _waiting = _fill(activity, 5, 0)
    jobs = [(lambda r=r: services.registration_cancel(registration=r)) for r in seated[:3]]
    jobs += [(lambda i=i: services.registration_create(activity=activity, name=f"新人{i}", phone=phone(100 + i)))
             for i in range(10)]
    results = run_together(*jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    activity.refresh_from_db()
    counts = statuses(activity)
    # The counter always equals the confirmed rows and never passes the capacity. (A seat freed
    # while a waitlisted registration is still being written may stay free until the next
    # cancellation: the waitlist was empty when the seat was given back.)
    assert counts["confirmed"] == activity.confirmed_count <= 5
    assert counts["cancelled"] == 3 and counts["confirmed"] + counts["waitlisted"] == 12


@pytest.mark.django_db(transaction=True)
def test_one_token_checked_in_twice_at_once_counts_once(reference_data, personas):  # noqa: F811
    activity = published(registration_required=True, capacity=10)
    registration = services.registration_create(activity=activity, name="张三", phone=phone(1))
    yc_admin, city_admin = personas.yc_admin, personas.city_admin
    results = run_together(
        lambda: services.checkin(actor=yc_admin, activity=activity, token=registration.token),
        lambda: services.checkin(actor=city_admin, activity=None, token=registration.token),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.outcome for r in results) == ["already", "checked_in"]
    assert CheckIn.objects.filter(registration=registration).count() == 1
    assert results[0].at == results[1].at
