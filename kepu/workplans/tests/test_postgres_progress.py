"""Progress reports under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/workplans/tests/test_postgres_progress.py`.
"""

import datetime

import pytest
from django.db import connection

from kepu.core.errors import Conflict
from kepu.core.models import AuditEntry
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from ..models import Assignment, ProgressReport, ReportStatus, Rhythm
from ..periods import period_no
from ..services.progress import report_review, report_withdraw
from .factories import make_plan, submit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")

Q1, Q2 = period_no(Rhythm.QUARTERLY, datetime.date(2025, 1, 1)), period_no(Rhythm.QUARTERLY, datetime.date(2025, 4, 1))


def _split(results):
    return [r for r in results if not isinstance(r, Exception)], [r for r in results if isinstance(r, Exception)]


def _assignment():
    plan = make_plan(year=2025, tasks=1)
    return Assignment.objects.get(task__plan=plan, lead=True)


@pytest.mark.django_db(transaction=True)
def test_one_period_reported_four_times_at_once_is_one_report(reference_data):  # noqa: F811
    a = _assignment()
    done, failed = _split(run_together(*[lambda n=n: submit(a, period=Q1, text=f"进展 {n}") for n in range(4)]))
    assert len(done) == 1 and len(failed) == 3 and all(isinstance(e, Conflict) for e in failed), failed
    assert ProgressReport.objects.filter(assignment=a, period=Q1).count() == 1
    assert AuditEntry.objects.filter(action="workplans.report.submitted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_report_decided_by_several_at_once_gets_one_decision(reference_data):  # noqa: F811
    report = submit(_assignment(), period=Q1)
    jobs = [(lambda n=n: report_review(actor=None, report=report, accept=n % 2 == 0, comment=f"意见 {n}"))
            for n in range(4)]
    done, failed = _split(run_together(*jobs))
    assert len(done) == 1 and all(isinstance(e, Conflict) for e in failed), failed
    report.refresh_from_db()
    assert report.status == done[0].status != ReportStatus.SUBMITTED
    assert AuditEntry.objects.filter(action__in=["workplans.report.accepted", "workplans.report.returned"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_periods_accepted_at_once_leave_the_latest_percentage(reference_data):  # noqa: F811
    a = _assignment()
    first, second = submit(a, period=Q1, percent=40), submit(a, period=Q2, percent=100)
    done, failed = _split(run_together(lambda: report_review(actor=None, report=second, accept=True),
                                       lambda: report_review(actor=None, report=first, accept=True)))
    assert len(done) == 2, failed
    a.refresh_from_db()
    assert a.percent == 100 and a.done_on is not None  # no lost update: the later period wins either way


@pytest.mark.django_db(transaction=True)
def test_accepting_while_the_unit_withdraws_leaves_one_outcome(reference_data):  # noqa: F811
    report = submit(_assignment(), period=Q1)
    results = run_together(lambda: report_review(actor=None, report=report, accept=True),
                           lambda: report_withdraw(actor=None, report=report))
    done, failed = _split(results)
    assert len(done) == 1 and len(failed) == 1 and isinstance(failed[0], Conflict), results
    row = ProgressReport.objects.filter(pk=report.pk).first()
    assert (row is not None and row.status == ReportStatus.ACCEPTED) or row is None
