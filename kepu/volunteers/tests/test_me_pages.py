"""The volunteer's own pages: sign-up (real-name checks, minors), my page (hours, stars, duties,
needs near me), asking for hours and issuing my own certificate."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.tests.factories import UserFactory
from kepu.activities.models import ActivityStatus
from kepu.activities.tests.factories import ActivityFactory
from kepu.regions.models import Region

from .. import services
from ..models import Certificate, RecordSource, RecordStatus, ServiceRecord, Volunteer
from .factories import (
    add_member,
    make_id_number,
    make_record,
    make_request,
    make_team,
    make_volunteer,
)

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1991, 3, 9)


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _signup_data(**overrides) -> dict:
    data = {"name": "陈小华", "gender": "female", "birth_date": BIRTH.isoformat(),
            "id_number": make_id_number(BIRTH, "female", serial=901), "phone": "13987654321",
            "district": Region.objects.get(code="500118").pk, "town_code": "", "skills": "应急救护",
            "education": "bachelor", "agree": "on"}
    data.update(overrides)
    return data


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- sign-up ---------------------------------------------------------------------------------------------


def test_me_invites_a_user_without_a_volunteer_record(client_for):
    page = client_for("citizen").get(reverse("volunteers:me")).content.decode()
    assert "成为科技志愿者" in page and reverse("volunteers:signup") in page
    assert client_for("anonymous").get(reverse("volunteers:me")).status_code == 302


def test_signup_prefills_the_phone_and_the_district(personas):
    user = personas.citizen
    user.phone = "13800000001"
    user.save()
    page = _logged_in(user).get(reverse("volunteers:signup")).content.decode()
    assert 'value="13800000001"' in page
    yongchuan = Region.objects.get(code="500118")
    assert f'<option value="{yongchuan.pk}" selected>' in page


def test_signup_registers_the_user_and_shows_the_masked_numbers(personas):
    client = _logged_in(personas.citizen)
    data = _signup_data(town_code="500118001")
    response = client.post(reverse("volunteers:signup"), data)
    assert response.status_code == 302 and response.url == reverse("volunteers:me")
    volunteer = Volunteer.objects.get(user=personas.citizen)
    assert volunteer.name == "陈小华" and volunteer.region.code == "500118001" and volunteer.skills == "应急救护"
    assert "注册成功" in _messages(response) and volunteer.number in _messages(response)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "我的志愿服务" in page and volunteer.number in page and volunteer.id_masked in page
    assert data["id_number"] not in page and "13987654321" not in page and "139****4321" in page
    assert 'data-hours="0.0"' in page and 'data-stars="0"' in page
    assert "再服务 100 小时升为 1 星" in page
    # Signing up twice leads back to my page.
    assert client.get(reverse("volunteers:signup")).url == reverse("volunteers:me")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"id_number": "ID_BAD_CHECK"}, "id_number", "身份证号码校验位错误"),
    ({"id_number": "12345"}, "id_number", "身份证号码应为 18 位"),
    ({"birth_date": "1991-03-10"}, "birth_date", "出生日期与身份证号码不一致"),
    ({"gender": "male"}, "gender", "性别与身份证号码不一致"),
    ({"phone": "1234"}, "phone", "应为 11 位手机号码"),
    ({"birth_date": "三月九日"}, "birth_date", "出生日期格式不对"),
    ({"name": ""}, "name", "请填写姓名"),
    ({"district": "abc"}, "district", "请选择所在区县"),
    ({"town_code": "500106001"}, "town_code", "不在永川区"),
    ({"agree": ""}, "agree", "请确认自愿注册并保证信息真实"),
])
def test_signup_refuses_bad_input_next_to_the_field(personas, overrides, field, message):
    data = _signup_data(**overrides)
    if data["id_number"] == "ID_BAD_CHECK":
        good = _signup_data()["id_number"]
        data["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")
    response = _logged_in(personas.citizen).post(reverse("volunteers:signup"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    # The message sits with the field: the field itself is marked invalid.
    tag = re.search(rf'<(input|select)[^>]*name="{field}"[^>]*>', page)
    assert tag and "is-invalid" in tag.group(0), tag
    assert not Volunteer.objects.exists()


def test_signup_accepts_an_id_typed_in_groups(personas):
    number = _signup_data()["id_number"]
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    response = _logged_in(personas.citizen).post(reverse("volunteers:signup"), _signup_data(id_number=spaced))
    assert response.status_code == 302
    assert services.find_by_id_number(number).user == personas.citizen


def test_signup_of_a_minor_needs_a_guardian(personas):
    birth = timezone.localdate().replace(year=timezone.localdate().year - 15) - datetime.timedelta(days=3)
    data = _signup_data(birth_date=birth.isoformat(), id_number=make_id_number(birth, "female", serial=902))
    client = _logged_in(personas.citizen)
    page = client.post(reverse("volunteers:signup"), data).content.decode()
    assert "须填写监护人姓名" in page and "须填写监护人电话" in page and "须经监护人同意" in page
    data.update(guardian_name="陈大华", guardian_phone="13911110000", guardian_consent="on")
    assert client.post(reverse("volunteers:signup"), data).status_code == 302
    volunteer = Volunteer.objects.get(user=personas.citizen)
    assert volunteer.guardian_name == "陈大华" and volunteer.guardian_consent_on == timezone.localdate()


def test_signup_with_an_id_already_registered_is_refused(personas):
    data = _signup_data()
    make_volunteer(id_number=data["id_number"], name="陈小华", gender="female", birth_date=BIRTH)
    page = _logged_in(personas.citizen).post(reverse("volunteers:signup"), data).content.decode()
    assert "该身份证号码已登记为志愿者" in page
    assert not Volunteer.objects.filter(user=personas.citizen).exists()


# --- my page ---------------------------------------------------------------------------------------------


@pytest.fixture
def me(db):
    user = UserFactory(username="vol")
    volunteer = make_volunteer(user=user, name="赵六", region="500118001")
    return user, volunteer, _logged_in(user)


def test_my_page_shows_hours_stars_progress_records_and_teams(me):
    user, volunteer, client = me
    team = make_team(name="卫生健康志愿服务队")
    add_member(team, volunteer)
    make_record(volunteer, team=team, hours="24", content="义诊")
    for days in range(2, 6):
        make_record(volunteer, team=team, hours="20", content="讲座", date=timezone.localdate()
                    - datetime.timedelta(days=days))
    services.record_claim(user=user, team=team, date=timezone.localdate(), hours=Decimal("2"), content="科普宣传")
    page = client.get(reverse("volunteers:me")).content.decode()
    assert 'data-hours="104.0"' in page and 'data-stars="1"' in page
    assert "再服务 196 小时升为 2 星" in page and "另有 2 小时待审核" in page
    assert "卫生健康志愿服务队" in page and "义诊" in page and "待审核" in page
    assert "0 星 → 1 星" in page


def test_my_page_lists_my_duties_with_a_check_in_button(me):
    _, volunteer, client = me
    team = make_team()
    add_member(team, volunteer)
    now = timezone.now().replace(microsecond=0)
    today = ActivityFactory(title="今日科普服务", is_volunteer_service=True, status=ActivityStatus.PUBLISHED,
                            start=now - datetime.timedelta(minutes=20), end=now + datetime.timedelta(hours=2))
    later = ActivityFactory(title="下周科普服务", is_volunteer_service=True, status=ActivityStatus.PUBLISHED)
    past = ActivityFactory(title="上月科普服务", is_volunteer_service=True, status=ActivityStatus.FINISHED,
                           start=now - datetime.timedelta(days=30), end=now - datetime.timedelta(days=30, hours=-2))
    duties = {a.pk: services.duty_add(actor=None, activity=a, volunteer=volunteer, team=team)
              for a in (today, later, past)}
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "今日科普服务" in page and "下周科普服务" in page and "上月科普服务" not in page
    assert reverse("volunteers:duty_check", args=[duties[today.pk].pk]) in page
    assert reverse("volunteers:duty_check", args=[duties[later.pk].pk]) not in page
    client.post(reverse("volunteers:duty_check", args=[duties[today.pk].pk]),
                {"action": "in", "next": reverse("volunteers:me")})
    page = client.get(reverse("volunteers:me")).content.decode()
    assert 'value="out"' in page


def test_my_page_lists_open_needs_in_my_district_and_links_them_for_leaders(me):
    _, volunteer, client = me
    near = make_request(topic="永川街道需求", region="500118001")
    make_request(topic="沙坪坝需求", region="500106")
    claimed = make_request(topic="已认领需求")
    leader_team = make_team()
    add_member(leader_team, make_volunteer(name="别人"), leader=False)
    services.request_claim(actor=None, request=claimed, team=leader_team)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "永川街道需求" in page and "沙坪坝需求" not in page and "已认领需求" not in page
    assert reverse("volunteers:request_detail", args=[near.pk]) not in page
    add_member(leader_team, volunteer, leader=True)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert reverse("volunteers:request_detail", args=[near.pk]) in page


# --- ask for hours ---------------------------------------------------------------------------------------


def test_claim_asks_for_hours_with_my_team(me):
    _, volunteer, client = me
    team = make_team(name="农技服务队")
    add_member(team, volunteer)
    page = client.get(reverse("volunteers:claim")).content.decode()
    assert "农技服务队" in page
    response = client.post(reverse("volunteers:claim"), {
        "team": team.pk, "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(), "hours": "3.5",
        "content": "田间技术指导", "place": "某村", "served_people": ""})
    assert response.status_code == 302 and "等待服务队负责人审核" in _messages(response)
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert record.status == RecordStatus.PENDING and record.source == RecordSource.CLAIM
    assert record.hours == Decimal("3.5") and record.served_people == 0
    volunteer.refresh_from_db()
    assert volunteer.hours == 0


@pytest.mark.parametrize(("overrides", "message"), [
    ({"hours": "三个半小时"}, "服务时长（小时）应为数字"),
    ({"hours": "0"}, "服务时长（小时）应大于 0"),
    ({"hours": "30"}, "服务时长（小时）不能超过 24 小时"),
    ({"date": "TOMORROW"}, "服务日期不能晚于今天"),
    ({"date": "昨天"}, "服务日期格式不对"),
    ({"content": ""}, "请填写服务内容"),
    ({"team": "OTHER"}, "您不是所选服务队的成员"),
])
def test_claim_refuses_bad_input(me, overrides, message):
    _, volunteer, client = me
    team = make_team()
    add_member(team, volunteer)
    other = make_team()
    data = {"team": team.pk, "date": timezone.localdate().isoformat(), "hours": "2", "content": "讲解"}
    data.update(overrides)
    if data["date"] == "TOMORROW":
        data["date"] = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    if data["team"] == "OTHER":
        data["team"] = other.pk
    response = client.post(reverse("volunteers:claim"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_claim_without_a_team_or_a_volunteer_record(client_for, me):
    _, _, client = me
    assert "您还没有加入科技志愿服务队" in client.get(reverse("volunteers:claim")).content.decode()
    response = client_for("citizen").get(reverse("volunteers:claim"))
    assert response.status_code == 302 and response.url == reverse("volunteers:signup")


# --- my certificate ------------------------------------------------------------------------------------


def test_i_issue_my_own_certificate_and_download_it(client_for, me):
    _, volunteer, client = me
    team = make_team(name="科技馆服务队")
    add_member(team, volunteer)
    make_record(volunteer, team=team, hours="6")
    page = client.get(reverse("volunteers:my_certificate")).content.decode()
    assert "永川区科协" in page
    response = client.post(reverse("volunteers:my_certificate"), {"issuer_name": "永川区科协"})
    assert response.status_code == 302
    certificate = Certificate.objects.get(volunteer=volunteer)
    assert certificate.issuer_name == "永川区科协" and certificate.hours == Decimal("6.0") and certificate.records == 1
    pdf = client.get(reverse("volunteers:certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get(reverse("volunteers:certificate_docx", args=[certificate.pk])).status_code == 200
    assert client_for("citizen").get(reverse("volunteers:certificate_pdf", args=[certificate.pk])).status_code == 404


def test_my_certificate_refuses_an_issuer_i_do_not_serve_with_and_bad_dates(me):
    client = me[2]
    page = client.post(reverse("volunteers:my_certificate"), {"issuer_name": "国务院"}).content.decode()
    assert "请选择您所在服务队的依托单位或所在区县科协" in page
    page = client.post(reverse("volunteers:my_certificate"), {
        "issuer_name": "永川区科协", "period_start": "2026-05-01", "period_end": "2026-01-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in page
    page = client.post(reverse("volunteers:my_certificate"), {
        "issuer_name": "永川区科协", "period_start": "去年"}).content.decode()
    assert "起始日期格式不对" in page
    assert not Certificate.objects.exists()
