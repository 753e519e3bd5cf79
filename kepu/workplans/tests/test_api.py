"""/api/v1/plans/, /api/v1/tasks/ and /api/v1/progress-reports/: scope, the contract, filters, the report flow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kepu.indicators.tests.factories import pdf

from ..models import Assignment, ProgressReport, ReportStatus, Rhythm, Task
from ..periods import period_label, period_no
from ..services.plans import phase_save, section_save, task_create
from .factories import make_plan, submit, unit

pytestmark = pytest.mark.django_db

PLANS, TASKS, REPORTS = "/api/v1/plans/", "/api/v1/tasks/", "/api/v1/progress-reports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def today() -> datetime.date:
    return timezone.localdate()


def now_period() -> int:
    return period_no(Rhythm.QUARTERLY, today())


def fresh_plan(**kwargs):
    """A plan starting today: no period is due yet, so nothing is overdue unless a task is past due."""
    start = today()
    kwargs = {"year": start.year, "starts_on": start, "ends_on": start + datetime.timedelta(days=365), **kwargs}
    return make_plan(**kwargs)


def assignment(task: Task, name: str, region: str = "500118") -> Assignment:
    return task.assignments.get(unit=unit(name, region))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def yc_plan():
    """Two tasks of 区教委 (lead) and 区科协."""
    return fresh_plan()


@pytest.fixture
def other_yc_plan():
    """A Yongchuan plan 区教委 has no part in."""
    return fresh_plan(code="yc-other", title="永川区科技周方案", units=("区科协", "区科技局"))


@pytest.fixture
def spb_plan():
    return fresh_plan(region="500106", code="spb-plan", title="沙坪坝区科普工作要点")


def report_body(task: Task, /, **fields) -> dict:
    body = {"task": task.pk, "period": now_period(), "text": "已召开专题会议。", "percent": 40,
            "reported_on": today().isoformat()}
    return {**body, **fields}


# --- who may call -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PLANS, TASKS, REPORTS])
@pytest.mark.parametrize(("persona", "expected"), [("citizen", 403), ("outsider", 403), ("anonymous", 401)])
def test_work_plans_are_for_staff(api_for, path, persona, expected):
    response = api_for(persona).get(path)
    assert response.status_code == expected
    assert set(response.json()) == {"message", "code", "extra"}


# --- plans ------------------------------------------------------------------------------------------------


def test_a_plan_carries_its_sections_phases_members_and_counts(api_for, yc_plan):
    top = yc_plan.sections.get()
    section_save(actor=None, plan=yc_plan, number="一", title="青少年科学素质提升行动", parent=top)
    phase_save(actor=None, plan=yc_plan, name="实施阶段", start=yc_plan.starts_on, end=yc_plan.ends_on,
               description="全面推进")
    submit(assignment(yc_plan.tasks.first(), "区教委"), period=now_period())

    data = api_for("yc_admin").get(f"{PLANS}{yc_plan.pk}/").json()
    assert set(data) == {"id", "code", "title", "kind", "issuer", "document_number", "issued_on", "year",
                         "starts_on", "ends_on", "region", "rhythm", "grace_days", "sections", "phases", "members",
                         "unmatched_units", "task_counts"}
    assert data["code"] == "yc-plan" and data["region"] == "500118" and data["rhythm"] == "quarterly"
    assert data["sections"] == [{
        "id": top.pk, "number": "一", "title": "重点任务", "heading": "一、重点任务",
        "children": [{"id": data["sections"][0]["children"][0]["id"], "number": "一",
                      "title": "青少年科学素质提升行动", "heading": "（一）青少年科学素质提升行动", "children": []}]}]
    assert data["phases"] == [{"name": "实施阶段", "start": yc_plan.starts_on.isoformat(),
                               "end": yc_plan.ends_on.isoformat(), "description": "全面推进"}]
    assert sorted(data["members"], key=lambda m: m["name"]) == [{"id": unit("区教委").pk, "name": "永川区教委"},
                                                                {"id": unit("区科协").pk, "name": "永川区科协"}]
    assert data["unmatched_units"] == {}
    assert data["task_counts"] == {"total": 2, "not_started": 1, "in_progress": 1, "done": 0}


def test_plans_filter_by_region_subtree_and_year(api_for, yc_plan, spb_plan):
    multi_year = make_plan(code="yc-creation", year=None, starts_on=datetime.date(2021, 10, 1),
                           ends_on=datetime.date(2025, 12, 31))
    api = api_for("city_admin")
    assert set(ids(api.get(PLANS))) == {yc_plan.pk, spb_plan.pk, multi_year.pk}
    assert set(ids(api.get(PLANS, {"region": "500118"}))) == {yc_plan.pk, multi_year.pk}
    assert set(ids(api.get(PLANS, {"region": "500000"}))) == {yc_plan.pk, spb_plan.pk, multi_year.pk}
    assert ids(api.get(PLANS, {"region": "999999"})) == []
    assert set(ids(api.get(PLANS, {"year": today().year}))) == {yc_plan.pk, spb_plan.pk}
    assert ids(api.get(PLANS, {"year": 2023})) == [multi_year.pk]  # a year inside a plan of several years
    response = api.get(PLANS, {"year": "二〇二三"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_another_districts_plan_never_appears(api_for, yc_plan, spb_plan):
    report = submit(assignment(yc_plan.tasks.first(), "区教委"), period=now_period())
    spb = api_for("spb_admin")
    assert ids(spb.get(PLANS)) == [spb_plan.pk]
    assert all(t["plan"] == spb_plan.pk for t in spb.get(TASKS).json()["results"])
    assert ids(spb.get(REPORTS)) == []
    assert ids(spb.get(TASKS, {"plan": yc_plan.code})) == []
    for path in (f"{PLANS}{yc_plan.pk}/", f"{TASKS}{yc_plan.tasks.first().pk}/", f"{REPORTS}{report.pk}/"):
        response = spb.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert spb.patch(f"{REPORTS}{report.pk}/", {"text": "改"}, format="json").status_code == 404
    assert spb.post(f"{REPORTS}{report.pk}/review/", {"accept": True}, format="json").status_code == 404
    assert spb.delete(f"{REPORTS}{report.pk}/").status_code == 404
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


# --- tasks ------------------------------------------------------------------------------------------------


def test_a_task_carries_its_units_status_and_latest_progress(api_for, yc_plan):
    task = yc_plan.tasks.first()
    edu, kx = unit("区教委"), unit("区科协")
    api = api_for("yc_admin")
    data = api.get(f"{TASKS}{task.pk}/").json()
    assert set(data) == {"id", "plan", "plan_code", "section", "number", "text", "lead_unit", "responsible_units",
                         "status", "due_on", "percent", "overdue", "latest_progress"}
    assert data["plan"] == yc_plan.pk and data["plan_code"] == "yc-plan" and data["section"] == "一、重点任务"
    assert data["number"] == "1" and data["text"] == "第 1 项任务的内容。"
    assert data["lead_unit"] == {"id": edu.pk, "name": "永川区教委"}
    assert data["responsible_units"] == [
        {"id": edu.pk, "name": "永川区教委", "lead": True, "percent": 0, "done_on": None},
        {"id": kx.pk, "name": "永川区科协", "lead": False, "percent": 0, "done_on": None}]
    assert data["status"] == "not_started" and data["overdue"] is False and data["latest_progress"] is None

    submit(assignment(task, "区教委"), period=now_period(), percent=100, text="已完成。", accept=True)
    data = api.get(f"{TASKS}{task.pk}/").json()
    assert data["status"] == "in_progress" and data["percent"] == 50
    assert data["responsible_units"][0]["done_on"] == today().isoformat()
    assert data["latest_progress"] == {"period": now_period(), "period_label": period_label(Rhythm.QUARTERLY,
                                                                                            now_period()),
                                       "text": "已完成。", "percent": 100, "reported_on": today().isoformat(),
                                       "status": "accepted"}


def test_tasks_filter_by_plan_unit_and_status(api_for, yc_plan, other_yc_plan):
    first, second = yc_plan.tasks.order_by("order")
    submit(assignment(first, "区教委"), period=now_period())
    api = api_for("yc_admin")
    mine = {t.pk for t in yc_plan.tasks.all()}
    others = {t.pk for t in other_yc_plan.tasks.all()}
    assert set(ids(api.get(TASKS))) == mine | others
    assert set(ids(api.get(TASKS, {"plan": yc_plan.pk}))) == mine
    assert set(ids(api.get(TASKS, {"plan": "yc-other"}))) == others
    assert ids(api.get(TASKS, {"plan": "no-such-plan"})) == []
    assert set(ids(api.get(TASKS, {"unit": unit("区教委").pk}))) == mine
    assert set(ids(api.get(TASKS, {"unit": unit("区科技局").pk}))) == others
    assert set(ids(api.get(TASKS, {"unit": unit("区科协").pk}))) == mine | others
    assert ids(api.get(TASKS, {"plan": yc_plan.pk, "status": "in_progress"})) == [first.pk]
    assert ids(api.get(TASKS, {"plan": yc_plan.pk, "status": "not_started"})) == [second.pk]
    assert ids(api.get(TASKS, {"status": "done"})) == []
    for bad in ({"status": "finished"}, {"unit": "x"}, {"unit": 2**70}):
        response = api.get(TASKS, bad)
        assert response.status_code == 400 and response.json()["code"] == "invalid", bad


def test_overdue_is_computed_for_today(api_for, yc_plan):
    late = task_create(actor=None, plan=yc_plan, number="3", text="过期的任务", lead_unit=unit("区教委"),
                       responsible_units=[unit("区科协")], due_on=today() - datetime.timedelta(days=1))
    api = api_for("yc_admin")
    rows = {row["id"]: row["overdue"] for row in api.get(TASKS).json()["results"]}
    assert rows == {**{t.pk: False for t in yc_plan.tasks.exclude(pk=late.pk)}, late.pk: True}
    assert ids(api.get(TASKS, {"overdue": "true"})) == [late.pk]
    assert late.pk not in ids(api.get(TASKS, {"overdue": "false"}))
    assert len(ids(api.get(TASKS, {"overdue": "false"}))) == 2
    assert ids(api.get(TASKS, {"overdue": "true", "status": "done"})) == []
    assert api.get(f"{TASKS}{late.pk}/").json()["overdue"] is True

    # 区教委 finished its part: for its liaison the task is no longer overdue; 区科协 still owes it
    submit(assignment(late, "区教委"), period=now_period(), percent=100, accept=True)
    assert api.get(f"{TASKS}{late.pk}/").json()["overdue"] is True
    liaison = api_for("yc_liaison")
    assert liaison.get(f"{TASKS}{late.pk}/").json()["overdue"] is False
    assert ids(liaison.get(TASKS, {"overdue": "true"})) == []


def test_liaison_sees_only_its_units_tasks_and_reports(api_for, yc_plan, other_yc_plan, spb_plan):
    task = yc_plan.tasks.first()
    own = submit(assignment(task, "区教委"), period=now_period())
    other_unit = submit(assignment(task, "区科协"), period=now_period())
    other_plan = submit(assignment(other_yc_plan.tasks.first(), "区科协"), period=now_period())
    submit(assignment(spb_plan.tasks.first(), "区教委", "500106"), period=now_period())

    liaison = api_for("yc_liaison")
    assert ids(liaison.get(PLANS)) == [yc_plan.pk]
    tasks = liaison.get(TASKS).json()["results"]
    assert {t["id"] for t in tasks} == {t.pk for t in yc_plan.tasks.all()}
    edu = unit("区教委").pk
    assert all([u["id"] for u in t["responsible_units"]] == [edu] for t in tasks)
    assert next(t for t in tasks if t["id"] == task.pk)["latest_progress"]["text"] == own.text
    assert ids(liaison.get(REPORTS)) == [own.pk]
    for report in (other_unit, other_plan):
        assert liaison.get(f"{REPORTS}{report.pk}/").status_code == 404
    assert liaison.get(f"{TASKS}{other_yc_plan.tasks.first().pk}/").status_code == 404
    assert liaison.get(f"{PLANS}{other_yc_plan.pk}/").status_code == 404
    # the district admin sees both units' reports of the plan, and not Shapingba's
    assert set(ids(api_for("yc_admin").get(REPORTS, {"plan": yc_plan.code}))) == {own.pk, other_unit.pk}


def test_the_task_list_costs_the_same_queries_for_more_tasks(api_for, yc_plan, django_assert_max_num_queries):
    task_create(actor=None, plan=yc_plan, number="3", text="任务 3", lead_unit=unit("区教委"),
                due_on=today() - datetime.timedelta(days=1))
    for task in yc_plan.tasks.all():
        submit(assignment(task, "区教委"), period=now_period())
    api = api_for("yc_admin")
    with CaptureQueriesContext(connection) as few:
        assert len(ids(api.get(TASKS))) == 3
    for n in range(4, 13):
        extra = task_create(actor=None, plan=yc_plan, number=str(n), text=f"任务 {n}", lead_unit=unit("区教委"),
                            responsible_units=[unit("区科协"), unit("区科技局")],
                            due_on=today() - datetime.timedelta(days=n % 2))
        submit(assignment(extra, "区科协"), period=now_period())
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api.get(TASKS).json()["results"]
    assert len(rows) == 12 and all(r["latest_progress"] for r in rows)
    assert sum(r["overdue"] for r in rows) == 1 + 4  # task 3, and 5, 7, 9, 11


# --- progress reports -------------------------------------------------------------------------------------


def test_a_liaison_reports_progress_once_per_period(api_for, yc_plan):
    task = yc_plan.tasks.first()
    liaison = api_for("yc_liaison")
    response = liaison.post(REPORTS, report_body(task), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"id", "task", "task_number", "plan", "unit", "period", "period_label", "text", "percent",
                         "reported_on", "status", "late", "submitted_at", "review_comment", "reviewed_at", "files"}
    assert data["task"] == task.pk and data["task_number"] == "1" and data["plan"] == yc_plan.pk
    assert data["unit"] == {"id": unit("区教委").pk, "name": "永川区教委"}  # the liaison's one unit on the task
    assert data["status"] == "submitted" and data["late"] is False and data["files"] == []
    assert data["period_label"] == period_label(Rhythm.QUARTERLY, now_period())
    assert Task.objects.get(pk=task.pk).status == "in_progress"

    again = liaison.post(REPORTS, report_body(task, unit=unit("区教委").pk), format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert ProgressReport.objects.filter(assignment__task=task).count() == 1


def test_the_owner_reports_for_any_unit_with_files(api_for, yc_plan):
    task = yc_plan.tasks.first()
    api = api_for("yc_admin")
    body = {**report_body(task, unit=unit("区科协").pk), "files": [pdf("会议纪要.pdf"), pdf("照片说明.pdf")]}
    response = api.post(REPORTS, body, format="multipart")
    assert response.status_code == 201, response.content
    files = response.json()["files"]
    assert [f["name"] for f in files] == ["会议纪要.pdf", "照片说明.pdf"] and all(f["size"] > 0 for f in files)
    assert files[0]["url"] == f"http://testserver/workplans/reports/files/{files[0]['id']}/"
    # without a unit the owner must name one
    response = api.post(REPORTS, report_body(yc_plan.tasks.last()), format="json")
    assert response.status_code == 400 and "报送单位" in response.json()["message"]


def test_only_the_units_liaisons_and_the_owners_report(api_for, yc_plan, other_yc_plan):
    task = yc_plan.tasks.first()
    response = api_for("yc_reviewer").post(REPORTS, report_body(task, unit=unit("区科协").pk), format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    liaison = api_for("yc_liaison")
    response = liaison.post(REPORTS, report_body(task, unit=unit("区科协").pk), format="json")
    assert response.status_code == 400 and "报送单位" in response.json()["message"]
    # a task it does not see is named as such (400 on the field), not reported on
    response = liaison.post(REPORTS, report_body(other_yc_plan.tasks.first(), unit=unit("区科协").pk), format="json")
    assert response.status_code == 400 and "task" in response.json()["extra"]["fields"]
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("fields", "name", "label"), [
    ({"percent": 150}, "percent", "完成进度"),
    ({"percent": "一半"}, "percent", "完成进度"),
    ({"text": "  "}, "text", "进展情况"),
    ({"period": 1}, "period", "报送期次"),
    ({"reported_on": "2099-01-01"}, "reported_on", "进展日期"),
    ({"reported_on": "2026-02-30"}, "reported_on", "进展日期"),
    ({"task": 10**30}, "task", "任务"),
])
def test_bad_input_names_the_field_in_chinese(api_for, yc_plan, fields, name, label):
    response = api_for("yc_liaison").post(REPORTS, report_body(yc_plan.tasks.first(), **fields), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and name in body["extra"]["fields"]
    assert label in body["extra"]["fields"][name][0] or label in body["message"], body
    assert not ProgressReport.objects.exists()


def test_a_pending_report_is_changed_and_withdrawn_by_its_unit(api_for, yc_plan):
    task = yc_plan.tasks.first()
    report = submit(assignment(task, "区教委"), period=now_period())
    liaison = api_for("yc_liaison")
    response = liaison.patch(f"{REPORTS}{report.pk}/", {"text": "补充：已印发通知。", "percent": 60}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["text"] == "补充：已印发通知。" and response.json()["percent"] == 60
    response = liaison.patch(f"{REPORTS}{report.pk}/", {"files": [pdf()]}, format="multipart")
    assert response.status_code == 200 and len(response.json()["files"]) == 1
    response = liaison.patch(f"{REPORTS}{report.pk}/", {"percent": -1}, format="json")
    assert response.status_code == 400 and "完成进度" in response.json()["message"]
    assert liaison.put(f"{REPORTS}{report.pk}/", {"text": "x"}, format="json").status_code == 405

    assert liaison.delete(f"{REPORTS}{report.pk}/").status_code == 204
    assert not ProgressReport.objects.filter(pk=report.pk).exists()
    assert Task.objects.get(pk=task.pk).status == "not_started"


def test_the_owner_accepts_or_returns_and_a_decided_report_is_fixed(api_for, yc_plan):
    first, second = yc_plan.tasks.order_by("order")
    report = submit(assignment(first, "区教委"), period=now_period(), percent=100)
    liaison, reviewer = api_for("yc_liaison"), api_for("yc_reviewer")

    refused = liaison.post(f"{REPORTS}{report.pk}/review/", {"accept": True}, format="json")
    assert refused.status_code == 403
    response = reviewer.post(f"{REPORTS}{report.pk}/review/", {"accept": True, "comment": "很好"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "accepted" and data["review_comment"] == "很好" and data["reviewed_at"]
    assert assignment(first, "区教委").done_on == today()

    again = api_for("yc_admin").post(f"{REPORTS}{report.pk}/review/", {"accept": False, "comment": "再看看"},
                                     format="json")
    assert again.status_code == 409 and again.json()["code"] == "decided"
    patched = liaison.patch(f"{REPORTS}{report.pk}/", {"text": "改一下"}, format="json")
    assert patched.status_code == 409 and patched.json()["code"] == "decided"
    assert liaison.delete(f"{REPORTS}{report.pk}/").status_code == 409
    assert ProgressReport.objects.get(pk=report.pk).text == "按计划推进。"

    other = submit(assignment(second, "区教委"), period=now_period())
    response = reviewer.post(f"{REPORTS}{other.pk}/review/", {"accept": False}, format="json")
    assert response.status_code == 400 and "审核意见" in response.json()["message"]
    response = reviewer.post(f"{REPORTS}{other.pk}/review/", {"comment": "缺材料"}, format="json")
    assert response.status_code == 400 and "accept" in response.json()["extra"]["fields"]
    response = reviewer.post(f"{REPORTS}{other.pk}/review/", {"accept": False, "comment": "缺材料"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    # the period is open again: the unit reports it anew
    response = liaison.post(REPORTS, report_body(second), format="json")
    assert response.status_code == 201


def test_reports_filter_by_plan_task_unit_status_and_period(api_for, yc_plan, other_yc_plan):
    first, second = yc_plan.tasks.order_by("order")
    a = submit(assignment(first, "区教委"), period=now_period(), accept=True)
    b = submit(assignment(first, "区科协"), period=now_period())
    c = submit(assignment(second, "区科协"), period=now_period())
    d = submit(assignment(other_yc_plan.tasks.first(), "区科技局"), period=now_period())
    api = api_for("yc_admin")
    assert set(ids(api.get(REPORTS))) == {a.pk, b.pk, c.pk, d.pk}
    assert set(ids(api.get(REPORTS, {"plan": yc_plan.pk}))) == {a.pk, b.pk, c.pk}
    assert ids(api.get(REPORTS, {"plan": "yc-other"})) == [d.pk]
    assert set(ids(api.get(REPORTS, {"task": first.pk}))) == {a.pk, b.pk}
    assert set(ids(api.get(REPORTS, {"unit": unit("区科协").pk}))) == {b.pk, c.pk}
    assert ids(api.get(REPORTS, {"status": "accepted"})) == [a.pk]
    assert len(ids(api.get(REPORTS, {"period": now_period()}))) == 4
    assert ids(api.get(REPORTS, {"period": now_period() - 1})) == []
    assert api.get(REPORTS, {"status": "lost"}).status_code == 400


# --- schema -----------------------------------------------------------------------------------------------


def test_the_schema_lists_the_work_plan_endpoints(client_for):
    schema = client_for("yc_admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (PLANS, f"{PLANS}{{id}}/", TASKS, f"{TASKS}{{id}}/", REPORTS, f"{REPORTS}{{id}}/",
                 f"{REPORTS}{{id}}/review/"):
        assert path in schema["paths"], path
    assert set(schema["paths"][f"{REPORTS}{{id}}/"]) == {"get", "patch", "delete"}
    assert "post" not in schema["paths"][PLANS] and "post" not in schema["paths"][TASKS]
