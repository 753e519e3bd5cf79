"""Staff pages of teams: list and filters, founding and editing, the team's page, managing members."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.tests.factories import UserFactory
from kepu.core import pii
from kepu.core.measures import get_measure
from kepu.core.models import AuditEntry

from .. import services
from ..models import Membership, Team
from .factories import (
    add_member,
    make_record,
    make_request,
    make_team,
    make_volunteer,
    yc_association,
)

pytestmark = pytest.mark.django_db
TEAMS = reverse("volunteers:teams")


def _leader_client(team, name="队长"):
    user = UserFactory(username=f"leader-{name}")
    add_member(team, make_volunteer(name=name, user=user), leader=True)
    client = Client()
    client.force_login(user)
    return client


def _names(response) -> list[str]:
    return sorted(t.name for t in response.context["page"])


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_the_users_teams_with_leaders_and_member_counts(client_for, spb_education):
    team = make_team(name="永川科普讲师团")
    make_team(name="沙坪坝服务队", region="500106", unit=spb_education)
    add_member(team, make_volunteer(name="甲"))
    _leader_client(team, "乙队长")
    response = client_for("yc_admin").get(TEAMS)
    page = response.content.decode()
    assert response.status_code == 200
    assert _names(response) == ["永川科普讲师团"]
    assert "乙队长" in page and ">2<" in page
    assert _names(client_for("spb_admin").get(TEAMS)) == ["沙坪坝服务队"]


def test_a_unit_liaison_sees_the_units_teams(client_for, yc_education):
    make_team(name="教委服务队", unit=yc_education)
    make_team(name="科协服务队")
    assert _names(client_for("yc_liaison").get(TEAMS)) == ["教委服务队"]


def test_list_filters_and_the_team_count_matches_the_measure(client_for, yongchuan):
    year = timezone.localdate().year - 1
    make_team(name="老队", founded_on=datetime.date(year - 2, 1, 1))
    make_team(name="街道队", region="500118001")
    make_team(name="新队", founded_on=datetime.date(year + 1, 1, 1))
    services.team_update(actor=None, team=make_team(name="散队"), dissolved_on=datetime.date(year, 6, 1))
    client = client_for("yc_admin")
    value = get_measure("volunteer_teams").compute([yongchuan], year)["500118"]
    response = client.get(value.records_url)
    assert value.value == 2 and response.context["page"].paginator.count == 2
    assert _names(response) == ["老队", "街道队"]
    assert _names(client.get(TEAMS, {"region": "500118001"})) == ["街道队"]
    assert _names(client.get(TEAMS, {"q": "老"})) == ["老队"]
    assert _names(client.get(TEAMS, {"dissolved": "yes"})) == ["散队"]


@pytest.mark.parametrize("params", [{"region": "nonexistent"}, {"as_of": "bad"}, {"page": "x"}, {"year": "abc"},
                                    {"dissolved": "maybe"}])
def test_bad_team_filters_are_explained(client_for, params):
    make_team()
    response = client_for("yc_admin").get(TEAMS, params)
    assert response.status_code == 200
    if "page" not in params and "year" not in params:
        assert "筛选条件有误" in response.content.decode()


def test_team_pages_need_a_staff_role_or_a_team(client_for):
    team = make_team()
    assert client_for("citizen").get(TEAMS).status_code == 403
    assert client_for("citizen").get(reverse("volunteers:team_detail", args=[team.pk])).status_code == 403


# --- found and edit ---------------------------------------------------------------------------------


def _team_form(**overrides) -> dict:
    data = {"name": "新服务队", "region_code": "500118001", "unit": yc_association().pk, "fields_text": "天文、气象",
            "description": "简介", "founded_on": "2024-03-01"}
    data.update(overrides)
    return data


def test_a_region_admin_founds_a_team(client_for, personas):
    response = client_for("yc_admin").post(reverse("volunteers:team_create"), _team_form())
    team = Team.objects.get(name="新服务队")
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:team_detail", args=[team.pk])
    assert team.region.code == "500118001" and team.fields == "天文、气象"
    assert AuditEntry.objects.filter(action="volunteer_team.created", actor=personas.yc_admin).exists()


def test_a_liaison_founds_a_team_of_their_own_unit_only(client_for, yc_education):
    client = client_for("yc_liaison")
    page = client.post(reverse("volunteers:team_create"), _team_form(unit=yc_association().pk)).content.decode()
    assert "选择一个有效的选项" in page
    assert not Team.objects.exists()
    assert client.post(reverse("volunteers:team_create"), _team_form(unit=yc_education.pk)).status_code == 302
    assert Team.objects.get().unit == yc_education


def test_founding_refuses_out_of_scope_regions_and_duplicates(client_for):
    client = client_for("yc_admin")
    page = client.post(reverse("volunteers:team_create"), _team_form(region_code="500106")).content.decode()
    assert "不在您的工作范围内" in page
    make_team(name="重名队", region="500118001")
    response = client.post(reverse("volunteers:team_create"), _team_form(name="重名队"))
    assert response.status_code == 200 and Team.objects.filter(name="重名队").count() == 1
    assert client_for("yc_reviewer").get(reverse("volunteers:team_create")).status_code == 403


def test_a_leader_edits_the_team_in_place(client_for):
    team = make_team(name="改名前")
    client = _leader_client(team)
    url = reverse("volunteers:team_edit", args=[team.pk])
    form = client.get(url).context["form"]
    data = {**_team_form(name="改名后", region_code=team.region.code, unit=team.unit.pk,
                         description="新的简介"), "loaded_at": form.initial["loaded_at"]}
    response = client.post(url, data)
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "改名后" and team.description == "新的简介"
    assert client_for("yc_reviewer").get(url).status_code == 403
    assert client_for("spb_admin").get(url).status_code == 404


def test_edit_refuses_a_stale_form_and_records_dissolution(client_for):
    team = make_team()
    url = reverse("volunteers:team_edit", args=[team.pk])
    client = client_for("yc_admin")
    stale = (team.updated_at - datetime.timedelta(minutes=1)).isoformat()
    page = client.post(url, {**_team_form(region_code=team.region.code), "loaded_at": stale}).content.decode()
    assert "已被他人修改" in page
    loaded = client.get(url).context["form"].initial["loaded_at"]
    data = {**_team_form(region_code=team.region.code), "loaded_at": loaded, "dissolved_on": "2024-01-01"}
    page = client.post(url, data).content.decode()
    assert "解散日期不能早于成立日期" in page
    data["dissolved_on"] = "2024-12-31"
    assert client.post(url, data).status_code == 302
    team.refresh_from_db()
    assert team.dissolved_on == datetime.date(2024, 12, 31)


# --- the team's page ----------------------------------------------------------------------------------


def test_detail_shows_members_sub_teams_hours_and_claimed_needs(client_for):
    team = make_team(name="母队")
    make_team(name="子队", parent=team)
    member = make_volunteer(name="队员丙")
    add_member(team, member)
    make_record(member, team=team, hours="4")
    make_record(member, team=team, hours="1.5", verify=False)
    need = make_request(topic="社区防诈骗讲座")
    services.request_claim(actor=None, request=need, team=team)
    response = client_for("yc_admin").get(reverse("volunteers:team_detail", args=[team.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "队员丙" in page and member.number in page
    assert "子队" in page and "社区防诈骗讲座" in page
    summary = response.context["summary"]
    assert summary["verified"]["hours"] == 4 and summary["pending"]["n"] == 1
    assert reverse("volunteers:member_add", args=[team.pk]) in page
    assert client_for("spb_admin").get(reverse("volunteers:team_detail", args=[team.pk])).status_code == 404


def test_a_reviewer_sees_the_team_without_management(client_for):
    team = make_team()
    add_member(team, make_volunteer())
    page = client_for("yc_reviewer").get(reverse("volunteers:team_detail", args=[team.pk])).content.decode()
    assert reverse("volunteers:member_add", args=[team.pk]) not in page and "移出" not in page


# --- members ------------------------------------------------------------------------------------------


def test_add_a_member_by_number(client_for, personas):
    team = make_team()
    volunteer = make_volunteer(name="编号加入")
    response = client_for("yc_admin").post(reverse("volunteers:member_add", args=[team.pk]),
                                           {"who": volunteer.number, "role": "member"}, follow=True)
    assert "已将 编号加入" in response.content.decode()
    assert Membership.objects.filter(team=team, volunteer=volunteer, role="member").exists()


def test_add_someone_out_of_scope_only_by_id_number(client_for):
    team = make_team()
    outsider = make_volunteer(name="外区志愿者", region="500106")
    number = pii.decrypt(outsider.id_encrypted)
    client = client_for("yc_admin")
    url = reverse("volunteers:member_add", args=[team.pk])
    page = client.post(url, {"who": outsider.number, "role": "member"}, follow=True).content.decode()
    assert "未找到该志愿者" in page and not Membership.objects.exists()
    page = client.post(url, {"who": number, "role": "member"}, follow=True).content.decode()
    assert "已将 外区志愿者" in page and number not in page
    assert Membership.objects.filter(team=team, volunteer=outsider).exists()
    page = client.post(url, {"who": number, "role": "member"}, follow=True).content.decode()
    assert "已是该服务队成员" in page


def test_a_leader_needs_an_account(client_for):
    team = make_team()
    volunteer = make_volunteer(name="无账号")
    client = client_for("yc_admin")
    page = client.post(reverse("volunteers:member_add", args=[team.pk]), {"who": volunteer.number, "role": "leader"},
                       follow=True).content.decode()
    assert "队长须有平台账号" in page and not Membership.objects.exists()
    membership = add_member(team, volunteer)
    url = reverse("volunteers:member_change", args=[team.pk, membership.pk])
    page = client.post(url, {"action": "role", "role": "leader"}, follow=True).content.decode()
    assert "队长须有平台账号" in page
    membership.refresh_from_db()
    assert membership.role == "member"


def test_change_a_role_and_remove_a_member(client_for):
    team = make_team()
    user = UserFactory(username="has-account")
    membership = add_member(team, make_volunteer(name="有账号", user=user))
    client = client_for("yc_admin")
    url = reverse("volunteers:member_change", args=[team.pk, membership.pk])
    assert client.post(url, {"action": "role", "role": "leader"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "leader"
    assert client.post(url, {"action": "bogus"}, follow=True).status_code == 200
    assert client.post(url, {"action": "remove"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="volunteer_team.member_removed").exists()


def test_member_changes_are_scoped(client_for, spb_education):
    team = make_team()
    other = make_team(region="500106", unit=spb_education)
    membership = add_member(other, make_volunteer(region="500106"))
    mine = add_member(team, make_volunteer())
    client = client_for("yc_admin")
    assert client.post(reverse("volunteers:member_change", args=[team.pk, membership.pk]),
                       {"action": "remove"}).status_code == 404
    assert client.post(reverse("volunteers:member_change", args=[other.pk, membership.pk]),
                       {"action": "remove"}).status_code == 404
    assert client_for("yc_reviewer").post(reverse("volunteers:member_change", args=[team.pk, mine.pk]),
                                          {"action": "remove"}).status_code == 403
    assert client_for("yc_reviewer").post(reverse("volunteers:member_add", args=[team.pk]),
                                          {"who": "1"}).status_code == 403
    assert Membership.objects.count() == 2
