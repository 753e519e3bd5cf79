"""你点我送 pages: list with filters and times, posting, claiming (one team wins), giving back,
cancelling, scheduling and reporting a need done; scope (404) and rights (403); bad input."""

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

from .. import services
from ..models import RecordStatus, RequestStatus, ServiceRecord, ServiceRequest
from .factories import add_member, make_request, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


class Leader:
    """A citizen who leads a team in 永川区 (no staff role), with the team and a logged-in client."""

    def __init__(self, name: str = "leader", team_name: str | None = None, region: str = "500118"):
        self.user = UserFactory(username=name)
        self.volunteer = make_volunteer(user=self.user, name=f"{name}队长")
        self.team = make_team(name=team_name, region=region)
        add_member(self.team, self.volunteer, leader=True)
        self.client = Client()
        self.client.force_login(self.user)


@pytest.fixture
def leader(db):
    return Leader()


def _create_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {"topic": "青少年编程启蒙", "audience": "小学四年级学生", "requester_name": "永川区某小学",
            "contact_name": "王老师", "contact_phone": "13912345678", "region_code": "500118001",
            "place": "学校多功能厅", "window_start": today.isoformat(),
            "window_end": (today + datetime.timedelta(days=14)).isoformat(), "expected_size": "45"}
    data.update(overrides)
    return data


# --- list ------------------------------------------------------------------------------------------------


def test_list_shows_only_requests_in_scope(client_for):
    mine = make_request(topic="永川需求")
    make_request(topic="沙坪坝需求", region="500106")
    page = client_for("yc_admin").get(reverse("volunteers:requests")).content.decode()
    assert mine.topic in page and "沙坪坝需求" not in page
    other = client_for("spb_admin").get(reverse("volunteers:requests")).content.decode()
    assert "沙坪坝需求" in other and "永川需求" not in other


def test_list_requires_staff_or_a_team_leader(client_for, leader):
    assert client_for("citizen").get(reverse("volunteers:requests")).status_code == 403
    assert client_for("anonymous").get(reverse("volunteers:requests")).status_code == 302
    make_request(topic="街道需求", region="500118001")
    assert "街道需求" in leader.client.get(reverse("volunteers:requests")).content.decode()


def test_list_filters_by_status_region_and_mine_and_shows_times(client_for, leader):
    town = make_request(topic="街道需求", region="500118001")
    district = make_request(topic="区级需求", created_at=timezone.now() - datetime.timedelta(hours=5))
    services.request_claim(actor=leader.user, request=district, team=leader.team)
    client = client_for("yc_admin")

    def page(**params):
        return client.get(reverse("volunteers:requests"), params).content.decode()

    assert town.topic in page(status="open") and district.topic not in page(status="open")
    assert town.topic in page(region="500118001") and district.topic not in page(region="500118001")
    bad = page(region="999999")
    assert "区划代码：区划代码“999999”不存在" in bad and town.topic not in bad
    claimed = page(status="claimed")
    assert district.topic in claimed and "5.0 小时" in claimed  # response time: posted 5 hours before the claim
    mine = leader.client.get(reverse("volunteers:requests"), {"mine": "1"}).content.decode()
    assert district.topic in mine and town.topic not in mine


def test_list_htmx_returns_the_fragment(client_for):
    make_request(topic="片段需求")
    response = client_for("yc_admin").get(reverse("volunteers:requests"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "片段需求" in body and "<html" not in body


# --- create ---------------------------------------------------------------------------------------------


def test_create_posts_a_need_and_shows_the_phone_masked(client_for):
    client = client_for("yc_admin")
    response = client.post(reverse("volunteers:request_create"), _create_data())
    req = ServiceRequest.objects.get(topic="青少年编程启蒙")
    assert response.status_code == 302 and response.url == reverse("volunteers:request_detail", args=[req.pk])
    assert req.status == RequestStatus.OPEN and req.region.code == "500118001" and req.expected_size == 45
    page = client.get(response.url).content.decode()
    assert "139****5678" in page and "13912345678" not in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("window_end", "2000-01-01", "期望结束日期不能早于开始日期"),
    ("expected_size", "四十", "预计人数应为整数"),
    ("expected_size", "0", "预计人数应大于 0"),
    ("contact_phone", "12345", "应为 11 位手机号码"),
    ("window_start", "明天", "期望开始日期格式不对"),
    ("region_code", "500106", "不在您的工作范围内"),
    ("topic", "   ", "请填写需求主题"),
])
def test_create_refuses_bad_input_with_the_field_named(client_for, field, value, message):
    response = client_for("yc_admin").post(reverse("volunteers:request_create"), _create_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_create_is_refused_to_those_who_may_not_post(client_for, leader):
    assert client_for("citizen").get(reverse("volunteers:request_create")).status_code == 403
    assert leader.client.get(reverse("volunteers:request_create")).status_code == 403
    assert client_for("yc_reviewer").post(reverse("volunteers:request_create"), _create_data()).status_code == 403


# --- detail, claim, release, cancel ------------------------------------------------------------------------


def test_detail_is_scoped(client_for):
    req = make_request()
    assert client_for("yc_admin").get(reverse("volunteers:request_detail", args=[req.pk])).status_code == 200
    assert client_for("spb_admin").get(reverse("volunteers:request_detail", args=[req.pk])).status_code == 404
    assert client_for("yc_admin").get(reverse("volunteers:request_detail", args=[999999])).status_code == 404


def test_leader_claims_and_a_second_team_gets_a_clear_message(leader):
    req = make_request()
    page = leader.client.get(reverse("volunteers:request_detail", args=[req.pk])).content.decode()
    assert leader.team.name in page and reverse("volunteers:request_claim", args=[req.pk]) in page
    other = Leader("leader2")
    first = leader.client.post(reverse("volunteers:request_claim", args=[req.pk]), {"team": leader.team.pk})
    assert first.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.CLAIMED and req.team == leader.team and req.claimed_by == leader.user
    second = other.client.post(reverse("volunteers:request_claim", args=[req.pk]), {"team": other.team.pk})
    assert second.status_code == 302 and second.url == reverse("volunteers:request_detail", args=[req.pk])
    assert "已被其他服务队认领" in _messages(second)
    req.refresh_from_db()
    assert req.team == leader.team


def test_claim_refuses_a_team_the_user_may_not_claim_with(client_for, leader):
    req = make_request()
    other_team = make_team()
    response = leader.client.post(reverse("volunteers:request_claim", args=[req.pk]), {"team": other_team.pk})
    assert response.status_code == 302 and "所选服务队不能认领该需求" in _messages(response)
    response = leader.client.post(reverse("volunteers:request_claim", args=[req.pk]), {"team": "abc"})
    assert "所选服务队不能认领该需求" in _messages(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN
    # Staff without a team to claim with are refused.
    assert client_for("yc_reviewer").post(reverse("volunteers:request_claim", args=[req.pk]),
                                          {"team": leader.team.pk}).status_code == 403


def test_claim_needs_post(leader):
    req = make_request()
    assert leader.client.get(reverse("volunteers:request_claim", args=[req.pk])).status_code == 405


def test_release_gives_the_need_back(leader):
    req = make_request()
    services.request_claim(actor=leader.user, request=req, team=leader.team)
    response = leader.client.post(reverse("volunteers:request_release", args=[req.pk]), {"reason": "人手不足"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.team is None
    again = leader.client.post(reverse("volunteers:request_release", args=[req.pk]))
    assert "不能执行此操作" in _messages(again)


def test_cancel_needs_a_reason_and_an_open_need(client_for, leader):
    req = make_request()
    client = client_for("yc_admin")
    response = client.post(reverse("volunteers:request_cancel", args=[req.pk]), {"reason": "  "})
    assert "请填写撤销原因" in _messages(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN
    assert leader.client.post(reverse("volunteers:request_cancel", args=[req.pk]),
                              {"reason": "x"}).status_code == 403
    client.post(reverse("volunteers:request_cancel", args=[req.pk]), {"reason": "活动取消"})
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED and req.cancel_reason == "活动取消"
    claimed = make_request(topic="已认领")
    services.request_claim(actor=leader.user, request=claimed, team=leader.team)
    response = client.post(reverse("volunteers:request_cancel", args=[claimed.pk]), {"reason": "x"})
    assert "不能撤销" in _messages(response)


# --- schedule and fulfil -----------------------------------------------------------------------------


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_schedule_creates_a_published_volunteer_service_activity(leader, client_for):
    req = make_request()
    services.request_claim(actor=leader.user, request=req, team=leader.team)
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=3)
    url = reverse("volunteers:request_schedule", args=[req.pk])
    assert leader.client.get(url).status_code == 200
    bad = leader.client.post(url, {"start": _local(start), "end": _local(start - datetime.timedelta(hours=1))})
    assert bad.status_code == 200 and "结束时间不能早于开始时间" in bad.content.decode()
    bad = leader.client.post(url, {"start": "下周三", "end": _local(start)})
    assert "开始时间格式不对" in bad.content.decode()
    response = leader.client.post(url, {"start": _local(start), "end": _local(start + datetime.timedelta(hours=2)),
                                        "title": "", "venue": ""})
    assert response.status_code == 302
    req.refresh_from_db()
    activity = req.activity
    assert activity.status == ActivityStatus.PUBLISHED and activity.is_volunteer_service
    assert activity.title == req.topic and activity.organizer == leader.team.unit
    again = leader.client.get(url)
    assert again.status_code == 302 and "已安排活动" in _messages(again)
    # Someone who does not manage the claiming team.
    assert client_for("spb_admin").get(url).status_code == 404
    other = Leader("leader2")
    assert other.client.get(url).status_code == 403


def test_fulfil_records_verified_hours_for_members(leader):
    req = make_request()
    services.request_claim(actor=leader.user, request=req, team=leader.team)
    member = make_volunteer(name="李四")
    add_member(leader.team, member)
    url = reverse("volunteers:request_fulfil", args=[req.pk])
    page = leader.client.get(url).content.decode()
    assert "李四" in page and f"hours_{member.pk}" in page
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=1)
    data = {"volunteers": [leader.volunteer.pk, member.pk], f"hours_{leader.volunteer.pk}": "3",
            f"hours_{member.pk}": "2.5", "served_people": "40", "content": "防诈骗讲座",
            "start": _local(start), "end": _local(start + datetime.timedelta(hours=3))}
    response = leader.client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.FULFILLED and req.fulfilled_at is not None
    assert req.activity.status == ActivityStatus.FINISHED
    records = ServiceRecord.objects.filter(request=req)
    assert {r.volunteer_id: r.hours for r in records} == {leader.volunteer.pk: Decimal("3.0"),
                                                         member.pk: Decimal("2.5")}
    assert all(r.status == RecordStatus.VERIFIED and r.served_people == 40 for r in records)
    member.refresh_from_db()
    assert member.hours == Decimal("2.5")
    detail = leader.client.get(reverse("volunteers:request_detail", args=[req.pk])).content.decode()
    assert "李四" in detail and "用时" in detail
    again = leader.client.post(url, data)
    assert "不能执行此操作" in _messages(again)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"hours_LEADER": "三小时"}, "的服务时长应为数字"),
    ({"hours_LEADER": "25"}, "不能超过 24 小时"),
    ({"hours_LEADER": ""}, "请填写 leader队长 的服务时长"),
    ({"served_people": "-1"}, "服务人数不能为负数"),
    ({"volunteers": []}, "请至少选择一名参加服务的队员"),
    ({"volunteers": ["OUTSIDER"]}, "所选志愿者不是本队成员"),
    ({"start": ""}, "请填写服务开展的开始时间"),
    ({"end": "BEFORE"}, "结束时间不能早于开始时间"),
])
def test_fulfil_refuses_bad_input(leader, overrides, message):
    req = make_request()
    services.request_claim(actor=leader.user, request=req, team=leader.team)
    outsider = make_volunteer(name="外人")
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=1)
    data = {"volunteers": [leader.volunteer.pk], f"hours_{leader.volunteer.pk}": "3", "served_people": "40",
            "start": _local(start), "end": _local(start + datetime.timedelta(hours=3))}
    for key, value in overrides.items():
        if key == "hours_LEADER":
            key = f"hours_{leader.volunteer.pk}"
        if value == ["OUTSIDER"]:
            value = [outsider.pk]
        if value == "BEFORE":
            value = _local(start - datetime.timedelta(hours=1))
        data[key] = value
    response = leader.client.post(reverse("volunteers:request_fulfil", args=[req.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.CLAIMED and not ServiceRecord.objects.exists()


def test_fulfil_before_the_scheduled_activity_ended_is_refused(leader):
    req = make_request()
    services.request_claim(actor=leader.user, request=req, team=leader.team)
    start = timezone.now() + datetime.timedelta(days=1)
    services.request_schedule(actor=leader.user, request=req, start=start, end=start + datetime.timedelta(hours=2))
    url = reverse("volunteers:request_fulfil", args=[req.pk])
    page = leader.client.get(url).content.decode()
    assert 'name="start"' not in page  # the activity gives the time
    response = leader.client.post(url, {"volunteers": [leader.volunteer.pk], f"hours_{leader.volunteer.pk}": "2",
                                        "served_people": "10"})
    assert response.status_code == 200 and "服务活动尚未结束" in response.content.decode()


def test_fulfil_of_an_open_need_is_told_not_refused(leader):
    req = make_request()
    response = leader.client.get(reverse("volunteers:request_fulfil", args=[req.pk]))
    assert response.status_code == 302 and "待认领" in _messages(response)
