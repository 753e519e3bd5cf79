"""Base-data writes under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/venues/tests/test_postgres.py`.
"""

import pytest
from django.db import connection

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.channels.models import InfoOfficerFigure
from kepu.channels.services import info_officers_set
from kepu.core.models import AuditEntry
from kepu.orgs.models import SchoolProfile
from kepu.orgs.profile_services import school_profile_set
from kepu.orgs.tests.factories import make_school
from kepu.regions.models import Region
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from .. import services
from ..models import VisitorFigure
from ..officers import village_officer_appoint
from .factories import make_venue, make_village

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")


def _errors(results):
    return [r for r in results if isinstance(r, Exception)]


@pytest.mark.django_db(transaction=True)
def test_one_month_of_visitors_entered_at_once_is_one_row(reference_data):  # noqa: F811
    venue = make_venue()
    results = run_together(*[(lambda n=n: services.visitors_set(actor=None, venue=venue, year=2024, month=5,
                                                                visitors=100 + n)) for n in range(6)])
    assert not _errors(results), results
    rows = list(VisitorFigure.objects.filter(venue=venue))
    assert len(rows) == 1 and rows[0].visitors in {100 + n for n in range(6)}
    # Every write is in the log: one creation, then the changes that differed from what they found.
    assert AuditEntry.objects.filter(action="venue_visitors.created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_school_profile_entered_twice_at_once_is_one_row(reference_data):  # noqa: F811
    school = make_school()
    results = run_together(*[(lambda n=n: school_profile_set(actor=None, unit=school, year=2024, science_teachers=n))
                             for n in range(1, 6)])
    assert not _errors(results), results
    assert SchoolProfile.objects.filter(unit=school, year=2024).count() == 1


@pytest.mark.django_db(transaction=True)
def test_info_officer_figures_entered_at_once_are_one_row(reference_data):  # noqa: F811
    region = Region.objects.get(code="500118")
    results = run_together(*[(lambda n=n: info_officers_set(actor=None, region=region, year=2024, registered=n,
                                                            active=n)) for n in range(5)])
    assert not _errors(results), results
    assert InfoOfficerFigure.objects.filter(region=region, year=2024).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_phone_appointed_to_two_villages_at_once_is_one_account(reference_data):  # noqa: F811
    villages = [make_village() for _ in range(4)]
    results = run_together(*[(lambda v=v: village_officer_appoint(actor=None, village=v, name="张三",
                                                                  phone="13912345678")) for v in villages])
    # The account is created once and every appointment uses it.
    assert not _errors(results), results
    assert User.objects.filter(phone="13912345678").count() == 1
    assert RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, user__phone="13912345678").count() == 4
