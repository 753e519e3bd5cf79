"""Who sees which volunteers, teams, records and requests (the policies behind every page and API)."""

import pytest

from kepu.accounts.services import role_grant

from ..models import Membership
from ..policies import (
    claimable_teams,
    led_team_ids,
    record_policy,
    request_policy,
    team_policy,
    volunteer_policy,
)
from .factories import add_member, make_record, make_request, make_team, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(yongchuan, shapingba, yc_education):
    yc_team = make_team(name="永川科协队")
    edu_team = make_team(name="教委队", unit=yc_education)
    spb_team = make_team(name="沙坪坝队", region=shapingba)
    yc_v, edu_v, spb_v = make_volunteer(name="永川"), make_volunteer(name="教委"), make_volunteer(name="沙坪坝", region=shapingba)
    add_member(yc_team, yc_v)
    add_member(edu_team, edu_v)
    add_member(spb_team, spb_v)
    # A 沙坪坝 volunteer serving with the 永川 教委 team: seen by its liaison through the team.
    add_member(edu_team, spb_v)
    return {"teams": (yc_team, edu_team, spb_team), "volunteers": (yc_v, edu_v, spb_v),
            "records": [make_record(v, team=t) for v, t in ((yc_v, yc_team), (edu_v, edu_team), (spb_v, spb_team))],
            "requests": (make_request(), make_request(region=shapingba))}


def names(qs):
    return sorted(str(o.name) for o in qs)


def test_region_staff_see_their_subtree(personas, world):
    assert names(volunteer_policy.visible_to(personas.yc_admin)) == ["教委", "永川"]
    assert names(volunteer_policy.visible_to(personas.yc_reviewer)) == ["教委", "永川"]
    assert names(volunteer_policy.visible_to(personas.spb_admin)) == ["沙坪坝"]
    assert volunteer_policy.visible_to(personas.city_admin).count() == 3
    assert volunteer_policy.visible_to(personas.platform_admin).count() == 3
    assert names(team_policy.visible_to(personas.spb_admin)) == ["沙坪坝队"]
    assert record_policy.visible_to(personas.yc_admin).count() == 2
    assert request_policy.visible_to(personas.spb_admin).count() == 1


def test_a_liaison_sees_their_units_teams_and_members(personas, world):
    assert names(team_policy.visible_to(personas.yc_liaison)) == ["教委队"]
    assert names(volunteer_policy.visible_to(personas.yc_liaison)) == ["教委", "沙坪坝"]
    assert record_policy.visible_to(personas.yc_liaison).count() == 1


def test_citizens_and_outsiders_see_nothing(personas, world):
    for user in (personas.citizen, personas.outsider):
        assert volunteer_policy.visible_to(user).count() == 0
        assert team_policy.visible_to(user).count() == 0
        assert record_policy.visible_to(user).count() == 0
        assert request_policy.visible_to(user).count() == 0


def test_a_leader_manages_the_team_and_sub_teams(django_user_model, world):
    yc_team = world["teams"][0]
    child = make_team(name="分队", parent=yc_team)
    user = django_user_model.objects.create_user(username="leader", password="x")
    leader = make_volunteer(name="队长", user=user)
    membership = add_member(yc_team, leader)
    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.LEADER)
    assert led_team_ids(user) == {yc_team.pk, child.pk}
    assert names(team_policy.visible_to(user)) == ["分队", "永川科协队"]
    assert names(volunteer_policy.visible_to(user)) == ["永川", "队长"]
    assert team_policy.can(user, "manage_members", child)
    assert not team_policy.can(user, "manage_members", world["teams"][1])
    assert claimable_teams(user, world["requests"][0]) and not claimable_teams(user, world["requests"][1])
    assert request_policy.visible_to(user).count() == 1


def test_full_numbers_need_the_pii_role(personas, world, yongchuan):
    yc_v = world["volunteers"][0]
    assert not volunteer_policy.can(personas.yc_admin, "view_pii", yc_v)
    assert not volunteer_policy.can(personas.city_admin, "export_pii")
    role_grant(actor=None, user=personas.yc_reviewer, role="pii_viewer", region=yongchuan)
    reviewer = type(personas.yc_reviewer).objects.get(pk=personas.yc_reviewer.pk)
    assert volunteer_policy.can(reviewer, "view_pii", yc_v)
    assert not volunteer_policy.can(reviewer, "view_pii", world["volunteers"][2])
    assert volunteer_policy.can(personas.platform_admin, "view_pii", world["volunteers"][2])


def test_own_numbers_are_visible_to_the_volunteer(personas, yongchuan):
    mine = make_volunteer(user=personas.citizen)
    assert volunteer_policy.can(personas.citizen, "view_pii", mine)
    assert volunteer_policy.visible_to(personas.citizen).count() == 0  # not a staff list


def test_who_may_post_requests(personas, world):
    assert request_policy.can(personas.yc_admin, "create")
    assert request_policy.can(personas.yc_liaison, "create")
    assert not request_policy.can(personas.yc_reviewer, "create")
    assert not request_policy.can(personas.citizen, "create")
