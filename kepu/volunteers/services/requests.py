"""你点我送 requests: posted by communities, schools and units; claimed by one conditional UPDATE,
so two teams cannot both claim the same need.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core import pii
from kepu.core.audit import log_action
from kepu.core.errors import Conflict, KepuError

from ..models import Membership, RecordSource, RequestStatus, ServiceRequest, Team, Volunteer
from ..policies import claimable_teams, request_policy
from .people import check_mobile
from .records import record_create

# --- 你点我送 requests --------------------------------------------------------------------------------


@transaction.atomic
def request_create(*, actor, topic: str, audience: str, requester_name: str, contact_name: str, contact_phone: str,
                   region, place: str, window_start, window_end, expected_size: int, description: str = "",
                   requester_unit=None, target_group=None, created_at=None, is_demo: bool = False) -> ServiceRequest:
    """Post a need for teams in scope to claim."""
    request_policy.check(actor, "create")
    if actor is not None:
        from kepu.accounts.scope import scope_of

        from ..policies import REQUEST_POSTER_ROLES

        scope = scope_of(actor)
        own_unit = requester_unit is not None and requester_unit.pk in scope.unit_ids() and \
            region.path.startswith(requester_unit.region.path)
        if not (scope.covers_path(region.path, REQUEST_POSTER_ROLES) or own_unit):
            raise PermissionDenied
    errors = {}
    try:
        phone = check_mobile(contact_phone)
    except ValueError as exc:
        errors["contact_phone"] = str(exc)
    if window_end < window_start:
        errors["window_end"] = _("结束日期不能早于开始日期。")
    if expected_size < 1:
        errors["expected_size"] = _("预计人数应大于 0。")
    if errors:
        raise ValidationError(errors)
    request = ServiceRequest(
        topic=topic.strip(), description=description.strip(), audience=audience.strip(), target_group=target_group,
        requester_unit=requester_unit, requester_name=requester_name.strip(), contact_name=contact_name.strip(),
        contact_phone_encrypted=pii.encrypt(phone), contact_phone_masked=pii.mask_phone(phone),
        region=region, region_path=region.path, place=place.strip(), window_start=window_start,
        window_end=window_end, expected_size=expected_size, is_demo=is_demo,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=created_at or timezone.now(),
    )
    request.full_clean(exclude=["contact_phone_encrypted"])
    request.save()
    log_action(actor=actor, action="service_request.created", obj=request,
               changes={"topic": request.topic, "region": region.code})
    return request


@transaction.atomic
def request_cancel(*, actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    request_policy.check(actor, "cancel", request)
    updated = ServiceRequest.objects.filter(pk=request.pk, status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED, cancel_reason=reason.strip()[:200], updated_at=timezone.now())
    if not updated:
        raise Conflict(_("该需求已被认领或已撤销，不能撤销。"), code="wrong_status")
    request.refresh_from_db()
    log_action(actor=actor, action="service_request.cancelled", obj=request, changes={"reason": request.cancel_reason})
    return request


@transaction.atomic
def request_claim(*, actor, request: ServiceRequest, team: Team, at=None) -> ServiceRequest:
    """A team takes the need on: one conditional UPDATE, so two teams never both get it."""
    if team.pk not in {t.pk for t in claimable_teams(actor, request)} and actor is not None:
        raise PermissionDenied
    at = at or timezone.now()
    updated = ServiceRequest.objects.filter(pk=request.pk, status=RequestStatus.OPEN).update(
        status=RequestStatus.CLAIMED, team=team, claimed_at=at, updated_at=timezone.now(),
        claimed_by=actor if actor is not None and actor.is_authenticated else None)
    if not updated:
        raise Conflict(_("该需求已被其他服务队认领或已撤销。"), code="already_claimed")
    request.refresh_from_db()
    log_action(actor=actor, action="service_request.claimed", obj=request, changes={"team": team.name})
    return request


@transaction.atomic
def request_release(*, actor, request: ServiceRequest, reason: str = "") -> ServiceRequest:
    """The claiming team gives the need back (before it is fulfilled)."""
    request_policy.check(actor, "release", request)
    team = request.team
    updated = ServiceRequest.objects.filter(pk=request.pk, status=RequestStatus.CLAIMED, activity__isnull=True).update(
        status=RequestStatus.OPEN, team=None, claimed_at=None, claimed_by=None, updated_at=timezone.now())
    if not updated:
        raise Conflict(_("该需求已安排活动或已完成，不能退回。"), code="wrong_status")
    request.refresh_from_db()
    log_action(actor=actor, action="service_request.released", obj=request,
               changes={"team": team.name if team else "", "reason": reason.strip()[:200]})
    return request


def _request_activity(*, request: ServiceRequest, title: str, start, end, venue: str):
    from kepu.activities.models import ActivityKind
    from kepu.activities.services import activity_create, activity_publish

    activity = activity_create(
        actor=None, title=title or request.topic, kind=ActivityKind.VOLUNTEER_SERVICE, organizer=request.team.unit,
        region=request.region, start=start, end=end, venue=venue or request.place, description=request.description,
        is_volunteer_service=True, target_groups=[request.target_group] if request.target_group else [],
        is_demo=request.is_demo,
    )
    return activity_publish(actor=None, activity=activity)


@transaction.atomic
def request_schedule(*, actor, request: ServiceRequest, start, end, title: str = "", venue: str = ""):
    """The claiming team fixes the date: a published 科技志愿服务活动 of the team's unit."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    request_policy.check(actor, "fulfil", request)
    if request.activity_id:
        raise Conflict(_("该需求已安排活动。"), code="already_scheduled")
    if end < start:
        raise ValidationError({"end": _("结束时间不能早于开始时间。")})
    request.activity = _request_activity(request=request, title=title, start=start, end=end, venue=venue)
    request.save(update_fields=["activity", "updated_at"])
    log_action(actor=actor, action="service_request.scheduled", obj=request,
               changes={"activity": request.activity.pk, "start": start.isoformat()})
    return request


@transaction.atomic
def request_fulfil(*, actor, request: ServiceRequest, hours: dict[Volunteer, Decimal], served_people: int,
                   start=None, end=None, title: str = "", venue: str = "", content: str = "", at=None):
    """The need was met: the activity (created now if it was not scheduled) is finished and each
    volunteer's hours are recorded, verified by the leader who reports it."""
    from kepu.activities.models import ActivityStatus
    from kepu.activities.services import activity_finish

    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related("team", "activity").get(pk=request.pk)
    request_policy.check(actor, "fulfil", request)
    if not hours:
        raise ValidationError({"volunteers": _("请至少填写一名志愿者的服务时长。")})
    members = set(Membership.objects.filter(team=request.team).values_list("volunteer_id", flat=True))
    outsiders = [v.name for v in hours if v.pk not in members]
    if outsiders:
        raise ValidationError({"volunteers": _("不是本队成员：%(names)s") % {"names": "、".join(outsiders)}})
    activity = request.activity
    if activity is None:
        if start is None or end is None:
            raise ValidationError({"start": _("请填写服务开展的时间。")})
        if end < start:
            raise ValidationError({"end": _("结束时间不能早于开始时间。")})
        activity = _request_activity(request=request, title=title, start=start, end=end, venue=venue)
    if activity.end > timezone.now():
        raise KepuError(_("服务活动尚未结束，结束后再填报完成情况。"), code="not_finished")
    if activity.status == ActivityStatus.PUBLISHED:
        activity = activity_finish(actor=None, activity=activity)
    day = timezone.localtime(activity.start).date()
    for volunteer, value in hours.items():
        record_create(actor=actor, volunteer=volunteer, team=request.team, activity=activity, request=request,
                      date=day, hours=value, place=activity.venue, content=content or request.topic,
                      served_people=served_people, source=RecordSource.REQUEST, verify=True,
                      is_demo=request.is_demo)
    request.activity = activity
    request.status = RequestStatus.FULFILLED
    request.fulfilled_at = at or timezone.now()
    request.save(update_fields=["activity", "status", "fulfilled_at", "updated_at"])
    log_action(actor=actor, action="service_request.fulfilled", obj=request,
               changes={"activity": activity.pk, "volunteers": len(hours), "served_people": served_people})
    return request
