"""The plan file, the services and the overdue scan at their core (pages and API have their own)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from kepu.core.errors import Conflict
from kepu.core.imports import DocumentInvalid

from ..models import Assignment, Plan, PlanMember, ReportStatus, Rhythm, Task, TaskStatus
from ..periods import period_label, period_no
from ..plans import parse_plan
from ..selectors import MISSING, TASK_LATE, overdue_scan, task_rows
from ..services.plans import plan_load
from ..services.progress import report_review
from .factories import make_plan, submit, work_points

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


def test_work_points_load_with_every_unit_matched():
    plan = work_points()
    assert plan.tasks.count() == 45
    assert plan.unmatched_units == {}
    assert PlanMember.objects.filter(plan=plan).count() == 31
    # 各责任单位 is every member unit
    assert Task.objects.get(plan=plan, number="1").assignments.count() == 31
    assert set(Task.objects.get(plan=plan, number="4").assignments.values_list("unit__name", flat=True)) == {
        "市委宣传部", "市科技局", "市科协"}
    assert plan.starts_on == datetime.date(2022, 4, 19)  # units report from the plan's issue


def test_loading_the_same_file_twice_changes_nothing():
    plan = work_points()
    again = work_points()
    assert again.pk == plan.pk and Assignment.objects.filter(task__plan=plan).count() == 393


def test_unknown_names_are_listed_not_dropped():
    raw = """plan: {code: t-plan, title: T, year: 2022, region_code: '500000'}
sections:
- number: A
  title: S
  tasks:
  - {number: 1, text: x, responsible_units: [市科协, 市不存在局]}
"""
    plan, _action = plan_load(actor=None, spec=parse_plan(raw))
    assert plan.unmatched_units == {"市不存在局": ["1"]}


def test_file_errors_name_the_task():
    raw = """plan: {code: T, title: '', year: 2022, region_code: '500000', rhythm: weekly}
sections:
- title: S
  tasks:
  - {number: 1, text: '', responsible_units: [a]}
  - {number: 1, text: y, due_on: '2022-02-30', responsible_units: [a]}
"""
    with pytest.raises(DocumentInvalid) as exc:
        parse_plan(raw)
    text = "\n".join(exc.value.errors)
    for part in ("plan.code", "plan.title", "plan.rhythm", "任务 1：缺少任务内容", "任务 1：编号重复", "2022-02-30"):
        assert part in text


def test_periods_are_calendar_quarters():
    assert period_no(Rhythm.QUARTERLY, datetime.date(2022, 5, 1)) == 2022 * 4 + 1
    assert period_label(Rhythm.QUARTERLY, 2022 * 4 + 1) == "2022 年第二季度"
    assert period_label(Rhythm.HALF_YEARLY, 2022 * 2 + 1) == "2022 年下半年"
    assert period_label(Rhythm.MONTHLY, period_no(Rhythm.MONTHLY, datetime.date(2022, 11, 3))) == "2022 年 11 月"


def test_overdue_scan_finds_missing_periods_and_late_tasks():
    plan = make_plan(year=2026, tasks=1, due_on=datetime.date(2026, 5, 31))
    a = Assignment.objects.get(task__plan=plan, lead=True)
    q1 = period_no(Rhythm.QUARTERLY, datetime.date(2026, 1, 1))
    # Q1's deadline is 10 April: on 11 April both units miss it
    items = overdue_scan(Plan.objects.filter(pk=plan.pk), datetime.date(2026, 4, 11))
    units = set(Assignment.objects.filter(task__plan=plan).values_list("unit_id", flat=True))
    assert {(i.unit_id, i.kind, i.missing) for i in items} == {(u, MISSING, 1) for u in units}
    submit(a, period=q1, when=datetime.datetime(2026, 4, 12, 9, tzinfo=TZ))
    items = overdue_scan(Plan.objects.filter(pk=plan.pk), datetime.date(2026, 6, 1))
    kinds = {(i.assignment_id, i.kind) for i in items}
    assert (a.pk, MISSING) not in kinds and (a.pk, TASK_LATE) in kinds


def test_report_once_per_period_and_review_flow():
    plan = make_plan(year=2026, tasks=1)
    a = Assignment.objects.get(task__plan=plan, lead=True)
    q1 = period_no(Rhythm.QUARTERLY, datetime.date(2026, 1, 1))
    report = submit(a, period=q1, when=datetime.datetime(2026, 4, 20, 9, tzinfo=TZ))
    assert report.late
    with pytest.raises(Conflict):
        submit(a, period=q1, when=datetime.datetime(2026, 4, 21, 9, tzinfo=TZ))
    with pytest.raises(ValidationError):
        report_review(actor=None, report=report, accept=False, comment="")
    report_review(actor=None, report=report, accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    a.task.refresh_from_db()
    assert a.task.status == TaskStatus.IN_PROGRESS
    with pytest.raises(Conflict):
        report_review(actor=None, report=report, accept=False, comment="再看看")


def test_task_rows_show_a_liaison_only_its_units_tasks(personas):
    plan = make_plan(year=2026, tasks=2, units=("区科协", "区科技局"))
    make_plan(code="yc-plan-2", year=2026, tasks=1, units=("区教委",))
    assert task_rows(plan, personas.yc_liaison) == []
    assert len(task_rows(plan, personas.yc_admin)) == 2


def test_an_impossible_yaml_date_is_an_error_not_a_crash():
    with pytest.raises(DocumentInvalid) as exc:
        parse_plan("plan: {code: t-x, title: T, year: 2022, region_code: '500000', issued_on: 2022-13-01}\n")
    assert "无效的日期" in exc.value.errors[0]
