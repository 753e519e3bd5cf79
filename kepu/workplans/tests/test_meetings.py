"""Joint meetings: recording them with member units, decisions that become tasks, the convener
rotation of an alliance, and the pages (members' liaisons look, owners change)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kepu.core.errors import Conflict
from kepu.core.models import AuditEntry

from ..models import Decision, Meeting, PlanMember, Task
from ..services.meetings import (
    decision_add,
    decision_to_task,
    meeting_create,
    meeting_update,
    next_convener,
    rotation_set,
)
from .factories import make_plan, unit

pytestmark = pytest.mark.django_db

MEMBERS = ("区教委", "区科协", "区科技局")


@pytest.fixture
def plan():
    return make_plan(code="yc-meetings", tasks=1, units=MEMBERS)


@pytest.fixture
def units():
    return [unit(n) for n in MEMBERS]


def meet(plan, *, convener=None, held_on=datetime.date(2026, 3, 1), attendees=(), title="联席会议", actor=None):
    return meeting_create(actor=actor, plan=plan, title=title, held_on=held_on, convener=convener, attendees=attendees)


# --- services -----------------------------------------------------------------------------------------


def test_owner_records_a_meeting_of_member_units(plan, units, personas):
    meeting = meet(plan, convener=units[1], attendees=units, actor=personas.yc_admin)
    assert meeting.region == plan.region and meeting.region_path == plan.region_path
    assert set(meeting.attendees.all()) == set(units)
    entry = AuditEntry.objects.get(action="workplans.meeting.created")
    assert entry.actor == personas.yc_admin and entry.object_id == str(meeting.pk)


def test_convener_and_attendees_must_be_member_units(plan, units):
    outsider = unit("区民政局")
    with pytest.raises(ValidationError) as exc:
        meet(plan, convener=outsider, attendees=[units[0], outsider])
    assert set(exc.value.message_dict) == {"convener", "attendees"}
    assert "区民政局" in exc.value.message_dict["attendees"][0]
    assert not Meeting.objects.exists()


def test_only_owners_record_meetings(plan, personas):
    with pytest.raises(PermissionDenied):
        meet(plan, actor=personas.yc_liaison)
    with pytest.raises(PermissionDenied):
        meet(plan, actor=personas.spb_admin)


def test_meeting_update_refuses_a_stale_edit_and_logs_attendee_changes(plan, units, personas):
    meeting = meet(plan, attendees=units[:1])
    loaded = meeting.updated_at
    meeting_update(actor=personas.yc_admin, meeting=meeting, unchanged_since=loaded, minutes="会议议定三项工作。",
                   attendees=units)
    meeting.refresh_from_db()
    assert meeting.minutes == "会议议定三项工作。" and meeting.attendees.count() == 3
    changes = AuditEntry.objects.get(action="workplans.meeting.updated").changes
    assert changes["attendees"] == [[units[0].pk], sorted(u.pk for u in units)]
    with pytest.raises(Conflict):
        meeting_update(actor=personas.yc_admin, meeting=meeting, unchanged_since=loaded, title="另一个名称")


def test_a_decision_becomes_a_task_starting_on_the_meeting_date_once(plan, units, personas):
    meeting = meet(plan, held_on=datetime.date(2026, 3, 5))
    decision = decision_add(actor=personas.yc_admin, meeting=meeting, text="各成员单位年内各开展一次科普进校园活动。")
    task = decision_to_task(actor=personas.yc_admin, decision=decision, number="M1-1", lead_unit=units[0],
                            responsible_units=units[1:], due_on=datetime.date(2026, 12, 31))
    decision.refresh_from_db()
    assert decision.task == task
    assert (task.plan, task.text, task.starts_on) == (plan, decision.text, datetime.date(2026, 3, 5))
    assert set(task.assignments.values_list("unit__name", flat=True)) == set(MEMBERS)
    assert AuditEntry.objects.filter(action="workplans.meeting.decision_to_task").exists()
    with pytest.raises(Conflict):
        decision_to_task(actor=personas.yc_admin, decision=decision, number="M1-2", lead_unit=units[0])


def test_decision_to_task_names_a_taken_number_and_an_early_due_date(plan, units):
    meeting = meet(plan, held_on=datetime.date(2026, 3, 5))
    decision = decision_add(actor=None, meeting=meeting, text="编制科普资源清单。")
    with pytest.raises(ValidationError) as exc:
        decision_to_task(actor=None, decision=decision, number="1", lead_unit=units[0],
                         due_on=datetime.date(2026, 3, 1))
    assert set(exc.value.message_dict) == {"number", "due_on"}
    with pytest.raises(ValidationError) as exc:
        decision_add(actor=None, meeting=meeting, text="  ")
    assert "text" in exc.value.message_dict


def test_next_convener_follows_the_rotation_and_wraps_around(plan, units, personas):
    assert next_convener(plan) is None  # no rotation
    a, b, c = units
    rotation_set(actor=personas.yc_admin, plan=plan, unit_ids_in_order=[c.pk, a.pk, b.pk])
    assert list(PlanMember.objects.filter(plan=plan, rotation__isnull=False).values_list("unit_id", flat=True)) == [
        c.pk, a.pk, b.pk]
    assert next_convener(plan) == c  # nobody convened yet: the first
    meet(plan, convener=c, held_on=datetime.date(2024, 6, 1))
    assert next_convener(plan) == a
    meet(plan, convener=b, held_on=datetime.date(2025, 6, 1))  # the latest meeting counts
    assert next_convener(plan) == c  # after the last one, the first again
    assert AuditEntry.objects.filter(action="workplans.meeting.rotation_set").count() == 1


def test_rotation_set_refuses_non_members_and_repeats_and_can_be_cleared(plan, units, personas):
    with pytest.raises(ValidationError) as exc:
        rotation_set(actor=personas.yc_admin, plan=plan, unit_ids_in_order=[units[0].pk, unit("区民政局").pk])
    assert "区民政局" in exc.value.message_dict["rotation"][0]
    with pytest.raises(ValidationError):
        rotation_set(actor=personas.yc_admin, plan=plan, unit_ids_in_order=[units[0].pk, units[0].pk])
    with pytest.raises(PermissionDenied):
        rotation_set(actor=personas.yc_liaison, plan=plan, unit_ids_in_order=[units[0].pk])
    rotation_set(actor=personas.yc_admin, plan=plan, unit_ids_in_order=[units[0].pk])
    rotation_set(actor=personas.yc_admin, plan=plan, unit_ids_in_order=[])
    assert not PlanMember.objects.filter(plan=plan, rotation__isnull=False).exists()


# --- pages --------------------------------------------------------------------------------------------


def list_url(plan):
    return f"/workplans/plans/{plan.pk}/meetings/"


def test_a_member_units_liaison_sees_meetings_but_may_not_change_them(client_for, plan, units):
    meeting = meet(plan, convener=units[0], attendees=units, title="2026 年第一次联席会议")
    decision_add(actor=None, meeting=meeting, text="开展科普进校园。")
    client = client_for("yc_liaison")
    html = client.get(list_url(plan)).content.decode()
    assert "2026 年第一次联席会议" in html and 'id="meeting-create"' not in html and 'id="rotation-form"' not in html
    response = client.get(f"/workplans/meetings/{meeting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "开展科普进校园。" in html and "/task/" not in html and 'id="decision-form"' not in html
    assert client.get(f"/workplans/plans/{plan.pk}/meetings/new/").status_code == 403
    assert client.get(f"/workplans/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.post(f"/workplans/meetings/{meeting.pk}/decisions/new/", {"text": "x"}).status_code == 403
    assert Decision.objects.count() == 1


def test_meetings_out_of_scope_are_not_found(client_for, plan, units):
    meeting = meet(plan)
    client = client_for("spb_admin")
    assert client.get(list_url(plan)).status_code == 404
    assert client.get(f"/workplans/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/workplans/meetings/{meeting.pk}/edit/").status_code == 404
    assert client_for("citizen").get(list_url(plan)).status_code == 403
    response = client_for("anonymous").get(list_url(plan))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_create_form_proposes_the_next_convener_and_every_member(client_for, plan, units, personas):
    rotation_set(actor=None, plan=plan, unit_ids_in_order=[u.pk for u in units])
    meet(plan, convener=units[0])
    response = client_for("yc_admin").get(f"/workplans/plans/{plan.pk}/meetings/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["convener"] == units[1].pk
    assert set(form.initial["attendees"]) == {u.pk for u in units}
    assert 'id="convener-hint"' in response.content.decode()


def test_owner_records_a_meeting_through_the_page(client_for, plan, units):
    client = client_for("yc_admin")
    url = f"/workplans/plans/{plan.pk}/meetings/new/"
    response = client.post(url, {"title": "", "held_on": "2026-03-01", "attendees": [units[0].pk]})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    response = client.post(url, {"title": "2026 年联席会议", "held_on": "2026-03-01", "convener": units[2].pk,
                                 "location": "区科协会议室", "attendees": [units[0].pk, units[2].pk],
                                 "agenda": "一、通报工作进展", "minutes": ""})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workplans/meetings/{meeting.pk}/"
    assert meeting.convener == units[2] and set(meeting.attendees.all()) == {units[0], units[2]}
    html = client.get(list_url(plan)).content.decode()
    assert "2026 年联席会议" in html and "区科协会议室" in html


def test_a_stale_meeting_edit_is_refused(client_for, plan, units):
    meeting = meet(plan, attendees=units)
    client = client_for("yc_admin")
    form = client.get(f"/workplans/meetings/{meeting.pk}/edit/").context["form"]
    loaded = form.initial["loaded_at"]
    Meeting.objects.filter(pk=meeting.pk).update(location="另一处", updated_at=datetime.datetime(2026, 1, 1, 8, 0,
                                                                                              tzinfo=datetime.UTC))
    response = client.post(f"/workplans/meetings/{meeting.pk}/edit/", {
        "title": "联席会议", "held_on": "2026-03-01", "minutes": "纪要", "loaded_at": loaded,
        "attendees": [u.pk for u in units]})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    form = client.get(f"/workplans/meetings/{meeting.pk}/edit/").context["form"]
    response = client.post(f"/workplans/meetings/{meeting.pk}/edit/", {
        "title": "联席会议", "held_on": "2026-03-01", "minutes": "纪要", "loaded_at": form.initial["loaded_at"],
        "attendees": [u.pk for u in units]})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "纪要"


def test_owner_adds_a_decision_and_turns_it_into_a_task(client_for, plan, units):
    meeting = meet(plan, held_on=datetime.date(2026, 3, 5))
    client = client_for("yc_admin")
    response = client.post(f"/workplans/meetings/{meeting.pk}/decisions/new/", {"text": ""})
    assert response.status_code == 400 and 'id="decision-form"' in response.content.decode()
    response = client.post(f"/workplans/meetings/{meeting.pk}/decisions/new/", {"text": "编制年度科普资源清单。"})
    decision = Decision.objects.get()
    assert response["Location"] == f"/workplans/meetings/{meeting.pk}/#decision-{decision.pk}"
    html = client.get(f"/workplans/meetings/{meeting.pk}/").content.decode()
    assert f"/workplans/decisions/{decision.pk}/task/" in html

    url = f"/workplans/decisions/{decision.pk}/task/"
    response = client.get(url)
    assert response.context["form"].initial["number"] == f"M{meeting.pk}-1"
    response = client.post(url, {"number": f"M{meeting.pk}-1", "due_on": "2026-12-31"})
    assert response.status_code == 400 and "请至少选择一个牵头单位或责任单位" in response.content.decode()
    response = client.post(url, {"number": f"M{meeting.pk}-1", "lead_unit": units[1].pk,
                                 "responsible_units": [units[0].pk, units[1].pk], "due_on": "2026-12-31"})
    assert response.status_code == 302
    task = Task.objects.get(number=f"M{meeting.pk}-1")
    assert task.starts_on == datetime.date(2026, 3, 5) and task.lead_unit == units[1]
    html = client.get(f"/workplans/meetings/{meeting.pk}/").content.decode()
    assert f'href="/workplans/tasks/{task.pk}/"' in html and "已转为任务" in html
    response = client.post(url, {"number": "M9", "lead_unit": units[1].pk})
    assert response.status_code == 409 and 'id="blocked"' in response.content.decode()


def test_the_suggested_number_skips_numbers_in_use(client_for, plan, units):
    meeting = meet(plan)
    first = decision_add(actor=None, meeting=meeting, text="第一项")
    second = decision_add(actor=None, meeting=meeting, text="第二项")
    decision_to_task(actor=None, decision=first, number=f"M{meeting.pk}-2", lead_unit=units[0])
    response = client_for("yc_admin").get(f"/workplans/decisions/{second.pk}/task/")
    assert response.context["form"].initial["number"] == f"M{meeting.pk}-3"


def test_owner_sets_the_rotation_and_sees_the_next_convener(client_for, plan, units):
    client = client_for("yc_admin")
    url = f"/workplans/plans/{plan.pk}/meetings/rotation/"
    a, b, c = units
    response = client.post(url, {f"unit_{a.pk}": "1", f"unit_{b.pk}": "1"})
    assert response.status_code == 400 and "1 号重复" in response.content.decode()
    response = client.post(url, {f"unit_{a.pk}": "2", f"unit_{c.pk}": "1", f"unit_{b.pk}": ""})
    assert response.status_code == 302
    meet(plan, convener=c)
    html = client.get(list_url(plan)).content.decode()
    assert f'data-unit="{a.pk}" id="next-convener"' in html
    assert client_for("yc_liaison").post(url, {f"unit_{a.pk}": "1"}).status_code == 403
