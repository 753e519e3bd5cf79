from __future__ import annotations

from django.db.models import Q

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy

from .models import Activity, ActivityStatus

# What the organizer's own liaison may do; region admins may do all of it and return reports.
ORGANIZER_ACTIONS = frozenset({"change", "publish", "cancel", "finish", "report", "checkin", "view_registrations"})
REVIEW_ROLES = REGION_WRITE_ROLES | {Role.REVIEWER}
PUBLIC_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED, ActivityStatus.REPORTED)


class ActivityPolicy(Policy):
    """Staff see the activities of their region subtrees and of their units (organizer or co-organizer)."""

    model = Activity

    def visible_to(self, user):
        return Activity.objects.filter(self.visible_q(user))

    def visible_q(self, user) -> Q:
        scope = scope_of(user)
        q = scope.region_q("region_path")
        if q is None:
            return Q()
        units = scope.unit_ids(STAFF_ROLES)
        if units:
            co = Activity.co_organizers.through.objects.filter(unit_id__in=units).values("activity_id")
            q |= Q(organizer_id__in=units) | Q(pk__in=co)
        return q

    def allows(self, scope, action, obj):
        if obj is None:
            return False
        if action == "return_report":
            return scope.covers_path(obj.region_path, REVIEW_ROLES)
        if action in ORGANIZER_ACTIONS:
            if scope.covers_path(obj.region_path, REGION_WRITE_ROLES):
                return True
            liaison_units = scope.unit_ids({Role.UNIT_LIAISON})
            if obj.organizer_id in liaison_units:
                return True
            if action in ("checkin", "view_registrations"):
                return obj.co_organizers.filter(pk__in=liaison_units).exists()
        return False

    def can_organize(self, user, unit, region) -> bool:
        """May the user plan an activity of `unit` held in `region`?"""
        if user is None:
            return True
        scope = scope_of(user)
        if scope.platform_admin:
            return True
        if scope.covers_path(region.path, REGION_WRITE_ROLES) and scope.covers_path(unit.region.path, REGION_WRITE_ROLES):
            return True
        return unit.pk in scope.unit_ids({Role.UNIT_LIAISON}) and region.path.startswith(unit.region.path)


activity_policy = ActivityPolicy()


def public_activities():
    """What anyone, signed in or not, may see: published, finished and reported activities."""
    return Activity.objects.filter(status__in=PUBLIC_STATUSES)
