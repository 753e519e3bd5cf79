"""Concurrency and index use, proven on PostgreSQL (run by `make test-pg`; skipped on SQLite)."""

import threading

import pytest
from django.db import connection, connections

from kepu.accounts.models import LoginThrottle, Role, RoleAssignment
from kepu.accounts.services import login_attempt, role_grant
from kepu.core.errors import Conflict
from kepu.core.reference import load_reference
from kepu.orgs.models import Unit
from kepu.orgs.services import unit_update
from kepu.regions.models import Population, Region
from kepu.regions.querysets import subtree_q
from kepu.regions.services import population_set

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests may start from a flushed database: put the reference data back."""
    load_reference()


def run_together(*jobs):
    """Start the jobs at the same moment, each on its own connection; return results or errors."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def runner(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # the test inspects what each job raised
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db
def test_subtree_filter_is_served_by_the_path_index():
    query = Region.objects.filter(subtree_q(["500000/500118/"])).values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "regions_region_path" in plan and "Seq Scan" not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_two_first_population_entries_at_once_make_one_row(reference_data, personas):
    admin = personas.yc_admin
    region = Region.objects.get(code="500118")
    results = run_together(
        lambda: population_set(actor=admin, region=region, year=2024, residents=1_000_000),
        lambda: population_set(actor=admin, region=region, year=2024, residents=1_200_000),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = Population.objects.filter(region=region, year=2024)
    assert rows.count() == 1 and rows.get().residents in (1_000_000, 1_200_000)


@pytest.mark.django_db(transaction=True)
def test_failed_logins_are_all_counted(reference_data, personas, settings):
    settings.KEPU_LOGIN_MAX_FAILURES = 100
    personas.yc_admin  # noqa: B018

    def fail():
        try:
            login_attempt(request=None, login="yc_admin", password="wrong")
        except Exception as exc:  # the expected refusal
            return type(exc).__name__

    results = run_together(*[fail] * 8)
    assert results == ["ValidationError"] * 8
    assert LoginThrottle.objects.get(identifier="yc_admin").failures == 8


@pytest.mark.django_db(transaction=True)
def test_two_editors_of_different_fields_keep_both_changes(reference_data, personas):
    admin = personas.yc_admin
    unit = Unit.objects.get(region__code="500118", name="区教委")
    results = run_together(
        lambda: unit_update(actor=admin, unit=unit, contact_name="王老师"),
        lambda: unit_update(actor=admin, unit=unit, address="永川区人民大道 1 号"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    unit.refresh_from_db()
    assert (unit.contact_name, unit.address) == ("王老师", "永川区人民大道 1 号")


@pytest.mark.django_db(transaction=True)
def test_a_stale_form_is_refused_not_written(reference_data, personas):
    admin = personas.yc_admin
    unit = Unit.objects.get(region__code="500118", name="区教委")
    loaded = unit.updated_at
    unit_update(actor=admin, unit=unit, contact_name="先保存的人")
    with pytest.raises(Conflict):
        unit_update(actor=admin, unit=unit, unchanged_since=loaded, contact_name="后保存的人")
    unit.refresh_from_db()
    assert unit.contact_name == "先保存的人"


@pytest.mark.django_db(transaction=True)
def test_the_same_grant_twice_at_once_makes_one_assignment(reference_data, personas):
    admin, target = personas.city_admin, personas.outsider
    region = Region.objects.get(code="500118")
    results = run_together(*[lambda: role_grant(actor=admin, user=target, role=Role.REVIEWER, region=region)] * 2)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "RoleAssignment"]
    assert RoleAssignment.objects.filter(user=target).count() == 1
