"""Volunteer writes under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/volunteers/tests/test_postgres.py`.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from kepu.core.models import AuditEntry
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from .. import services
from ..models import RequestStatus, ServiceRecord, StarChange, Volunteer
from .factories import make_id_number, make_record, make_request, make_team, make_volunteer

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_verifications_lose_no_hour(reference_data, settings):  # noqa: F811
    settings.KEPU_VOLUNTEER_STAR_HOURS = [10, 20, 30]
    volunteer = make_volunteer()
    records = [make_record(volunteer, hours="1.5", verify=False) for _ in range(16)]
    results = run_together(*[(lambda r=r: services.records_verify(actor=None, records=[r])) for r in records])
    assert results == [1] * 16
    volunteer.refresh_from_db()
    assert volunteer.hours == Decimal("24.0") and volunteer.stars == 2
    # Each threshold was crossed once, by whichever verification got there.
    assert list(StarChange.objects.filter(volunteer=volunteer).order_by("id").values_list("new_stars", flat=True)) \
        == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_overlapping_bulk_verifications_do_not_deadlock_or_double_count(reference_data):  # noqa: F811
    people = [make_volunteer() for _ in range(4)]
    records = [make_record(v, hours="2", verify=False) for v in people for _ in range(3)]
    forward, backward = records, list(reversed(records))
    results = run_together(*[(lambda batch=batch: services.records_verify(actor=None, records=batch))
                             for batch in (forward, backward, forward[::2], backward[::3])])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == len(records)
    for v in people:
        v.refresh_from_db()
        assert v.hours == Decimal("6.0")


@pytest.mark.django_db(transaction=True)
def test_two_teams_claiming_one_request(reference_data):  # noqa: F811
    request = make_request()
    teams = [make_team() for _ in range(6)]
    results = run_together(*[(lambda t=t: services.request_claim(actor=None, request=request, team=t)) for t in teams])
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert sorted(type(r).__name__ for r in results if isinstance(r, Exception)) == ["Conflict"] * 5
    request.refresh_from_db()
    assert request.status == RequestStatus.CLAIMED and request.team == winners[0].team
    assert AuditEntry.objects.filter(action="service_request.claimed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_id_registered_twice_at_once(reference_data):  # noqa: F811
    number = make_id_number(datetime.date(1985, 1, 2))
    results = run_together(*[
        (lambda i=i: make_volunteer(id_number=number, birth_date=datetime.date(1985, 1, 2), phone=f"1390000{i:04d}"))
        for i in range(6)
    ])
    assert sorted(type(r).__name__ for r in results) == ["ValidationError"] * 5 + ["Volunteer"]
    assert Volunteer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_volunteer_numbers_are_unique_under_concurrent_registration(reference_data):  # noqa: F811
    results = run_together(*[(lambda: make_volunteer()) for _ in range(12)])
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(v.number for v in results)
    assert len(set(numbers)) == 12 and int(numbers[-1]) - int(numbers[0]) == 11


@pytest.mark.django_db(transaction=True)
def test_an_activity_credited_twice_at_once_counts_once(reference_data):  # noqa: F811
    from kepu.activities.tests.factories import ActivityFactory

    volunteer = make_volunteer()
    activity = ActivityFactory(is_volunteer_service=True)
    results = run_together(*[(lambda: make_record(volunteer, activity=activity, hours="3")) for _ in range(5)])
    assert sorted(type(r).__name__ for r in results) == ["Conflict"] * 4 + ["ServiceRecord"]
    volunteer.refresh_from_db()
    assert volunteer.hours == Decimal("3.0")
    assert ServiceRecord.objects.filter(volunteer=volunteer).count() == 1
