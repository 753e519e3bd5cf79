"""The task pages: a liaison's tasks, a task with its units, reports, deliverables and milestones,
marking deliverables done and reopening them, and who sees what."""

import datetime

import pytest

from kepu.indicators.tests.factories import pdf

from ..models import Assignment, Deliverable, DeliverableFile, Rhythm
from ..periods import period, period_no
from ..services.plans import deliverable_create, milestone_save
from ..services.progress import deliverable_complete
from .factories import current, make_plan, page, submit, today, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_task(db):
    """A task of another plan that 区教委 does not answer for."""
    return make_plan(code="yc-other", title="永川区科协工作计划", tasks=1, units=("区科协",),
                     year=today().year).tasks.get()


@pytest.fixture
def education(task):
    return Assignment.objects.get(task=task, unit=unit("区教委"))


@pytest.fixture
def science(task):
    return Assignment.objects.get(task=task, unit=unit("区科协"))


def detail_url(task) -> str:
    return f"/workplans/tasks/{task.pk}/"


# --- a liaison's tasks --------------------------------------------------------------------------------


def test_liaison_sees_its_units_tasks_with_missing_periods(client_for, plan, other_task, education):
    response = client_for("yc_liaison").get("/workplans/mine/")
    assert response.status_code == 200
    body = page(response)
    assert body.count('class="card mb-3 task-card"') == 2  # the two tasks of the plan, not the other plan's
    assert plan.title in body and "第 1 项任务的内容" in body
    assert f'data-task="{other_task.pk}"' not in body and "永川区科协工作计划" not in body
    first_due = period(Rhythm.QUARTERLY, period_no(Rhythm.QUARTERLY, datetime.date(today().year - 1, 1, 1)), 10)
    assert f"{first_due.label}的进展尚未报送（截止 {first_due.deadline:%Y-%m-%d}，已逾期）" in body
    assert 'data-board-status="overdue"' in body
    assert f'/workplans/tasks/{education.task_id}/report/?unit={education.unit_id}' in body


def test_my_tasks_show_the_latest_report(client_for, personas, task, education):
    submit(education, period=current(), text="已完成全区教师培训。", actor=personas.yc_liaison)
    body = page(client_for("yc_liaison").get("/workplans/mine/"))
    assert "已完成全区教师培训。" in body and "待审核" in body


def test_staff_without_liaison_units_get_a_friendly_empty_state(client_for, plan):
    response = client_for("yc_admin").get("/workplans/mine/")
    assert response.status_code == 200 and 'id="not-liaison"' in page(response)


@pytest.mark.parametrize("name,expected", [("citizen", 403), ("outsider", 403), ("anonymous", 302)])
def test_non_staff_may_not_open_my_tasks(client_for, name, expected):
    assert client_for(name).get("/workplans/mine/").status_code == expected


# --- a task -------------------------------------------------------------------------------------------


def test_task_page_shows_the_task_and_every_unit_to_the_owner(client_for, personas, plan, task, education,
                                                              science):
    milestone_save(actor=None, plan=plan, task=task, title="完成教师培训", due_on=datetime.date(today().year, 6, 30))
    submit(science, period=current(), text="科协本季度举办科普讲座。")
    response = client_for("yc_admin").get(detail_url(task))
    assert response.status_code == 200
    body = page(response)
    for part in ("第 1 项任务的内容", plan.title, "重点任务", "永川区教委", "永川区科协", "完成教师培训",
                 "科协本季度举办科普讲座。", 'id="indicator-links"', f"/workplans/plans/{plan.pk}/reviews/"):
        assert part in body, part
    assert body.count('class="unit-state"') == 2
    assert 'class="review-form' in body  # the pending report can be decided here


def test_liaison_sees_only_its_unit_on_a_task(client_for, task, education, science):
    submit(science, period=current(), text="科协本季度举办科普讲座。")
    submit(education, period=current(), text="教委本季度的进展。")
    body = page(client_for("yc_liaison").get(detail_url(task)))
    assert "教委本季度的进展。" in body and "科协本季度举办科普讲座。" not in body
    assert body.count('class="unit-state"') == 1 and f'data-unit="{education.unit_id}"' in body
    assert "review-form" not in body


def test_liaison_gets_404_on_a_task_its_unit_is_not_assigned(client_for, other_task):
    client = client_for("yc_liaison")
    assert client.get(detail_url(other_task)).status_code == 404
    assert client.get(f"/workplans/tasks/{other_task.pk}/report/").status_code == 404


@pytest.mark.parametrize("name,expected", [("yc_admin", 200), ("city_admin", 200), ("yc_reviewer", 200),
                                           ("yc_liaison", 200), ("spb_admin", 404), ("citizen", 403),
                                           ("outsider", 403), ("anonymous", 302)])
def test_task_page_permissions(client_for, task, name, expected):
    assert client_for(name).get(detail_url(task)).status_code == expected


def test_reviewer_may_review_but_not_edit_the_task(client_for, personas, task, education):
    submit(education, period=current(), actor=personas.yc_liaison)
    deliverable_create(actor=None, task=task, name="教师培训方案")
    body = page(client_for("yc_reviewer").get(detail_url(task)))
    assert 'class="review-form' in body
    assert f"/workplans/tasks/{task.pk}/edit/" not in body and "report-button" not in body
    assert "标记完成" not in body and "/reopen/" not in body


# --- deliverables -------------------------------------------------------------------------------------


@pytest.fixture
def deliverable(task):
    return deliverable_create(actor=None, task=task, name="教师培训方案", due_on=datetime.date(today().year, 12, 31))


def complete_url(d) -> str:
    return f"/workplans/deliverables/{d.pk}/complete/"


def test_liaison_marks_a_deliverable_done_with_evidence(client_for, task, deliverable, education):
    client = client_for("yc_liaison")
    assert f'href="{complete_url(deliverable)}"' in page(client.get(detail_url(task)))
    form = client.get(complete_url(deliverable))
    assert form.status_code == 200
    assert "永川区科协" not in page(form)  # a liaison completes for its own units only
    data = {"unit": education.unit_id, "done_on": today().isoformat(), "note": "方案已印发", "files": [pdf("方案.pdf")]}
    response = client.post(complete_url(deliverable), data)
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.done_on == today() and deliverable.done_unit_id == education.unit_id
    body = page(client.get(detail_url(task)))
    assert "方案.pdf" in body and "方案已印发" in body and f'href="{complete_url(deliverable)}"' not in body


def test_a_deliverable_needs_evidence_and_a_unit_of_the_task(client_for, deliverable, science):
    client = client_for("yc_liaison")
    response = client.post(complete_url(deliverable), {"unit": unit("区教委").pk, "done_on": today().isoformat()})
    assert response.status_code == 400 and "请上传至少一份佐证材料" in page(response)
    other = client.post(complete_url(deliverable), {"unit": science.unit_id, "done_on": today().isoformat(),
                                                    "files": [pdf()]})
    assert other.status_code == 400 and "所选单位不承担这项任务" in page(other)
    future = client.post(complete_url(deliverable), {"unit": unit("区教委").pk, "files": [pdf()],
                                                     "done_on": (today() + datetime.timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and "完成日期不能晚于今天" in page(future)
    assert Deliverable.objects.get(pk=deliverable.pk).done_on is None


def test_the_owner_completes_for_any_unit_and_reopens_with_a_reason(client_for, task, deliverable, science):
    client = client_for("yc_admin")
    response = client.post(complete_url(deliverable), {"unit": science.unit_id, "done_on": today().isoformat(),
                                                       "files": [pdf()]})
    assert response.status_code == 302
    again = client.post(complete_url(deliverable), {"unit": science.unit_id, "done_on": today().isoformat()})
    assert again.status_code == 409 and "该成果已标记完成" in page(again)
    reopen = f"/workplans/deliverables/{deliverable.pk}/reopen/"
    assert f'href="{reopen}"' in page(client.get(detail_url(task)))
    assert 'id="reopen-form"' in page(client.get(reopen))
    refused = client.post(reopen, {"reason": " "})
    assert refused.status_code == 400 and "请写明重新打开的原因" in page(refused)
    assert client.post(reopen, {"reason": "佐证材料不是终稿"}).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.done_on is None and deliverable.files.count() == 1


def test_only_owners_reopen_and_reviewers_do_not_complete(client_for, deliverable, education):
    deliverable_complete(actor=None, deliverable=deliverable, unit=education.unit, done_on=today(), uploads=[pdf()])
    reopen = f"/workplans/deliverables/{deliverable.pk}/reopen/"
    assert client_for("yc_liaison").post(reopen, {"reason": "x"}).status_code == 403
    assert client_for("yc_reviewer").get(complete_url(deliverable)).status_code == 403
    assert client_for("spb_admin").get(complete_url(deliverable)).status_code == 404


def test_a_liaison_may_not_complete_a_deliverable_of_another_units_task(client_for, other_task):
    d = deliverable_create(actor=None, task=other_task, name="科普讲座")
    assert client_for("yc_liaison").get(complete_url(d)).status_code == 404


def test_evidence_is_served_to_those_who_see_the_task(client_for, deliverable, education, other_task):
    deliverable_complete(actor=None, deliverable=deliverable, unit=education.unit, done_on=today(), uploads=[pdf()])
    item = DeliverableFile.objects.get()
    for name, expected in [("yc_liaison", 200), ("yc_admin", 200), ("spb_admin", 404), ("citizen", 403)]:
        assert client_for(name).get(f"/workplans/deliverables/files/{item.pk}/").status_code == expected, name
    elsewhere = deliverable_create(actor=None, task=other_task, name="科普讲座")
    deliverable_complete(actor=None, deliverable=elsewhere, unit=unit("区科协"), done_on=today(), uploads=[pdf()])
    hidden = DeliverableFile.objects.get(deliverable=elsewhere)
    assert client_for("yc_liaison").get(f"/workplans/deliverables/files/{hidden.pk}/").status_code == 404
