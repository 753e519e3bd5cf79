"""The demo work plans: the 2022 work points through a year of progress (late, returned and missing
reports, a joint meeting, deliverables with evidence), the Yongchuan creation plan with its phases,
and the city liaison persona who sees only 市教委's tasks."""

import datetime
import random

import pytest
from django.utils import timezone

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.core import demo as core_demo
from kepu.core.demo import logins_text

from .. import demo, selectors
from ..models import (
    Assignment,
    Deliverable,
    Meeting,
    Plan,
    PlanKind,
    ProgressReport,
    ReportStatus,
    Rhythm,
    TaskStatus,
)
from ..periods import period

pytestmark = pytest.mark.django_db

WORK_POINTS, YONGCHUAN = "cq-2022-kxsz-gzyd", "yc-creation-2021-2025"


@pytest.fixture
def loaded(settings, tmp_path, monkeypatch):
    """The demo regions, units and personas with only this app's loader."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(core_demo, "_demo_loaders", [demo.load_demo_workplans])
    core_demo.load_demo()


def reports(code: str):
    return ProgressReport.objects.filter(assignment__task__plan__code=code)


def test_the_loader_is_registered():
    assert demo.load_demo_workplans in core_demo._demo_loaders


def test_demo_work_plans(loaded):
    # One load, several checks (the loader takes seconds).
    check_plans()
    check_late_reports_came_after_the_deadline()
    check_returned_reports_carry_a_comment()
    check_missing_reports_name_units_in_the_bulletin()
    check_some_units_are_done_and_some_wait_for_review()
    check_city_liaison_sees_only_its_units_tasks()
    check_yongchuan_liaison_has_tasks_history_and_a_pending_report()
    check_joint_meeting_and_deliverables()
    check_a_second_run_adds_nothing()


def check_plans():
    work_points = Plan.objects.get(code=WORK_POINTS)
    assert work_points.is_demo and work_points.kind == PlanKind.WORK_POINTS
    assert work_points.tasks.count() == 45 + 2  # the file's tasks and two decisions of the meeting
    yongchuan = Plan.objects.get(code=YONGCHUAN)
    assert yongchuan.is_demo and yongchuan.kind == PlanKind.CREATION and yongchuan.rhythm == Rhythm.HALF_YEARLY
    assert yongchuan.region.code == "500118" and yongchuan.document_number == "永川府办发〔2022〕33 号"
    assert list(yongchuan.phases.values_list("name", flat=True)) == ["筹备动员阶段", "组织实施阶段", "迎检考核阶段",
                                                                     "巩固提升阶段"]
    assert yongchuan.tasks.count() == 12 and yongchuan.unmatched_units == {}
    assert work_points.unmatched_units == {}
    assert reports(WORK_POINTS).filter(is_demo=True).count() > 800
    assert not reports(WORK_POINTS).filter(is_demo=False).exists()


def check_late_reports_came_after_the_deadline():
    for code in (WORK_POINTS, YONGCHUAN):
        late = list(reports(code).filter(late=True).select_related("assignment__task__plan"))
        assert len(late) > 10
        for r in late[:50]:
            plan = r.assignment.task.plan
            assert timezone.localdate(r.submitted_at) > period(plan.rhythm, r.period, plan.grace_days).deadline
    on_time = reports(WORK_POINTS).filter(late=False)
    assert on_time.count() > reports(WORK_POINTS).filter(late=True).count() * 3  # most are on time


def check_returned_reports_carry_a_comment():
    returned = reports(WORK_POINTS).filter(status=ReportStatus.RETURNED)
    assert returned.count() >= 5
    assert not returned.filter(review_comment="").exists()
    assert not returned.filter(reviewed_at__isnull=True).exists()
    # Most returned periods were sent again and accepted, a few were not.
    again = sum(reports(WORK_POINTS).filter(assignment=r.assignment, period=r.period, status=ReportStatus.ACCEPTED)
                .exists() for r in returned)
    assert 0 < again < returned.count()


def check_missing_reports_name_units_in_the_bulletin():
    plan = Plan.objects.get(code=WORK_POINTS)
    entries = selectors.bulletin(plan, None)
    missing = [e for e in entries if e.missing]
    assert len(missing) >= 3
    assert any(e.returned for e in entries)
    # The laggards lead: several missing periods each.
    assert sum(len(periods) for _task, periods in entries[0].missing) >= 5


def check_some_units_are_done_and_some_wait_for_review():
    plan = Plan.objects.get(code=WORK_POINTS)
    done = Assignment.objects.filter(task__plan=plan, done_on__isnull=False)
    assert done.count() > 50
    assert plan.tasks.filter(status=TaskStatus.DONE).exists()
    for a in done[:20]:
        last = a.reports.filter(status=ReportStatus.ACCEPTED).order_by("-period").first()
        assert last.percent == 100 and a.percent == 100
    cq_admin = User.objects.get(username="cq_admin")
    assert 1 <= selectors.pending_reports(plan, cq_admin).count() <= 10
    decided = reports(WORK_POINTS).exclude(status=ReportStatus.SUBMITTED)
    assert not decided.filter(reviewed_at__isnull=True).exists()
    assert all(r.reviewed_at > r.submitted_at for r in decided[:200])
    assert decided.filter(reviewed_at__year=2022).exists()  # dated when it happened, not today


def check_city_liaison_sees_only_its_units_tasks():
    liaison = User.objects.get(username="cq_liaison", is_demo=True)
    grant = RoleAssignment.objects.get(user=liaison)
    assert grant.role == Role.UNIT_LIAISON and grant.unit.name == "市教委" and grant.unit.region.code == "500000"
    rows = selectors.my_tasks(liaison)
    mine = set(Assignment.objects.filter(unit=grant.unit).values_list("task_id", flat=True))
    assert {r.task.pk for r in rows} == mine
    assert {u.unit.name for r in rows for u in r.units} == {"市教委"}
    assert {r.task.plan.code for r in rows} == {WORK_POINTS}
    # Its work to do comes first: the missing Q3 report on task 10 and the returned one on task 40.
    owed = {r.task.number for r in rows if r.board_status == "overdue"}
    assert {"10", "40"} <= owed
    assert rows[0].board_status == "overdue"
    sent = reports(WORK_POINTS).filter(assignment__unit=grant.unit)
    assert sent.exists() and not sent.exclude(submitted_by=liaison).exists()  # sent by the persona


def check_yongchuan_liaison_has_tasks_history_and_a_pending_report():
    plan = Plan.objects.get(code=YONGCHUAN)
    liaison = User.objects.get(username="yc_liaison")
    rows = selectors.my_tasks(liaison)
    assert len(rows) == 9 and {u.unit.name for r in rows for u in r.units} == {"区教委"}
    assert any(r.board_status == "overdue" for r in rows)
    history = reports(YONGCHUAN).filter(assignment__unit__name="区教委", assignment__unit__region__code="500118")
    assert history.count() > 30 and history.filter(late=True).exists()
    assert history.filter(status=ReportStatus.RETURNED).count() == 1
    pending = list(selectors.pending_reports(plan, User.objects.get(username="yc_admin")))
    assert len(pending) == 1 and pending[0].assignment.unit.name == "区教委"
    assert pending[0].submitted_by == liaison


def check_joint_meeting_and_deliverables():
    meeting = Meeting.objects.get(plan__code=WORK_POINTS)
    assert meeting.held_on == datetime.date(2022, 7, 28) and meeting.convener.name == "市科协"
    assert meeting.attendees.count() == 31 and meeting.minutes
    decisions = list(meeting.decisions.all())
    assert len(decisions) == 3 and sum(d.task_id is not None for d in decisions) == 2
    task = next(d.task for d in decisions if d.task_id)
    assert reports(WORK_POINTS).filter(assignment__task=task).exists()
    done = Deliverable.objects.filter(done_on__isnull=False)
    assert done.count() == 3
    assert Deliverable.objects.filter(task__plan__code=WORK_POINTS, done_on__isnull=True).exists()
    for d in done:
        f = d.files.get()
        with f.file.open("rb") as stream:
            assert stream.read(5) == b"%PDF-"


def check_a_second_run_adds_nothing():
    before = ProgressReport.objects.count()
    demo.load_demo_workplans(random.Random(1))
    assert ProgressReport.objects.count() == before


def test_demo_logins_name_the_city_liaison():
    text = logins_text()
    assert "cq_liaison" in text and "市教委联络员（演示）" in text
    assert [p.username for p in core_demo.PERSONAS].count("cq_liaison") == 1
