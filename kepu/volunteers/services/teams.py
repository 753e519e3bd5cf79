"""Teams and their members; a team's leaders manage it and its sub-teams."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict, KepuError

from ..models import Membership, Team, Volunteer
from ..policies import forget_led_teams, team_policy

# --- teams ------------------------------------------------------------------------------------------


def _check_team_place(actor, region, unit) -> None:
    from kepu.accounts.models import Role
    from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of

    if actor is None:
        return
    scope = scope_of(actor)
    if scope.platform_admin or scope.covers_path(region.path, REGION_WRITE_ROLES):
        return
    if unit.pk in scope.unit_ids({Role.UNIT_LIAISON}) and region.path.startswith(unit.region.path):
        return
    raise PermissionDenied


@transaction.atomic
def team_create(*, actor, name: str, region, unit, parent: Team | None = None, fields: str = "",
                description: str = "", founded_on=None, dissolved_on=None, is_demo: bool = False) -> Team:
    """Found a team of a unit in a region the actor administers (or of the liaison's own unit)."""
    team_policy.check(actor, "create")
    _check_team_place(actor, region, unit)
    if parent is not None and not team_policy.can(actor, "view", parent):
        raise ValidationError({"parent": _("上级服务队不在您的管理范围内。")})
    team = Team(name=name.strip(), region=region, region_path=region.path, unit=unit, parent=parent, fields=fields,
                description=description, founded_on=founded_on, dissolved_on=dissolved_on, is_demo=is_demo)
    _check_team_dates(team)
    team.full_clean()
    team.save()
    log_action(actor=actor, action="volunteer_team.created", obj=team,
               changes={"name": team.name, "region": region.code, "unit": unit.pk})
    return team


def _check_team_dates(team: Team) -> None:
    if team.founded_on and team.dissolved_on and team.dissolved_on < team.founded_on:
        raise ValidationError({"dissolved_on": _("解散日期不能早于成立日期。")})


TEAM_FIELDS = ("name", "region", "unit", "parent", "fields", "description", "founded_on", "dissolved_on")


@transaction.atomic
def team_update(*, actor, team: Team, unchanged_since=None, **fields) -> Team:
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"team_update does not take {sorted(unknown)}")
    team_policy.check(actor, "change", team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    check_unchanged(team, unchanged_since)
    if "region" in fields or "unit" in fields:
        _check_team_place(actor, fields.get("region", team.region), fields.get("unit", team.unit))
    parent = fields.get("parent")
    while parent is not None:
        if parent.pk == team.pk:
            raise ValidationError({"parent": _("上级服务队不能是本队或其下级服务队。")})
        parent = parent.parent
    changes = apply_changes(team, fields)
    if "region" in changes:
        team.region_path = team.region.path
    _check_team_dates(team)
    if changes:
        team.full_clean()
        team.save()
        log_action(actor=actor, action="volunteer_team.updated", obj=team, changes=changes)
    return team


def _check_leader_account(volunteer: Volunteer) -> None:
    if not volunteer.user_id:
        raise KepuError(_("队长须有平台账号：请先让 %(name)s 在线注册或为其关联账号。") % {"name": volunteer.name},
                        code="leader_needs_account")


@transaction.atomic
def membership_add(*, actor, team: Team, volunteer: Volunteer, role: str = Membership.Role.MEMBER,
                   joined_on=None) -> Membership:
    team_policy.check(actor, "manage_members", team)
    if volunteer.left_on is not None:
        raise KepuError(_("%(name)s 已注销，不能加入服务队。") % {"name": volunteer.name}, code="volunteer_left")
    if role == Membership.Role.LEADER:
        _check_leader_account(volunteer)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(team=team, volunteer=volunteer, role=role,
                                                   joined_on=joined_on or timezone.localdate())
    except IntegrityError:
        raise Conflict(_("%(name)s 已是该服务队成员。") % {"name": volunteer.name}, code="already_member") from None
    log_action(actor=actor, action="volunteer_team.member_added", obj=team,
               changes={"volunteer": volunteer.number, "role": role})
    if volunteer.user_id and actor is not None:
        forget_led_teams(actor)
    return membership


@transaction.atomic
def membership_set_role(*, actor, membership: Membership, role: str) -> Membership:
    team_policy.check(actor, "manage_members", membership.team)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role == Membership.Role.LEADER:
        _check_leader_account(membership.volunteer)
    old = membership.role
    if old != role:
        membership.role = role
        membership.save(update_fields=["role"])
        log_action(actor=actor, action="volunteer_team.role_changed", obj=membership.team,
                   changes={"volunteer": membership.volunteer.number, "role": [old, role]})
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    team_policy.check(actor, "manage_members", membership.team)
    log_action(actor=actor, action="volunteer_team.member_removed", obj=membership.team,
               changes={"volunteer": membership.volunteer.number})
    membership.delete()
