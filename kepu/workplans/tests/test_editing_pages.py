"""Editing plans by hand: a new plan, its particulars, sections, phases, milestones, tasks and deliverables."""

import datetime

import pytest
from django.utils import timezone

from kepu.regions.models import Region

from ..models import (
    Assignment,
    Deliverable,
    Milestone,
    Phase,
    Plan,
    PlanMember,
    Rhythm,
    Section,
    Task,
)
from ..periods import period_no
from .factories import make_plan, submit, unit

pytestmark = pytest.mark.django_db

PLAN_POST = {"code": "yc-2026-points", "title": "2026 年永川区科普工作要点", "kind": "work_points",
             "issuer": "永川区科协", "document_number": "永科协发〔2026〕1 号", "issued_on": "2026-02-10",
             "year": "2026", "starts_on": "", "ends_on": "", "rhythm": "quarterly", "grace_days": "10",
             "remind_days": "5"}


def _plan_fields(plan: Plan, **changes) -> dict:
    data = {"title": plan.title, "kind": plan.kind, "issuer": plan.issuer, "document_number": plan.document_number,
            "issued_on": "", "year": plan.year or "", "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(), "rhythm": plan.rhythm, "grace_days": plan.grace_days,
            "remind_days": plan.remind_days, "loaded_at": plan.updated_at.isoformat()}
    return {**data, **changes}


def _task_fields(plan: Plan, **changes) -> dict:
    data = {"section": plan.sections.first().pk, "number": "9", "text": "组织科技活动周。",
            "lead_unit": unit("区科协").pk, "responsible_units": [unit("区教委").pk, unit("区科技局").pk],
            "starts_on": "", "due_on": "2026-06-30"}
    return {**data, **changes}


def _errors(response) -> str:
    return response.content.decode()


# --- a new plan ---------------------------------------------------------------------------------------


def test_region_admin_creates_a_plan_with_the_years_dates(client_for):
    yongchuan = Region.objects.get(code="500118")
    response = client_for("yc_admin").post("/workplans/new/", {**PLAN_POST, "region": yongchuan.pk})
    plan = Plan.objects.get(code="yc-2026-points")
    assert response.status_code == 302 and response["Location"] == f"/workplans/plans/{plan.pk}/"
    assert plan.region == yongchuan and plan.region_path == yongchuan.path
    assert (plan.starts_on, plan.ends_on) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert plan.last_period == period_no(Rhythm.QUARTERLY, datetime.date(2026, 12, 31))
    assert plan.document_number == "永科协发〔2026〕1 号"


def test_new_plan_form_offers_only_the_admins_regions(client_for):
    response = client_for("yc_admin").get("/workplans/new/")
    assert response.status_code == 200
    regions = list(response.context["form"].fields["region"].queryset.values_list("code", flat=True))
    assert regions == ["500118"]
    assert response.context["form"].initial["year"] == timezone.localdate().year


def test_district_admin_cannot_create_a_plan_in_another_district(client_for):
    yongchuan = Region.objects.get(code="500118")
    response = client_for("spb_admin").post("/workplans/new/", {**PLAN_POST, "region": yongchuan.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["region"]
    assert not Plan.objects.filter(code="yc-2026-points").exists()


def test_a_taken_code_and_reversed_dates_are_field_errors(client_for):
    make_plan(code="yc-2026-points")
    yongchuan = Region.objects.get(code="500118")
    response = client_for("yc_admin").post("/workplans/new/", {
        **PLAN_POST, "region": yongchuan.pk, "starts_on": "2026-06-01", "ends_on": "2026-03-01", "grace_days": "120"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "code" in errors and errors["ends_on"] == ["截止日期不能早于起始日期。"]
    assert "90" in errors["grace_days"][0]
    assert Plan.objects.count() == 1


def test_an_impossible_date_or_no_dates_at_all_are_field_errors(client_for):
    yongchuan = Region.objects.get(code="500118")
    response = client_for("yc_admin").post("/workplans/new/", {
        **PLAN_POST, "region": yongchuan.pk, "issued_on": "2026-02-30", "year": ""})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"issued_on", "starts_on", "ends_on"}
    assert "有效的日期" in errors["issued_on"][0]
    assert not Plan.objects.exists()


@pytest.mark.parametrize("persona, status", [("yc_liaison", 403), ("yc_reviewer", 403), ("citizen", 403),
                                             ("anonymous", 302)])
def test_only_region_admins_may_open_the_new_plan_page(client_for, persona, status):
    assert client_for(persona).get("/workplans/new/").status_code == status


# --- the plan's particulars ---------------------------------------------------------------------------


def test_owner_edits_a_plans_particulars(client_for):
    plan = make_plan()
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/edit/", _plan_fields(
        plan, title="永川区科普工作要点（修订）", rhythm="monthly", grace_days="15"))
    assert response.status_code == 302 and response["Location"] == f"/workplans/plans/{plan.pk}/"
    plan.refresh_from_db()
    assert (plan.title, plan.rhythm, plan.grace_days) == ("永川区科普工作要点（修订）", "monthly", 15)
    assert plan.last_period == period_no(Rhythm.MONTHLY, plan.ends_on)
    assert plan.code == "yc-plan"


def test_a_stale_edit_is_refused(client_for):
    plan = make_plan()
    stale = _plan_fields(plan, title="旧页面上的名称")
    Plan.objects.filter(pk=plan.pk).update(updated_at=timezone.now() + datetime.timedelta(seconds=5))
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/edit/", stale)
    assert response.status_code == 400
    assert "已被他人修改" in _errors(response)
    plan.refresh_from_db()
    assert plan.title == "永川区科普工作要点"


def test_the_rhythm_is_fixed_once_progress_was_reported(client_for):
    plan = make_plan(year=2026)
    submit(Assignment.objects.filter(task__plan=plan).first(), period=period_no(Rhythm.QUARTERLY,
                                                                               datetime.date(2026, 1, 1)))
    plan.refresh_from_db()
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/edit/", _plan_fields(plan, rhythm="monthly"))
    assert response.status_code == 400
    assert response.context["form"].errors["rhythm"] == ["计划已有进展报送，不能再改报送频次。"]
    plan.refresh_from_db()
    assert plan.rhythm == Rhythm.QUARTERLY


# --- sections, phases, milestones ---------------------------------------------------------------------


def test_owner_adds_a_section_under_a_top_level_one(client_for):
    plan = make_plan()
    top = plan.sections.get()
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/sections/new/",
                                           {"number": "（二）", "title": "科普阵地建设", "parent": top.pk})
    assert response.status_code == 302
    section = Section.objects.get(plan=plan, title="科普阵地建设")
    assert section.parent == top and section.heading == "（二）科普阵地建设"


def test_a_section_cannot_hang_under_another_plans_section(client_for):
    plan, other = make_plan(), make_plan(code="yc-other")
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/sections/new/",
                                           {"number": "二", "title": "X", "parent": other.sections.get().pk})
    assert response.status_code == 400 and "parent" in response.context["form"].errors
    assert not Section.objects.filter(title="X").exists()


def test_owner_adds_a_phase_and_reversed_dates_are_refused(client_for):
    plan = make_plan()
    client = client_for("yc_admin")
    url = f"/workplans/plans/{plan.pk}/phases/new/"
    response = client.post(url, {"name": "筹备动员阶段", "start": "2026-05-01", "end": "2026-03-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["结束日期不能早于开始日期。"]
    response = client.post(url, {"name": "筹备动员阶段", "start": "2026-01-01", "end": "2026-03-31",
                                 "description": "制定方案，动员部署。"})
    assert response.status_code == 302 and response["Location"] == f"/workplans/plans/{plan.pk}/timeline/"
    assert Phase.objects.get(plan=plan).end == datetime.date(2026, 3, 31)


def test_owner_adds_a_milestone_of_a_task(client_for):
    plan = make_plan()
    task = plan.tasks.get(number="2")
    client = client_for("yc_admin")
    url = f"/workplans/plans/{plan.pk}/milestones/new/"
    response = client.post(url, {"title": "中期评估", "due_on": "2026-07-01", "task": task.pk})
    assert response.status_code == 302
    assert Milestone.objects.get(plan=plan).task == task
    other_task = make_plan(code="yc-other", tasks=1).tasks.get()
    response = client.post(url, {"title": "别的计划的任务", "due_on": "2026-07-01", "task": other_task.pk})
    assert response.status_code == 400 and "task" in response.context["form"].errors
    response = client.post(url, {"title": "没有日期", "due_on": ""})
    assert response.status_code == 400 and "due_on" in response.context["form"].errors


# --- tasks --------------------------------------------------------------------------------------------


def test_owner_adds_a_task_with_its_units(client_for):
    plan = make_plan(tasks=1)
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/tasks/new/", _task_fields(plan))
    task = Task.objects.get(plan=plan, number="9")
    assert response.status_code == 302 and response["Location"] == f"/workplans/tasks/{task.pk}/"
    assert task.lead_unit == unit("区科协") and task.due_on == datetime.date(2026, 6, 30)
    assert set(task.assignments.values_list("unit__name", "lead")) == {("区科协", True), ("区教委", False),
                                                                       ("区科技局", False)}
    assert PlanMember.objects.filter(plan=plan, unit=unit("区科技局")).exists()


def test_save_and_add_another_returns_to_the_form_in_the_same_section(client_for):
    plan = make_plan(tasks=1)
    section = plan.sections.get()
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/tasks/new/",
                                           {**_task_fields(plan), "another": "1"})
    assert response["Location"] == f"/workplans/plans/{plan.pk}/tasks/new/?section={section.pk}"
    response = client_for("yc_admin").get(response["Location"])
    assert response.context["form"].initial["section"] == section.pk


def test_task_form_lists_the_plan_regions_units_first(client_for):
    plan = make_plan(tasks=1)
    response = client_for("yc_admin").get(f"/workplans/plans/{plan.pk}/tasks/new/")
    groups = response.context["form"].fields["responsible_units"].choices
    assert groups[0][0] == "永川区"
    assert all(name != "沙坪坝区" for name, _units in groups)
    assert "<optgroup" in response.content.decode()


def test_a_unit_outside_the_plans_region_is_refused(client_for):
    plan = make_plan(tasks=1)
    outside = unit("区教委", region="500106")
    response = client_for("yc_admin").post(f"/workplans/plans/{plan.pk}/tasks/new/", _task_fields(
        plan, responsible_units=[unit("区教委").pk, outside.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["responsible_units"] == ["所选单位不属于永川区，或已不存在。"]
    assert not Task.objects.filter(plan=plan, number="9").exists()


def test_a_task_needs_a_unit_a_free_number_and_ordered_dates(client_for):
    plan = make_plan(tasks=1)
    client = client_for("yc_admin")
    url = f"/workplans/plans/{plan.pk}/tasks/new/"
    response = client.post(url, _task_fields(plan, lead_unit="", responsible_units=[]))
    assert response.status_code == 400
    assert response.context["form"].errors["responsible_units"] == ["请至少选择一个牵头单位或责任单位。"]
    response = client.post(url, _task_fields(plan, number="1", starts_on="2026-07-01", due_on="2026-06-30"))
    errors = response.context["form"].errors
    assert errors["number"] == ["本计划已有编号为 1 的任务。"]
    assert errors["due_on"] == ["完成时限不能早于开始日期。"]
    assert plan.tasks.count() == 1


def test_owner_edits_a_task_and_a_stale_edit_is_refused(client_for):
    plan = make_plan(tasks=1)
    task = plan.tasks.get()
    client = client_for("yc_admin")
    url = f"/workplans/tasks/{task.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["responsible_units"] == [unit("区科协").pk]
    data = _task_fields(plan, number="1", text="修改后的任务内容。", lead_unit=unit("区科技局").pk,
                        responsible_units=[unit("区科协").pk], loaded_at=task.updated_at.isoformat())
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/workplans/tasks/{task.pk}/"
    task.refresh_from_db()
    assert task.text == "修改后的任务内容。" and task.lead_unit == unit("区科技局")
    assert set(task.assignments.values_list("unit__name", flat=True)) == {"区科技局", "区科协"}
    response = client.post(url, {**data, "text": "过时的页面"})  # loaded_at is from before the first save
    assert response.status_code == 400 and "已被他人修改" in _errors(response)
    task.refresh_from_db()
    assert task.text == "修改后的任务内容。"


def test_owner_deletes_a_task_after_confirming(client_for):
    plan = make_plan(tasks=2)
    task = plan.tasks.get(number="2")
    client = client_for("yc_admin")
    url = f"/workplans/tasks/{task.pk}/delete/"
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/workplans/plans/{plan.pk}/"
    assert not Task.objects.filter(pk=task.pk).exists()


def test_a_task_with_reports_is_not_deleted(client_for):
    plan = make_plan(year=2026, tasks=1)
    task = plan.tasks.get()
    submit(task.assignments.first(), period=period_no(Rhythm.QUARTERLY, datetime.date(2026, 1, 1)))
    client = client_for("yc_admin")
    url = f"/workplans/tasks/{task.pk}/delete/"
    assert "该任务已有进展报送，不能删除。" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 409
    assert "已有进展报送，不能删除" in response.content.decode()
    assert Task.objects.filter(pk=task.pk).exists()


def test_owner_adds_a_deliverable(client_for):
    plan = make_plan(tasks=1)
    task = plan.tasks.get()
    client = client_for("yc_admin")
    url = f"/workplans/tasks/{task.pk}/deliverables/new/"
    response = client.post(url, {"name": "年度工作总结", "due_on": "2026-13-01"})
    assert response.status_code == 400 and "due_on" in response.context["form"].errors
    response = client.post(url, {"name": "年度工作总结", "due_on": "2026-12-15"})
    assert response.status_code == 302 and response["Location"] == f"/workplans/tasks/{task.pk}/"
    assert Deliverable.objects.get(task=task).due_on == datetime.date(2026, 12, 15)


# --- who may --------------------------------------------------------------------------------------------


EDIT_PAGES = ["/workplans/plans/{p}/edit/", "/workplans/plans/{p}/sections/new/", "/workplans/plans/{p}/phases/new/",
              "/workplans/plans/{p}/milestones/new/", "/workplans/plans/{p}/tasks/new/", "/workplans/tasks/{t}/edit/",
              "/workplans/tasks/{t}/delete/", "/workplans/tasks/{t}/deliverables/new/"]


@pytest.mark.parametrize("persona, status", [("yc_admin", 200), ("city_admin", 200), ("platform_admin", 200),
                                             ("yc_liaison", 403), ("yc_reviewer", 403), ("spb_admin", 404),
                                             ("anonymous", 302)])
def test_only_the_plans_owners_may_edit_it(client_for, persona, status):
    plan = make_plan(tasks=1, units=("区教委", "区科协"))  # the liaison's unit answers for the task
    task = plan.tasks.get()
    client = client_for(persona)
    for page in EDIT_PAGES:
        url = page.format(p=plan.pk, t=task.pk)
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert response["Location"].startswith("/accounts/login/") or "login" in response["Location"]


@pytest.mark.parametrize("persona, status", [("yc_liaison", 403), ("yc_reviewer", 403), ("spb_admin", 404)])
def test_others_cannot_post_changes(client_for, persona, status):
    plan = make_plan(tasks=1)
    task = plan.tasks.get()
    client = client_for(persona)
    assert client.post(f"/workplans/plans/{plan.pk}/edit/", _plan_fields(plan, title="X")).status_code == status
    assert client.post(f"/workplans/plans/{plan.pk}/tasks/new/", _task_fields(plan)).status_code == status
    assert client.post(f"/workplans/tasks/{task.pk}/delete/").status_code == status
    plan.refresh_from_db()
    assert plan.title != "X" and plan.tasks.count() == 1


def test_new_plan_form_starts_in_the_working_region(client_for):
    response = client_for("city_admin").get("/workplans/new/")
    form = response.context["form"]
    assert form.initial["region"] == Region.objects.get(code="500000").pk
    assert form.fields["region"].queryset.filter(code="500118").exists()
