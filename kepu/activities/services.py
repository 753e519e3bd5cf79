"""Writes to activities: every one atomic, scope-checked and audited.

Seats are taken by one conditional UPDATE (`confirmed_count < capacity`), so capacity holds under
any number of concurrent registrations; a CHECK constraint backs it up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core import pii
from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict, KepuError
from kepu.core.uploads import check_upload

from .models import (
    Activity,
    ActivityStatus,
    CheckIn,
    Evidence,
    ParticipationReport,
    Registration,
    RegistrationStatus,
    ReportCount,
    TargetGroup,
    ThemeDay,
    ThemeDayDate,
)
from .policies import activity_policy

S = ActivityStatus
TRANSITIONS = {
    "publish": ({S.DRAFT}, S.PUBLISHED),
    "cancel": ({S.DRAFT, S.PUBLISHED}, S.CANCELLED),
    "finish": ({S.PUBLISHED}, S.FINISHED),
    "report": ({S.FINISHED}, S.REPORTED),
    "return_report": ({S.REPORTED}, S.FINISHED),
}
EDITABLE_FIELDS = ("title", "description", "kind", "organizer", "region", "venue", "online_url", "start", "end",
                   "capacity", "registration_required", "is_volunteer_service")
M2M_FIELDS = ("theme_days", "target_groups", "co_organizers")
EVIDENCE_TYPES = {"png", "jpg", "webp", "pdf", "docx", "xlsx", "pptx"}


# --- planning and lifecycle ------------------------------------------------------------------------


def _check_times(start, end) -> None:
    if start and end and end < start:
        raise ValidationError({"end": _("结束时间不能早于开始时间。")})


def _check_capacity(activity: Activity) -> None:
    if activity.capacity is not None and activity.capacity < activity.confirmed_count:
        raise ValidationError({"capacity": _("名额不能少于已确认的报名人数（%(n)d）。") % {"n": activity.confirmed_count}})


def _set_m2m(activity: Activity, m2m: dict) -> dict:
    changes = {}
    for field, values in m2m.items():
        if values is None:
            continue
        manager = getattr(activity, field)
        old = sorted(str(v) for v in manager.all())
        manager.set(values)
        new = sorted(str(v) for v in values)
        if old != new:
            changes[field] = [old, new]
    return changes


@transaction.atomic
def activity_create(*, actor, title: str, kind: str, organizer, region, start, end, description: str = "",
                    venue: str = "", online_url: str = "", capacity: int | None = None,
                    registration_required: bool = False, is_volunteer_service: bool = False,
                    theme_days=(), target_groups=(), co_organizers=(), is_demo: bool = False) -> Activity:
    """Plan an activity (a draft) for a unit the actor organizes for, in a region of its scope."""
    if not activity_policy.can_organize(actor, organizer, region):
        raise PermissionDenied
    _check_times(start, end)
    activity = Activity(
        title=title.strip(), kind=kind, organizer=organizer, region=region, region_path=region.path,
        start=start, end=end, description=description, venue=venue, online_url=online_url,
        capacity=capacity, registration_required=registration_required,
        is_volunteer_service=is_volunteer_service, is_demo=is_demo,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    activity.full_clean()
    activity.save()
    _set_m2m(activity, {"theme_days": theme_days, "target_groups": target_groups, "co_organizers": co_organizers})
    log_action(actor=actor, action="activity.created", obj=activity,
               changes={"title": activity.title, "region": region.code, "organizer": organizer.pk})
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, unchanged_since=None, **fields) -> Activity:
    """Change the given fields of a draft or published activity."""
    unknown = set(fields) - set(EDITABLE_FIELDS) - set(M2M_FIELDS)
    if unknown:
        raise TypeError(f"activity_update does not take {sorted(unknown)}")
    activity_policy.check(actor, "change", activity)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    check_unchanged(activity, unchanged_since)
    if activity.status not in (S.DRAFT, S.PUBLISHED):
        raise KepuError(_("活动当前为“%(status)s”，不能再修改。") % {"status": activity.get_status_display()},
                        code="wrong_status")
    m2m = {f: fields.pop(f) for f in M2M_FIELDS if f in fields}
    if ("organizer" in fields or "region" in fields) and not activity_policy.can_organize(
        actor, fields.get("organizer", activity.organizer), fields.get("region", activity.region)
    ):
        raise PermissionDenied
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    changes = apply_changes(activity, fields)
    if "region" in changes:
        activity.region_path = activity.region.path
    _check_times(activity.start, activity.end)
    _check_capacity(activity)
    if changes:
        activity.full_clean()
        activity.save()
    changes.update(_set_m2m(activity, m2m))
    if changes:
        log_action(actor=actor, action="activity.updated", obj=activity, changes=changes)
    return activity


def _transition(*, actor, activity: Activity, step: str, **extra) -> Activity:
    activity_policy.check(actor, step, activity)
    allowed_from, target = TRANSITIONS[step]
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status not in allowed_from:
        raise KepuError(
            _("活动当前为“%(status)s”，不能执行此操作。") % {"status": activity.get_status_display()},
            code="wrong_status", extra={"status": activity.status},
        )
    old = activity.status
    activity.status = target
    for key, value in extra.items():
        setattr(activity, key, value)
    activity.save(update_fields=["status", "updated_at", *extra])
    log_action(actor=actor, action=f"activity.{step}", obj=activity,
               changes={"status": [old, target], **{k: str(v) for k, v in extra.items()}})
    return activity


@transaction.atomic
def activity_publish(*, actor, activity: Activity) -> Activity:
    """Make a draft visible to the public (and open for registration if it takes registrations)."""
    return _transition(actor=actor, activity=activity, step="publish")


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str = "") -> Activity:
    """Call an activity off; its registrations stay, for the record."""
    return _transition(actor=actor, activity=activity, step="cancel", cancel_reason=reason.strip()[:200])


@transaction.atomic
def activity_finish(*, actor, activity: Activity) -> Activity:
    """Close a published activity once it has started; the organizer then reports the audience."""
    status, start = Activity.objects.filter(pk=activity.pk).values_list("status", "start").get()
    if status == S.PUBLISHED and start > timezone.now():
        raise KepuError(_("活动尚未开始，不能标记为已结束。"), code="not_started")
    return _transition(actor=actor, activity=activity, step="finish")


# --- registration ------------------------------------------------------------------------------------


def _clean_registrant(name: str, phone: str) -> tuple[str, str]:
    name = (name or "").strip()
    phone = pii.normalize_phone(phone or "")
    errors = {}
    if not name or len(name) > 50:
        errors["name"] = _("请填写姓名（不超过 50 个字）。")
    if len(phone) != 11 or not phone.startswith("1") or phone[1] not in "3456789":
        errors["phone"] = _("请填写 11 位手机号码。")
    if errors:
        raise ValidationError(errors)
    return name, phone


@transaction.atomic
def registration_create(*, activity: Activity, name: str, phone: str, group: TargetGroup | None = None,
                        user=None) -> Registration:
    """Register a person: a seat if one is left (one conditional UPDATE), else the waitlist."""
    name, phone = _clean_registrant(name, phone)
    current = Activity.objects.filter(pk=activity.pk).values("status", "registration_required", "end").first()
    if current is None or current["status"] != S.PUBLISHED:
        raise KepuError(_("该活动目前不接受报名。"), code="registration_closed")
    if not current["registration_required"]:
        raise KepuError(_("该活动无需报名，直接到场参加即可。"), code="no_registration")
    if current["end"] < timezone.now():
        raise KepuError(_("活动已经结束，不能再报名。"), code="registration_closed")
    took_seat = (
        Activity.objects.filter(pk=activity.pk, status=S.PUBLISHED)
        .filter(Q(capacity__isnull=True) | Q(confirmed_count__lt=F("capacity")))
        .update(confirmed_count=F("confirmed_count") + 1)
    )
    registration = Registration(
        activity_id=activity.pk, name=name, phone_encrypted=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone),
        phone_masked=pii.mask_phone(phone), group=group,
        user=user if user is not None and user.is_authenticated else None,
        status=RegistrationStatus.CONFIRMED if took_seat else RegistrationStatus.WAITLISTED,
        token=secrets.token_urlsafe(32),
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        # Raising undoes the seat taken above together with everything else in this transaction.
        raise Conflict(_("这个手机号码已经报名了该活动。"), code="already_registered") from exc
    log_action(actor=user, action="registration.created", obj=registration,
               changes={"status": registration.status, "phone": registration.phone_masked})
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor=None) -> Registration:
    """Cancel a registration; a freed seat goes to the first person on the waitlist."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if hasattr(registration, "checkin"):
        raise KepuError(_("已签到的报名不能取消。"), code="checked_in")
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.status_changed_at = timezone.now()
    registration.save(update_fields=["status", "status_changed_at"])
    log_action(actor=actor, action="registration.cancelled", obj=registration)
    if was_confirmed:
        waiting = (Registration.objects.filter(activity_id=registration.activity_id,
                                                status=RegistrationStatus.WAITLISTED)
                   .order_by("created_at", "id")
                   .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked))
        promoted = waiting.first()
        if promoted is not None:
            promoted.status = RegistrationStatus.CONFIRMED
            promoted.status_changed_at = timezone.now()
            promoted.save(update_fields=["status", "status_changed_at"])
            log_action(actor=None, action="registration.promoted", obj=promoted)
        else:
            Activity.objects.filter(pk=registration.activity_id).update(confirmed_count=F("confirmed_count") - 1)
    return registration


# --- check-in --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInResult:
    outcome: str  # checked_in, already, unknown, other_activity, cancelled, waitlisted
    message: str
    registration: Registration | None = None
    at: object = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("checked_in", "already")


def checkin(*, actor, activity: Activity | None, token: str, method: str = CheckIn.Method.TOKEN) -> CheckInResult:
    """Check a registration in by its token; repeating it is harmless and says so."""
    token = (token or "").strip()
    if "/" in token:  # a scanned URL: the token is its last part
        token = token.rstrip("/").rsplit("/", 1)[-1]
    registration = Registration.objects.select_related("activity").filter(token=token).first() if token else None
    if registration is None:
        return CheckInResult("unknown", _("无效的签到凭证：没有这个报名。"))
    if activity is None:
        activity = registration.activity
    activity_policy.check(actor, "checkin", activity)
    if registration.activity_id != activity.pk and not activity_policy.can(actor, "view", registration.activity):
        # Another district's token: answer as for a forged one, naming nothing.
        return CheckInResult("unknown", _("无效的签到凭证：没有这个报名。"))
    if registration.activity_id != activity.pk:
        return CheckInResult("other_activity", _("这是另一个活动（%(title)s）的报名凭证。") % {"title": registration.activity.title},
                             registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return CheckInResult("cancelled", _("该报名已取消，不能签到。"), registration)
    if registration.status == RegistrationStatus.WAITLISTED:
        return CheckInResult("waitlisted", _("该报名仍在候补，未获得名额。"), registration)
    try:
        with transaction.atomic():
            made = CheckIn.objects.create(activity=activity, registration=registration, method=method,
                                          group=registration.group, by=actor)
            log_action(actor=actor, action="checkin.created", obj=registration)
    except IntegrityError:
        earlier = CheckIn.objects.get(registration=registration)
        return CheckInResult("already", _("%(name)s 已经签到过了（%(time)s）。") % {
            "name": registration.name, "time": timezone.localtime(earlier.at).strftime("%H:%M")}, registration, earlier.at)
    return CheckInResult("checked_in", _("%(name)s 签到成功。") % {"name": registration.name}, registration, made.at)


@transaction.atomic
def walkin_record(*, actor, activity: Activity, people: int, group: TargetGroup | None = None) -> CheckIn:
    """Count people who came without registering."""
    activity_policy.check(actor, "checkin", activity)
    if people < 1 or people > 100_000:
        raise ValidationError({"people": _("人数应在 1 到 100000 之间。")})
    row = CheckIn.objects.create(activity=activity, method=CheckIn.Method.WALK_IN, people=people, group=group, by=actor)
    log_action(actor=actor, action="checkin.walk_in", obj=activity, changes={"people": people, "group": str(group or "")})
    return row


# --- participation report ------------------------------------------------------------------------------


def registered_attendance(activity: Activity) -> dict[tuple[int | None, bool], int]:
    """Checked-in people per (target group id, is a walk-in)."""
    rows = (CheckIn.objects.filter(activity=activity).values("group_id", "method")
            .annotate(n=Sum("people")).order_by())
    out: dict[tuple[int | None, bool], int] = {}
    for row in rows:
        key = (row["group_id"], row["method"] == CheckIn.Method.WALK_IN)
        out[key] = out.get(key, 0) + row["n"]
    return out


@transaction.atomic
def report_save(*, actor, activity: Activity, narrative: str, counts: dict[int, tuple[int, int]]) -> ParticipationReport:
    """Save the report draft: entered walk-ins and online views per group; check-ins fill themselves."""
    activity_policy.check(actor, "report", activity)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != S.FINISHED:
        raise KepuError(_("活动结束后才能填写参与情况。"), code="wrong_status")
    report, _created = ParticipationReport.objects.get_or_create(activity=activity)
    attendance = registered_attendance(activity)
    general = TargetGroup.objects.filter(is_key_group=False).order_by("sort").first()
    groups = {g.pk: g for g in TargetGroup.objects.all()}
    totals: dict[int, list[int]] = {}
    for (group_id, is_walk_in), n in attendance.items():
        gid = group_id or (general.pk if general else None)
        if gid is None:
            continue
        slot = totals.setdefault(gid, [0, 0, 0])
        slot[1 if is_walk_in else 0] += n
    for group_id, (walk_ins, online) in counts.items():
        if group_id not in groups:
            raise ValidationError({"counts": _("未知的人群。")})
        if walk_ins < 0 or online < 0:
            raise ValidationError({"counts": _("人次不能为负数。")})
        slot = totals.setdefault(group_id, [0, 0, 0])
        slot[1] += walk_ins
        slot[2] = online
    ReportCount.objects.filter(report=report).delete()
    ReportCount.objects.bulk_create([
        ReportCount(report=report, group_id=gid, registered=r, walk_ins=w, online=o)
        for gid, (r, w, o) in sorted(totals.items()) if r or w or o
    ])
    report.narrative = narrative.strip()
    report.person_times = sum(r + w + o for r, w, o in totals.values())
    report.save()
    log_action(actor=actor, action="report.saved", obj=report, changes={"person_times": report.person_times})
    return report


@transaction.atomic
def evidence_add(*, actor, activity: Activity, upload, description: str = "") -> Evidence:
    """Attach a photo or document to the report (type checked from the content)."""
    activity_policy.check(actor, "report", activity)
    if activity.status not in (S.FINISHED,):
        raise KepuError(_("活动结束后、报送之前才能上传佐证材料。"), code="wrong_status")
    data, kind, name = check_upload(upload, allowed=EVIDENCE_TYPES)
    report, _created = ParticipationReport.objects.get_or_create(activity=activity)
    from django.core.files.base import ContentFile

    evidence = Evidence(report=report, stored_name=f"{secrets.token_hex(16)}.{kind.extension}", original_name=name,
                        content_type=kind.content_type, size=len(data), description=description.strip()[:200],
                        uploaded_by=actor)
    evidence.file.save(evidence.stored_name, ContentFile(data), save=False)
    evidence.save()
    log_action(actor=actor, action="report.evidence_added", obj=report, changes={"file": name})
    return evidence


@transaction.atomic
def evidence_remove(*, actor, evidence: Evidence) -> None:
    activity = evidence.report.activity
    activity_policy.check(actor, "report", activity)
    if activity.status != S.FINISHED:
        raise KepuError(_("报告已报送，不能删除佐证材料。"), code="wrong_status")
    log_action(actor=actor, action="report.evidence_removed", obj=evidence.report, changes={"file": evidence.original_name})
    evidence.file.delete(save=False)
    evidence.delete()


@transaction.atomic
def report_submit(*, actor, activity: Activity) -> Activity:
    """Send the participation report to the region; the activity becomes 已报送."""
    report = ParticipationReport.objects.filter(activity=activity).first()
    if report is None or (report.person_times == 0 and not report.counts.exists()):
        raise KepuError(_("请先填写参与人次。"), code="report_empty")
    activity = _transition(actor=actor, activity=activity, step="report")
    report.status = ParticipationReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    return activity


@transaction.atomic
def report_return(*, actor, activity: Activity, comment: str) -> Activity:
    """Send a report back to the organizer with a comment; the activity is 已结束 again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("请填写退回意见。")})
    activity = _transition(actor=actor, activity=activity, step="return_report")
    ParticipationReport.objects.filter(activity=activity).update(
        status=ParticipationReport.Status.RETURNED, return_comment=comment, returned_by=actor,
        returned_at=timezone.now(),
    )
    log_action(actor=actor, action="report.returned", obj=activity, changes={"comment": comment})
    return activity


# --- theme days ----------------------------------------------------------------------------------------


def can_set_theme_dates(user) -> bool:
    """Theme-day dates are the whole province's: platform admins and province-level admins set them."""
    scope = scope_of(user)
    return scope.platform_admin or any(path.count("/") == 1 for path in scope.region_paths(REGION_WRITE_ROLES))


@transaction.atomic
def theme_day_date_set(*, actor, theme_day: ThemeDay, year: int, start, end) -> ThemeDayDate:
    """Set when a variable theme day falls in a year (科技活动周 2025: 5 月 17 日–5 月 23 日)."""
    if actor is not None and not can_set_theme_dates(actor):
        raise PermissionDenied
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    row, _created = ThemeDayDate.objects.update_or_create(theme_day=theme_day, year=year,
                                                          defaults={"start": start, "end": end})
    log_action(actor=actor, action="theme_day.date_set", obj=theme_day,
               changes={"year": year, "start": str(start), "end": str(end)})
    return row
