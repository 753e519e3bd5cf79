"""Staff pages of service records: list, filters and totals, entering, correcting, approving and
rejecting hours."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.tests.factories import UserFactory
from kepu.core.measures import get_measure
from kepu.core.models import AuditEntry

from ..models import RecordSource, RecordStatus, ServiceRecord, Volunteer
from .factories import add_member, make_record, make_team, make_volunteer

pytestmark = pytest.mark.django_db
RECORDS = reverse("volunteers:records")
YEAR = timezone.localdate().year - 1


def _day(month: int, day: int = 10) -> datetime.date:
    return datetime.date(YEAR, month, day)


@pytest.fixture
def squad():
    """A team of 永川区 with a leader (a citizen with an account) and two members."""
    team = make_team(name="讲解队")
    user = UserFactory(username="squad-leader")
    leader = make_volunteer(name="队长", user=user)
    add_member(team, leader, leader=True)
    members = [make_volunteer(name=name) for name in ("队员一", "队员二")]
    for member in members:
        add_member(team, member)
    client = Client()
    client.force_login(user)
    return {"team": team, "client": client, "members": members, "user": user}


def _contents(response) -> list[str]:
    return sorted(r.content for r in response.context["page"])


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_records_served_in_scope_with_totals(client_for, squad):
    one, two = squad["members"]
    make_record(one, team=squad["team"], hours="2.5", content="讲座", served_people=30)
    make_record(two, team=squad["team"], hours="1", content="展览", verify=False)
    elsewhere = make_volunteer(region="500106")
    make_record(elsewhere, hours="8", content="沙坪坝服务")
    response = client_for("yc_admin").get(RECORDS)
    page = response.content.decode()
    assert response.status_code == 200
    assert _contents(response) == ["展览", "讲座"]
    assert response.context["totals"] == {"n": 2, "hours": Decimal("3.5"), "people": 30, "volunteers": 2}
    assert one.number in page and "3.5" in page
    assert _contents(client_for("spb_admin").get(RECORDS)) == ["沙坪坝服务"]


def test_the_hours_measure_opens_records_with_the_same_totals(client_for, squad, yongchuan):
    one, two = squad["members"]
    make_record(one, team=squad["team"], hours="3", date=_day(3))
    make_record(two, team=squad["team"], hours="4.5", date=_day(11))
    make_record(two, team=squad["team"], hours="9", date=_day(5), verify=False)  # pending: not counted
    make_record(one, team=squad["team"], hours="6", date=datetime.date(YEAR - 1, 6, 1))  # other year
    value = get_measure("volunteer_service_hours").compute([yongchuan], YEAR)["500118"]
    response = client_for("yc_admin").get(value.records_url)
    totals = response.context["totals"]
    assert value.value == Decimal("7.5") == totals["hours"]
    assert value.detail["records"] == totals["n"] == 2
    active = get_measure("active_volunteers").compute([yongchuan], YEAR)["500118"]
    assert active.value == totals["volunteers"] == 2


def test_list_filters_by_team_volunteer_source_status_and_year(client_for, squad):
    one, two = squad["members"]
    other_team = make_team(name="另一队")
    add_member(other_team, one)
    make_record(one, team=squad["team"], content="甲", date=_day(1))
    make_record(one, team=other_team, content="乙", date=_day(2), verify=False)
    make_record(two, team=squad["team"], content="丙", date=datetime.date(YEAR - 1, 2, 2),
                source=RecordSource.IMPORT)
    client = client_for("yc_admin")

    def contents(**params):
        return _contents(client.get(RECORDS, params))

    assert contents(team=other_team.pk) == ["乙"]
    assert contents(volunteer=one.pk) == ["乙", "甲"]
    assert contents(source="import") == ["丙"]
    assert contents(status="pending") == ["乙"]
    assert contents(year=YEAR) == ["乙", "甲"]
    assert contents(region="500118", year=YEAR - 1) == ["丙"]


@pytest.mark.parametrize("params", [{"year": "abc"}, {"region": "nonexistent"}, {"status": "x"}, {"team": "abc"},
                                    {"volunteer": "999999"}, {"source": "?"}, {"page": "-1"}, {"stars": "x"}])
def test_bad_record_filters_are_explained(client_for, squad, params):
    make_record(squad["members"][0], team=squad["team"])
    response = client_for("yc_admin").get(RECORDS, params)
    assert response.status_code == 200
    if not set(params) & {"page", "stars"}:
        assert "筛选条件有误" in response.content.decode() and response.context["totals"]["n"] == 0


def test_a_leader_sees_the_teams_records_and_may_verify_them(squad):
    one, _two = squad["members"]
    pending = make_record(one, team=squad["team"], verify=False, content="待审")
    make_record(make_volunteer(name="外人"), content="别队")
    response = squad["client"].get(RECORDS)
    page = response.content.decode()
    assert _contents(response) == ["待审"]
    assert f'name="ids" value="{pending.pk}"' in page


def test_a_reviewer_sees_records_without_checkboxes(client_for, squad):
    make_record(squad["members"][0], team=squad["team"], verify=False)
    page = client_for("yc_reviewer").get(RECORDS).content.decode()
    assert 'name="ids"' not in page and reverse("volunteers:records_verify") not in page


def test_records_need_a_staff_role_or_a_team(client_for):
    assert client_for("citizen").get(RECORDS).status_code == 403


# --- enter and correct ------------------------------------------------------------------------------


def _record_form(team, volunteer, **overrides) -> dict:
    data = {"team": team.pk, "volunteer_number": volunteer.number, "date": _day(6).isoformat(), "hours": "3.5",
            "content": "科技馆讲解", "place": "永川科技馆", "served_people": "120", "quality": "good"}
    data.update(overrides)
    return data


def test_a_leader_enters_verified_hours_for_a_member(squad):
    one, _two = squad["members"]
    client = squad["client"]
    form_page = client.get(reverse("volunteers:record_create"), {"team": squad["team"].pk, "volunteer": one.number})
    assert form_page.status_code == 200 and one.number in form_page.content.decode()
    response = client.post(reverse("volunteers:record_create"), _record_form(squad["team"], one, verify="on"))
    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert record.status == RecordStatus.VERIFIED and record.verified_by == squad["user"]
    assert record.recorded_by == squad["user"] and record.served_people == 120
    assert Volunteer.objects.get(pk=one.pk).hours == Decimal("3.5")


def test_unverified_entries_wait_for_approval(squad):
    one, _two = squad["members"]
    squad["client"].post(reverse("volunteers:record_create"), _record_form(squad["team"], one))
    record = ServiceRecord.objects.get()
    assert record.status == RecordStatus.PENDING and Volunteer.objects.get(pk=one.pk).hours == 0


def test_entering_hours_checks_membership_date_and_hours(squad):
    client = squad["client"]
    url = reverse("volunteers:record_create")
    stranger = make_volunteer(name="非队员")
    page = client.post(url, _record_form(squad["team"], stranger)).content.decode()
    assert "不是“讲解队”的队员" in page
    one = squad["members"][0]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = client.post(url, _record_form(squad["team"], one, date=tomorrow)).content.decode()
    assert "服务日期不能晚于今天" in page
    page = client.post(url, _record_form(squad["team"], one, hours="30")).content.decode()
    assert "24" in page
    page = client.post(url, _record_form(squad["team"], one, hours="abc")).content.decode()
    assert "输入一个数字" in page or "数字" in page
    assert not ServiceRecord.objects.exists()


def test_only_team_managers_enter_hours(client_for, squad):
    assert client_for("yc_reviewer").get(reverse("volunteers:record_create")).status_code == 403
    other = make_team(name="别的队")
    page = squad["client"].post(reverse("volunteers:record_create"),
                                _record_form(other, squad["members"][0])).content.decode()
    assert "选择一个有效的选项" in page and not ServiceRecord.objects.exists()


def test_correcting_a_verified_record_moves_the_volunteers_hours(client_for, squad):
    one, _two = squad["members"]
    record = make_record(one, team=squad["team"], hours="2")
    url = reverse("volunteers:record_edit", args=[record.pk])
    client = squad["client"]
    loaded = client.get(url).context["form"].initial["loaded_at"]
    data = {"date": record.date.isoformat(), "hours": "5", "content": "改后内容", "served_people": "3",
            "loaded_at": loaded, "next": RECORDS + "?status=verified"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == RECORDS + "?status=verified"
    assert Volunteer.objects.get(pk=one.pk).hours == Decimal("5")
    page = client.post(url, {**data, "hours": "6"}).content.decode()  # loaded before the last save
    assert "已被他人修改" in page
    assert Volunteer.objects.get(pk=one.pk).hours == Decimal("5")
    assert client_for("yc_reviewer").get(url).status_code == 403
    assert client_for("spb_admin").get(url).status_code == 404
    evil = client.post(url, {**data, "loaded_at": "", "next": "https://evil.example/"})
    assert evil["Location"].startswith(RECORDS)


# --- approve and reject -------------------------------------------------------------------------------


def test_bulk_approval_verifies_what_the_user_may_verify(squad, personas):
    one, two = squad["members"]
    mine = [make_record(one, team=squad["team"], hours="2", verify=False),
            make_record(two, team=squad["team"], hours="3", verify=False)]
    other_team, outsider = make_team(name="别队"), make_volunteer(name="别队的人")
    add_member(other_team, outsider)
    foreign = make_record(outsider, team=other_team, verify=False)
    response = squad["client"].post(reverse("volunteers:records_verify"),
                                    {"ids": [r.pk for r in mine] + [foreign.pk, "x"], "quality": "excellent"},
                                    follow=True)
    page = response.content.decode()
    assert "已认定 2 条记录" in page and "1 条记录未认定" in page
    assert set(ServiceRecord.objects.filter(status="verified").values_list("pk", flat=True)) == {r.pk for r in mine}
    assert ServiceRecord.objects.get(pk=mine[0].pk).quality == "excellent"
    assert Volunteer.objects.get(pk=two.pk).hours == Decimal("3")
    assert AuditEntry.objects.filter(action="service_record.verified", actor=squad["user"]).count() == 2
    assert ServiceRecord.objects.get(pk=foreign.pk).status == RecordStatus.PENDING


def test_bulk_approval_without_a_choice_says_so(squad):
    page = squad["client"].post(reverse("volunteers:records_verify"), follow=True).content.decode()
    assert "请先勾选" in page


def test_reject_needs_a_reason_and_takes_verified_hours_back(client_for, squad):
    one, _two = squad["members"]
    record = make_record(one, team=squad["team"], hours="4")
    url = reverse("volunteers:record_reject", args=[record.pk])
    client = squad["client"]
    page = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "请填写驳回原因" in page
    assert client_for("yc_reviewer").post(url, {"reason": "不对"}).status_code == 403
    assert client_for("spb_admin").post(url, {"reason": "不对"}).status_code == 404
    page = client.post(url, {"reason": "重复记录"}, follow=True).content.decode()
    assert "已驳回" in page
    record.refresh_from_db()
    assert record.status == RecordStatus.REJECTED and record.reject_reason == "重复记录"
    assert Volunteer.objects.get(pk=one.pk).hours == 0
    page = client.post(url, {"reason": "再驳回"}, follow=True).content.decode()
    assert "该记录已被驳回" in page
