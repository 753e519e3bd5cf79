"""Service records, activity duties (check-in gives the hours) and certificates of hours."""

from __future__ import annotations

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict, KepuError

from ..models import (
    Certificate,
    Duty,
    Membership,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    ServiceRequest,
    Team,
    Volunteer,
)
from ..policies import manages_team, record_policy, team_policy, volunteer_policy
from .people import credit_hours

MAX_HOURS_PER_RECORD = Decimal(24)


# --- service records --------------------------------------------------------------------------------


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError({"hours": _("服务时长应为数字。")}) from None
    if hours <= 0 or hours > MAX_HOURS_PER_RECORD:
        raise ValidationError({"hours": _("服务时长应大于 0 且不超过 24 小时。")})
    return hours


def _record_region(volunteer, team, activity):
    if activity is not None:
        return activity.region
    if team is not None:
        return team.region
    return volunteer.region


@transaction.atomic
def record_create(*, actor, volunteer: Volunteer, date, hours, content: str, team: Team | None = None,
                  activity=None, request: ServiceRequest | None = None, project: str = "", place: str = "",
                  served_people: int = 0, quality: str = "", source: str = RecordSource.MANUAL,
                  verify: bool = False, is_demo: bool = False) -> ServiceRecord:
    """A record entered by a team's manager (verified at once when `verify`) or the system."""
    if team is not None:
        team_policy.check(actor, "record", team)
        if not Membership.objects.filter(team=team, volunteer=volunteer).exists():
            raise ValidationError({"volunteer": _("%(name)s 不是该服务队的成员。") % {"name": volunteer.name}})
    elif actor is not None and not volunteer_policy.can(actor, "change", volunteer):
        raise PermissionDenied
    if date > timezone.localdate():
        raise ValidationError({"date": _("服务日期不能晚于今天。")})
    if not content.strip():
        raise ValidationError({"content": _("请填写服务内容。")})
    record = ServiceRecord(
        volunteer=volunteer, team=team, activity=activity, request=request, project=project.strip(),
        date=date, place=place.strip(), content=content.strip(), hours=_hours(hours), served_people=served_people,
        quality=quality, source=source, is_demo=is_demo,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    region = _record_region(volunteer, team, activity)
    record.region, record.region_path = region, region.path
    if verify:
        record.status = RecordStatus.VERIFIED
        record.verified_by = record.recorded_by
        record.verified_at = timezone.now()
    record.full_clean(exclude=["volunteer", "team", "activity", "request", "region"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise Conflict(_("%(name)s 在该活动的服务时长已记录，不能重复记录。") % {"name": volunteer.name},
                       code="duplicate_record") from None
    if verify:
        credit_hours({volunteer.pk: record.hours})
    log_action(actor=actor, action="service_record.created", obj=record,
               changes={"volunteer": volunteer.number, "hours": str(record.hours), "status": record.status,
                        "source": source})
    return record


@transaction.atomic
def record_claim(*, user, team: Team, date, hours, content: str, place: str = "", project: str = "",
                 served_people: int = 0, activity=None) -> ServiceRecord:
    """A volunteer asks for hours served with one of their teams; a leader then approves or rejects."""
    volunteer = getattr(user, "volunteer", None)
    if volunteer is None or volunteer.left_on is not None:
        raise PermissionDenied
    if not Membership.objects.filter(team=team, volunteer=volunteer).exists():
        raise ValidationError({"team": _("您不是该服务队的成员。")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("服务日期不能晚于今天。")})
    if not content.strip():
        raise ValidationError({"content": _("请填写服务内容。")})
    region = _record_region(volunteer, team, activity)
    record = ServiceRecord(volunteer=volunteer, team=team, activity=activity, date=date, hours=_hours(hours),
                           content=content.strip(), place=place.strip(), project=project.strip(),
                           served_people=served_people, region=region, region_path=region.path,
                           source=RecordSource.CLAIM, recorded_by=user)
    record.full_clean(exclude=["volunteer", "team", "activity", "request", "region"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise Conflict(_("该活动的服务时长已记录，不能重复申报。"), code="duplicate_record") from None
    log_action(actor=user, action="service_record.claimed", obj=record,
               changes={"team": team.pk, "hours": str(record.hours)})
    return record


def _lock_records(records) -> list[ServiceRecord]:
    ids = sorted(r.pk for r in records)
    return list(ServiceRecord.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def records_verify(*, actor, records: Iterable[ServiceRecord], quality: str = "") -> int:
    """Approve pending records (the leader confirms); their hours count from now on."""
    locked = _lock_records(records)
    for record in locked:
        record_policy.check(actor, "verify", record)
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    done = []
    for record in locked:
        if record.status != RecordStatus.PENDING:
            continue
        record.status, record.verified_by, record.verified_at = RecordStatus.VERIFIED, user, now
        if quality:
            record.quality = quality
        deltas[record.volunteer_id] += record.hours
        done.append(record)
    ServiceRecord.objects.bulk_update(done, ["status", "verified_by", "verified_at", "quality", "updated_at"])
    credit_hours(deltas)
    for record in done:
        log_action(actor=actor, action="service_record.verified", obj=record, changes={"hours": str(record.hours)})
    return len(done)


@transaction.atomic
def record_reject(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Turn down a pending record, or withdraw a verified one (its hours are taken back)."""
    (record,) = _lock_records([record])
    record_policy.check(actor, "verify", record)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写驳回原因。")})
    if record.status == RecordStatus.REJECTED:
        raise KepuError(_("该记录已被驳回。"), code="wrong_status")
    was_verified = record.status == RecordStatus.VERIFIED
    old = record.status
    record.status, record.reject_reason = RecordStatus.REJECTED, reason.strip()[:200]
    record.save(update_fields=["status", "reject_reason", "updated_at"])
    if was_verified:
        credit_hours({record.volunteer_id: -record.hours})
    log_action(actor=actor, action="service_record.rejected", obj=record,
               changes={"status": [old, record.status], "reason": record.reject_reason})
    return record


RECORD_FIELDS = ("date", "hours", "content", "place", "project", "served_people", "quality")


@transaction.atomic
def record_update(*, actor, record: ServiceRecord, unchanged_since=None, **fields) -> ServiceRecord:
    """Correct a record; a verified one moves the volunteer's hours by the difference."""
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"record_update does not take {sorted(unknown)}")
    (record,) = _lock_records([record])
    record_policy.check(actor, "change", record)
    check_unchanged(record, unchanged_since)
    if "hours" in fields:
        fields["hours"] = _hours(fields["hours"])
    if "date" in fields and fields["date"] > timezone.localdate():
        raise ValidationError({"date": _("服务日期不能晚于今天。")})
    old_hours = record.hours
    changes = apply_changes(record, fields)
    if changes:
        record.full_clean(exclude=["volunteer", "team", "activity", "request", "region"])
        record.save()
        if record.status == RecordStatus.VERIFIED:
            credit_hours({record.volunteer_id: record.hours - old_hours})
        log_action(actor=actor, action="service_record.updated", obj=record, changes=changes)
    return record


# --- volunteers on the staff of an activity: check-in gives the hours ----------------------------------


@transaction.atomic
def duty_add(*, actor, activity, volunteer: Volunteer, team: Team | None = None, task: str = "") -> Duty:
    """Put a volunteer on the staff of a 科技志愿服务活动."""
    if not activity.is_volunteer_service:
        raise KepuError(_("只有科技志愿服务活动才能安排志愿者上岗。"), code="not_volunteer_service")
    if team is not None:
        team_policy.check(actor, "record", team)
        if not Membership.objects.filter(team=team, volunteer=volunteer).exists():
            raise ValidationError({"volunteer": _("%(name)s 不是该服务队的成员。") % {"name": volunteer.name}})
    elif actor is not None and not volunteer_policy.can(actor, "change", volunteer):
        raise PermissionDenied
    try:
        with transaction.atomic():
            duty = Duty.objects.create(activity=activity, volunteer=volunteer, team=team, task=task.strip()[:100],
                                       added_by=actor if actor is not None and actor.is_authenticated else None)
    except IntegrityError:
        raise Conflict(_("%(name)s 已在该活动的志愿者名单中。") % {"name": volunteer.name}, code="already_on_duty") from None
    log_action(actor=actor, action="volunteer_duty.added", obj=duty, changes={"volunteer": volunteer.number})
    return duty


CHECK_MARGIN = datetime.timedelta(hours=2)


def check_window_open(activity, at) -> bool:
    """Whether staff may check in or out at `at`: from 2 hours before the start to 2 hours after the end."""
    return activity.start - CHECK_MARGIN <= at <= activity.end + CHECK_MARGIN


def duty_may_mark(actor, duty: Duty) -> bool:
    """Whether the actor may check this volunteer in or out: the volunteer, or who manages the team."""
    if actor is not None and duty.volunteer.user_id == actor.pk:
        return True
    if duty.team is not None:
        return manages_team(actor, duty.team)
    return volunteer_policy.can(actor, "change", duty.volunteer)


@transaction.atomic
def duty_check(*, actor, duty: Duty, out: bool = False, at=None) -> Duty:
    """Check a volunteer in (or out) on the day; by the volunteer on the phone or by the leader."""
    duty = Duty.objects.select_for_update(of=("self",)).select_related("activity", "volunteer", "team").get(pk=duty.pk)
    if not duty_may_mark(actor, duty):
        raise PermissionDenied
    at = at or timezone.now()
    activity = duty.activity
    if duty.record_id:
        raise KepuError(_("服务时长已计入，不能再签到或签退。"), code="already_credited")
    if not out and duty.checked_in_at is not None:
        raise Conflict(_("已经签到过了。"), code="already_checked_in")
    if not check_window_open(activity, at):
        raise KepuError(_("只能在活动开始前 2 小时至结束后 2 小时内签到、签退。"), code="outside_window")
    if out:
        if duty.checked_in_at is None:
            raise KepuError(_("尚未签到，不能签退。"), code="not_checked_in")
        duty.checked_out_at = max(at, duty.checked_in_at)
    else:
        duty.checked_in_at = at
    duty.save(update_fields=["checked_out_at" if out else "checked_in_at"])
    log_action(actor=actor, action="volunteer_duty.checked_out" if out else "volunteer_duty.checked_in", obj=duty,
               changes={"at": at.isoformat()})
    return duty


def duty_hours(duty: Duty) -> Decimal:
    """Time on duty within the activity's hours, in half hours rounded down; no check-in, no hours."""
    if duty.checked_in_at is None:
        return Decimal(0)
    activity = duty.activity
    start = max(duty.checked_in_at, activity.start)
    end = min(duty.checked_out_at or activity.end, activity.end)
    seconds = max(0.0, (end - start).total_seconds())
    halves = Decimal(seconds / 1800).quantize(Decimal(1), rounding=ROUND_DOWN)
    return min(MAX_HOURS_PER_RECORD, halves / 2)


@transaction.atomic
def duties_credit(*, actor, activity, duties: Iterable[Duty] | None = None) -> int:
    """The leader confirms the hours from check-ins: one verified record per checked-in volunteer."""
    qs = Duty.objects.select_for_update(of=("self",)).filter(activity=activity, record__isnull=True).select_related(
        "volunteer", "team", "activity")
    if duties is not None:
        qs = qs.filter(pk__in=[d.pk for d in duties])
    if activity.end > timezone.now():
        raise KepuError(_("活动结束后才能计入服务时长。"), code="not_finished")
    created = 0
    for duty in qs.order_by("pk"):
        hours = duty_hours(duty)
        if not hours:
            continue
        if duty.team is not None and not manages_team(actor, duty.team):
            raise PermissionDenied
        record = record_create(
            actor=actor, volunteer=duty.volunteer, team=duty.team, activity=activity,
            date=timezone.localtime(activity.start).date(), hours=hours, place=activity.venue,
            content=duty.task or activity.title, source=RecordSource.CHECKIN, verify=True,
        )
        duty.record = record
        duty.save(update_fields=["record"])
        created += 1
    return created


# --- certificates -------------------------------------------------------------------------------------


@transaction.atomic
def certificate_issue(*, actor, volunteer: Volunteer, issuer_name: str, period_start=None,
                      period_end=None) -> Certificate:
    """Issue a certificate of the verified hours in a period (all time when no start is given)."""
    if not (actor is not None and volunteer.user_id == actor.pk):
        volunteer_policy.check(actor, "change", volunteer)
    if not issuer_name.strip():
        raise ValidationError({"issuer_name": _("请填写出具单位。")})
    period_end = period_end or timezone.localdate()
    if period_start and period_start > period_end:
        raise ValidationError({"period_start": _("起始日期不能晚于截止日期。")})
    records = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.VERIFIED, date__lte=period_end)
    if period_start:
        records = records.filter(date__gte=period_start)
    totals = records.aggregate(hours=Sum("hours"), n=Count("id"))
    today = timezone.localdate()
    certificate = Certificate.objects.create(
        volunteer=volunteer, serial=f"{volunteer.number}-{today:%Y%m%d}-{secrets.token_hex(3).upper()}",
        issuer_name=issuer_name.strip()[:100], period_start=period_start, period_end=period_end,
        hours=totals["hours"] or 0, records=totals["n"], stars=volunteer.stars,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )
    log_action(actor=actor, action="volunteer.certificate_issued", obj=volunteer,
               changes={"serial": certificate.serial, "hours": str(certificate.hours), "issuer": certificate.issuer_name})
    return certificate
