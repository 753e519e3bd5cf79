"""Who may see and do what in volunteer service.

Staff see volunteers, teams, records and requests in their region subtrees; a unit grant shows
the unit's teams and their members. Team leadership is data (a leader membership of a volunteer
linked to the user), not a role assignment: a leader manages the team, its sub-teams, their
members and their records. Full ID and phone numbers need the `pii_viewer` role over the
volunteer's region (or are the user's own).
"""

from __future__ import annotations

from django.db.models import Q

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy
from kepu.regions.querysets import subtree_q

from .models import Membership, RequestStatus, ServiceRecord, ServiceRequest, Team, Volunteer

# Who posts 你点我送 needs: region admins, liaisons of schools and units, village science officers.
REQUEST_POSTER_ROLES = REGION_WRITE_ROLES | {Role.UNIT_LIAISON, Role.VILLAGE_OFFICER}


def led_team_ids(user) -> frozenset[int]:
    """Teams the user leads (as a leader member), with all their sub-teams; cached on the user."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_kepu_led_teams", None)
    if cached is not None:
        return cached
    ids = set(Membership.objects.filter(volunteer__user=user, volunteer__left_on__isnull=True,
                                        role=Membership.Role.LEADER).values_list("team_id", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    user._kepu_led_teams = frozenset(ids)
    return user._kepu_led_teams


def forget_led_teams(user) -> None:
    if user is not None and hasattr(user, "_kepu_led_teams"):
        del user._kepu_led_teams


def manages_team(user, team: Team) -> bool:
    """Region admins over the team's region, liaisons of its unit, and its leaders (and parents')."""
    if user is None:
        return True
    scope = scope_of(user)
    if scope.platform_admin or scope.covers_path(team.region_path, REGION_WRITE_ROLES):
        return True
    if team.unit_id in scope.unit_ids({Role.UNIT_LIAISON}):
        return True
    return team.pk in led_team_ids(user)


def managed_team_ids(user):
    """The teams `manages_team` allows, as a queryset of ids (for choice lists and filters)."""
    scope = scope_of(user)
    if scope.platform_admin:
        return Team.objects.values("id")
    q = Q(pk__in=led_team_ids(user)) | Q(unit_id__in=scope.unit_ids({Role.UNIT_LIAISON}))
    roots = scope.region_paths(REGION_WRITE_ROLES)
    if roots:
        q |= subtree_q(roots, field="region_path")
    return Team.objects.filter(q).values("id")


def _unit_team_ids(units) -> set[int]:
    return set(Team.objects.filter(unit_id__in=units).values_list("id", flat=True)) if units else set()


class _RegionPolicy(Policy):
    """Staff see rows whose `region_path` lies in their region subtrees, plus `reach_q`; `can`
    answers "view" from that and leaves every other action to `may`."""

    def visible_to(self, user):
        return self.model.objects.filter(self.visible_q(user))

    def visible_q(self, user) -> Q:
        scope = scope_of(user)
        q = scope.region_q("region_path")
        if q is None:
            return Q()
        return q | self.reach_q(user, scope.unit_ids(STAFF_ROLES))

    def reach_q(self, user, units: set[int]) -> Q:
        """What the user sees beyond their region subtrees: through units and led teams."""
        raise NotImplementedError

    def can(self, user, action, obj=None):
        if action == "view":
            return super().can(user, action, obj)
        return self.may(user, action, obj)

    def may(self, user, action: str, obj) -> bool:
        raise NotImplementedError


class TeamPolicy(_RegionPolicy):
    model = Team

    def reach_q(self, user, units):
        return Q(unit_id__in=units) | Q(pk__in=led_team_ids(user))

    def may(self, user, action, obj):
        if action == "create":
            scope = scope_of(user)
            return user is None or scope.platform_admin or bool(scope.region_paths(REGION_WRITE_ROLES)) \
                or bool(scope.unit_ids({Role.UNIT_LIAISON}))
        # change, manage_members, record, verify, claim
        return obj is not None and manages_team(user, obj)


class VolunteerPolicy(_RegionPolicy):
    model = Volunteer

    def reach_q(self, user, units):
        teams = led_team_ids(user) | _unit_team_ids(units)
        q = Q(unit_id__in=units)
        if teams:
            q |= Q(pk__in=Membership.objects.filter(team_id__in=teams).values("volunteer_id"))
        return q

    def may(self, user, action, obj):
        if user is None:
            return True
        scope = scope_of(user)
        if action == "view_pii":
            # One's own numbers, or the pii_viewer role over the volunteer's region.
            if obj is not None and obj.user_id and obj.user_id == user.pk:
                return True
            return obj is not None and (scope.platform_admin or scope.covers_path(obj.region_path, {Role.PII_VIEWER}))
        if action == "export_pii":
            return scope.platform_admin or bool(scope.region_paths({Role.PII_VIEWER}))
        if action in ("create", "import"):
            return scope.platform_admin or bool(scope.region_paths(REGION_WRITE_ROLES)) \
                or bool(scope.unit_ids({Role.UNIT_LIAISON})) or bool(led_team_ids(user))
        if obj is None:
            return False
        if action in ("change", "leave"):
            if scope.platform_admin or scope.covers_path(obj.region_path, REGION_WRITE_ROLES):
                return True
            managed = managed_team_ids(user)
            return Membership.objects.filter(volunteer=obj, team_id__in=managed).exists()
        return False


class RecordPolicy(_RegionPolicy):
    """Records are seen with their team or in the region they were served in; managers verify."""

    model = ServiceRecord

    def reach_q(self, user, units):
        return Q(team_id__in=led_team_ids(user) | _unit_team_ids(units))

    def may(self, user, action, obj):
        if user is None:
            return True
        if obj is None:
            return False
        scope = scope_of(user)
        if scope.platform_admin or scope.covers_path(obj.region_path, REGION_WRITE_ROLES):
            return True
        return obj.team_id is not None and manages_team(user, obj.team)


class RequestPolicy(_RegionPolicy):
    """Requests are seen by staff of their region, by their unit, and by teams around them."""

    model = ServiceRequest

    def reach_q(self, user, units):
        q = Q(requester_unit_id__in=units)
        team_paths = set(Team.objects.filter(pk__in=managed_team_ids(user)).values_list("region_path", flat=True))
        if team_paths:
            q |= subtree_q(team_paths, field="region_path") | Q(
                region_path__in={p for path in team_paths for p in _ancestors(path)})
        return q

    def may(self, user, action, obj):
        if user is None:
            return True
        scope = scope_of(user)
        if action == "create":
            return scope.platform_admin or bool(scope.region_paths(REQUEST_POSTER_ROLES)) \
                or bool(scope.unit_ids({Role.UNIT_LIAISON}))
        if obj is None:
            return False
        if action in ("change", "cancel"):
            return obj.status == RequestStatus.OPEN and (
                scope.platform_admin or scope.covers_path(obj.region_path, REQUEST_POSTER_ROLES)
                or (obj.requester_unit_id in scope.unit_ids({Role.UNIT_LIAISON}))
                or (obj.created_by_id == user.pk))
        if action == "claim":
            return obj.status == RequestStatus.OPEN and bool(claimable_teams(user, obj))
        if action in ("fulfil", "release"):
            return obj.status == RequestStatus.CLAIMED and obj.team is not None and manages_team(user, obj.team)
        return False


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def claimable_teams(user, request: ServiceRequest) -> list[Team]:
    """Teams the user manages that are near the request: its region lies under theirs or above it."""
    near = Q(region_path__in=[*_ancestors(request.region_path), request.region_path]) | subtree_q(
        [request.region_path], field="region_path")
    return list(Team.objects.filter(near, pk__in=managed_team_ids(user), dissolved_on__isnull=True))


team_policy = TeamPolicy()
volunteer_policy = VolunteerPolicy()
record_policy = RecordPolicy()
request_policy = RequestPolicy()
