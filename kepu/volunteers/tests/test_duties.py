"""Activity-staff pages: who is on duty, check-in/out by managers and by the volunteer, hours from
check-ins confirmed after the activity; scope (404), rights (403), bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.tests.factories import UserFactory
from kepu.activities.models import ActivityStatus
from kepu.activities.tests.factories import ActivityFactory

from .. import services
from ..models import Duty, RecordSource, RecordStatus
from .factories import add_member, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _now() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)


def service_activity(*, start=None, hours: int = 3, **kw):
    """A published 科技志愿服务活动 of 永川区科协 that started half an hour ago (by default)."""
    start = start or _now() - datetime.timedelta(minutes=30)
    kw.setdefault("status", ActivityStatus.PUBLISHED)
    return ActivityFactory(is_volunteer_service=True, start=start, end=start + datetime.timedelta(hours=hours), **kw)


@pytest.fixture
def crew(db):
    """A team with a leader (a citizen with an account) and a member who also has an account."""
    leader_user, member_user = UserFactory(username="leader"), UserFactory(username="member")
    team = make_team(name="永川区科技馆志愿服务队")
    leader = make_volunteer(user=leader_user, name="队长甲")
    member = make_volunteer(user=member_user, name="队员乙")
    add_member(team, leader, leader=True)
    add_member(team, member)
    clients = {}
    for name, user in (("leader", leader_user), ("member", member_user)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {"team": team, "leader": leader, "member": member, "clients": clients}


def test_page_lists_duties_with_times_and_hours(client_for, crew):
    activity = service_activity()
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"], task="讲解")
    Duty.objects.filter(pk=duty.pk).update(checked_in_at=activity.start, checked_out_at=activity.start
                                           + datetime.timedelta(minutes=100))
    page = client_for("yc_admin").get(reverse("volunteers:duties", args=[activity.pk])).content.decode()
    assert "队员乙" in page and "讲解" in page and "1.5 小时" in page
    assert timezone.localtime(activity.start).strftime("%H:%M") in page


def test_page_is_scoped(client_for, crew):
    activity = service_activity()
    url = reverse("volunteers:duties", args=[activity.pk])
    assert client_for("yc_admin").get(url).status_code == 200
    assert client_for("spb_admin").get(url).status_code == 404
    assert client_for("citizen").get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 302
    # A team leader without a staff role sees the public volunteer-service activities...
    assert crew["clients"]["leader"].get(url).status_code == 200
    # ...but not drafts, and no page exists for an activity that is not a volunteer service.
    draft = service_activity(status=ActivityStatus.DRAFT)
    assert crew["clients"]["leader"].get(reverse("volunteers:duties", args=[draft.pk])).status_code == 404
    lecture = ActivityFactory(status=ActivityStatus.PUBLISHED)
    assert client_for("yc_admin").get(reverse("volunteers:duties", args=[lecture.pk])).status_code == 404


def test_activity_detail_links_to_the_duty_page(client_for):
    activity = service_activity()
    lecture = ActivityFactory()
    client = client_for("yc_admin")
    url = reverse("volunteers:duties", args=[activity.pk])
    assert url in client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "/volunteers/duties/" not in client.get(reverse("activities:detail", args=[lecture.pk])).content.decode()


def test_leader_adds_a_member_by_name_or_number(crew):
    activity = service_activity()
    client = crew["clients"]["leader"]
    url = reverse("volunteers:duty_add", args=[activity.pk])
    response = client.post(url, {"team": crew["team"].pk, "volunteer": "队员乙", "task": "引导"})
    assert response.status_code == 302 and "已安排 队员乙 上岗" in _messages(response)
    duty = Duty.objects.get(activity=activity)
    assert duty.volunteer == crew["member"] and duty.team == crew["team"] and duty.task == "引导"
    response = client.post(url, {"team": crew["team"].pk, "volunteer": crew["leader"].number})
    assert Duty.objects.filter(activity=activity).count() == 2
    again = client.post(url, {"team": crew["team"].pk, "volunteer": "队员乙"})
    assert "已在该活动的志愿者名单中" in _messages(again)


@pytest.mark.parametrize(("data", "message"), [
    ({"volunteer": "不认识的人"}, "“不认识的人”不是“永川区科技馆志愿服务队”的成员"),
    ({"volunteer": ""}, "请填写志愿者编号或姓名"),
    ({"team": "abc"}, "所选服务队不在您的管理范围内"),
    ({"volunteer": "OUTSIDER"}, "不是“永川区科技馆志愿服务队”的成员"),
])
def test_add_refuses_bad_input(crew, data, message):
    activity = service_activity()
    outsider = make_volunteer(name="外队队员")
    payload = {"team": crew["team"].pk, "volunteer": "队员乙"}
    payload.update(data)
    if payload["volunteer"] == "OUTSIDER":
        payload["volunteer"] = outsider.number
    response = crew["clients"]["leader"].post(reverse("volunteers:duty_add", args=[activity.pk]), payload)
    assert response.status_code == 302
    assert message in _messages(response)
    assert not Duty.objects.exists()


def test_add_is_refused_to_those_who_manage_no_team(client_for, crew):
    activity = service_activity()
    url = reverse("volunteers:duty_add", args=[activity.pk])
    assert client_for("yc_reviewer").post(url, {"team": crew["team"].pk, "volunteer": "队员乙"}).status_code == 403
    assert crew["clients"]["member"].post(url, {"team": crew["team"].pk, "volunteer": "队员乙"}).status_code == 404


def test_manager_checks_a_volunteer_in_and_out(crew):
    activity = service_activity()
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"])
    client = crew["clients"]["leader"]
    url = reverse("volunteers:duty_check", args=[duty.pk])
    page = client.get(reverse("volunteers:duties", args=[activity.pk])).content.decode()
    assert url in page
    response = client.post(url, {"action": "in"})
    assert response.status_code == 302 and response.url == reverse("volunteers:duties", args=[activity.pk])
    duty.refresh_from_db()
    assert duty.checked_in_at is not None
    again = client.post(url, {"action": "in"})
    assert "已经签到过了" in _messages(again)
    client.post(url, {"action": "out"})
    duty.refresh_from_db()
    assert duty.checked_out_at is not None
    bad = client.post(url, {"action": "sideways"})
    assert "签到操作无效" in _messages(bad)


def test_volunteer_checks_in_from_their_page(crew):
    activity = service_activity()
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"])
    client = crew["clients"]["member"]
    response = client.post(reverse("volunteers:duty_check", args=[duty.pk]),
                           {"action": "in", "next": reverse("volunteers:me")})
    assert response.status_code == 302 and response.url == reverse("volunteers:me")
    duty.refresh_from_db()
    assert duty.checked_in_at is not None
    # An outside address in `next` is not followed.
    response = client.post(reverse("volunteers:duty_check", args=[duty.pk]),
                           {"action": "out", "next": "https://evil.example/"})
    assert response.url == reverse("volunteers:duties", args=[activity.pk])


def test_check_is_scoped_and_refused_to_others(client_for, crew):
    activity = service_activity()
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["leader"], team=crew["team"])
    url = reverse("volunteers:duty_check", args=[duty.pk])
    assert client_for("spb_admin").post(url, {"action": "in"}).status_code == 404
    assert client_for("yc_reviewer").post(url, {"action": "in"}).status_code == 403
    assert crew["clients"]["member"].post(url, {"action": "in"}).status_code == 404  # not their duty
    assert client_for("yc_admin").post(reverse("volunteers:duty_check", args=[999999]),
                                       {"action": "in"}).status_code == 404
    duty.refresh_from_db()
    assert duty.checked_in_at is None


def test_check_outside_the_window_is_told(crew):
    activity = service_activity(start=_now() + datetime.timedelta(days=2))
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"])
    response = crew["clients"]["leader"].post(reverse("volunteers:duty_check", args=[duty.pk]), {"action": "in"})
    assert "只能在活动开始前 2 小时至结束后 2 小时内签到" in _messages(response)


def test_hours_are_credited_after_the_activity(crew):
    activity = service_activity(start=_now() - datetime.timedelta(hours=5))  # 5 h ago, 3 h long
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"])
    absent = services.duty_add(actor=None, activity=activity, volunteer=crew["leader"], team=crew["team"])
    Duty.objects.filter(pk=duty.pk).update(checked_in_at=activity.start + datetime.timedelta(minutes=10))
    client = crew["clients"]["leader"]
    page = client.get(reverse("volunteers:duties", args=[activity.pk])).content.decode()
    assert "2.5 小时" in page and reverse("volunteers:duties_credit", args=[activity.pk]) in page
    response = client.post(reverse("volunteers:duties_credit", args=[activity.pk]))
    assert "已为 1 名志愿者计入服务时长" in _messages(response)
    duty.refresh_from_db()
    absent.refresh_from_db()
    assert duty.record.status == RecordStatus.VERIFIED and duty.record.source == RecordSource.CHECKIN
    assert duty.record.hours == Decimal("2.5") and absent.record is None
    crew["member"].refresh_from_db()
    assert crew["member"].hours == Decimal("2.5")
    again = client.post(reverse("volunteers:duties_credit", args=[activity.pk]))
    assert "没有可计入的服务时长" in _messages(again)


def test_credit_before_the_end_is_refused(client_for, crew):
    activity = service_activity()
    duty = services.duty_add(actor=None, activity=activity, volunteer=crew["member"], team=crew["team"])
    Duty.objects.filter(pk=duty.pk).update(checked_in_at=activity.start)
    response = crew["clients"]["leader"].post(reverse("volunteers:duties_credit", args=[activity.pk]))
    assert "活动结束后才能计入服务时长" in _messages(response)
    assert client_for("yc_reviewer").post(reverse("volunteers:duties_credit", args=[activity.pk])).status_code == 403
