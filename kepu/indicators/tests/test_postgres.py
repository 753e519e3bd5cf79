"""Assessments under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/indicators/tests/test_postgres.py`.
"""

import pytest
from django.db import connection

from kepu.core.errors import Conflict
from kepu.core.models import AuditEntry
from kepu.regions.models import Region
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from .. import services
from ..models import Assessment, Snapshot, SubmissionStatus
from .factories import make_assessment, make_standard, submit_evidence

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")


def _split(results):
    return [r for r in results if not isinstance(r, Exception)], [r for r in results if isinstance(r, Exception)]


@pytest.mark.django_db(transaction=True)
def test_one_submission_reviewed_by_several_at_once_gets_one_decision(reference_data):  # noqa: F811
    submission = submit_evidence(make_assessment(), "A1.1")
    jobs = [(lambda n=n: services.submission_review(actor=None, submission=submission, approve=n % 2 == 0,
                                                    comment=f"意见 {n}")) for n in range(4)]
    done, failed = _split(run_together(*jobs))
    assert len(done) == 1 and len(failed) == 3 and all(isinstance(e, Conflict) for e in failed), failed
    submission.refresh_from_db()
    assert submission.status == done[0].status != SubmissionStatus.SUBMITTED
    assert AuditEntry.objects.filter(action__in=["indicator_submission.approved",
                                                 "indicator_submission.returned"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_assessment_created_at_once_is_one_row(reference_data):  # noqa: F811
    standard = make_standard()
    region = Region.objects.get(code="500118")
    jobs = [lambda: services.assessment_create(actor=None, standard=standard, region=region, year=2024)] * 4
    done, failed = _split(run_together(*jobs))
    assert len(done) == 1 and all(isinstance(e, Conflict) for e in failed), failed
    assert Assessment.objects.filter(standard=standard, region=region, year=2024).count() == 1
    assert done[0].responsibilities.exists()


@pytest.mark.django_db(transaction=True)
def test_submitting_twice_at_once_takes_one_snapshot(reference_data):  # noqa: F811
    assessment = make_assessment()
    submit_evidence(assessment, "A1.1", approve=True)
    done, failed = _split(run_together(*[lambda: services.assessment_submit(actor=None, assessment=assessment)] * 3))
    assert len(done) == 1 and all(isinstance(e, Conflict) for e in failed), failed
    assert Snapshot.objects.filter(assessment=assessment).count() == 1


@pytest.mark.django_db(transaction=True)
def test_approving_while_the_unit_withdraws_leaves_one_outcome(reference_data):  # noqa: F811
    submission = submit_evidence(make_assessment(), "A1.1")
    results = run_together(lambda: services.submission_review(actor=None, submission=submission, approve=True),
                           lambda: services.submission_withdraw(actor=None, submission=submission))
    done, failed = _split(results)
    assert len(done) == 1 and len(failed) == 1 and isinstance(failed[0], Conflict), results
    exists = type(submission).objects.filter(pk=submission.pk).first()
    # either approved (and the withdrawal refused as locked / gone) or withdrawn (and the review found nothing)
    assert (exists is not None and exists.status == SubmissionStatus.APPROVED) or exists is None
