"""Writes to volunteer service: every one atomic, permission-checked and audited.

Hours and stars live on the volunteer row and move only in `credit_hours`, which locks the rows (in id
order, so two verifiers never deadlock) before adding the change: concurrent verifications of one
volunteer's records never lose an hour. Requests are claimed by one conditional UPDATE, so two
teams cannot both claim the same need.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core import pii
from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict, KepuError

from .models import (
    Certificate,
    Duty,
    Gender,
    Membership,
    NumberSequence,
    RecordSource,
    RecordStatus,
    RequestStatus,
    ServiceRecord,
    ServiceRequest,
    StarChange,
    Team,
    Volunteer,
)
from .policies import (
    claimable_teams,
    forget_led_teams,
    manages_team,
    record_policy,
    request_policy,
    team_policy,
    volunteer_policy,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")
ADULT_AGE = 18
MAX_HOURS_PER_RECORD = Decimal(24)


# --- star levels -----------------------------------------------------------------------------------


def star_thresholds() -> tuple[Decimal, ...]:
    """Verified hours needed for 1, 2, ... stars (KEPU_VOLUNTEER_STAR_HOURS)."""
    return tuple(Decimal(h) for h in settings.KEPU_VOLUNTEER_STAR_HOURS)


def stars_for(hours) -> int:
    hours = Decimal(hours)
    return sum(1 for threshold in star_thresholds() if hours >= threshold)


def next_star(hours) -> tuple[int, Decimal] | None:
    """The next star level and the hours still missing for it, or None at the top."""
    hours = Decimal(hours)
    for level, threshold in enumerate(star_thresholds(), start=1):
        if hours < threshold:
            return level, threshold - hours
    return None


def credit_hours(deltas: dict[int, Decimal]) -> None:
    """Add verified hours to volunteers (negative to take them back) and move their stars."""
    deltas = {pk: d for pk, d in deltas.items() if d}
    if not deltas:
        return
    rows = Volunteer.objects.select_for_update().filter(pk__in=deltas).order_by("pk").only("pk", "hours", "stars")
    changed, moves = [], []
    for volunteer in rows:
        volunteer.hours = max(Decimal(0), volunteer.hours + deltas[volunteer.pk])
        stars = stars_for(volunteer.hours)
        if stars != volunteer.stars:
            moves.append(StarChange(volunteer=volunteer, old_stars=volunteer.stars, new_stars=stars,
                                    hours=volunteer.hours))
            volunteer.stars = stars
        changed.append(volunteer)
    Volunteer.objects.bulk_update(changed, ["hours", "stars"], batch_size=500)
    StarChange.objects.bulk_create(moves, batch_size=500)


def _stars_expression():
    """SQL for the star level of the `hours` column under the configured thresholds."""
    whens = [When(hours__gte=threshold, then=Value(level))
             for level, threshold in reversed(list(enumerate(star_thresholds(), start=1)))]
    return Case(*whens, default=Value(0), output_field=IntegerField())


@transaction.atomic
def recount(volunteer_ids: Iterable[int] | None = None) -> int:
    """Recompute hours and stars from the verified records (after a rule change or a repair), in
    two set-based UPDATEs; returns how many volunteers changed hours or stars."""
    qs = Volunteer.objects.all()
    if volunteer_ids is not None:
        qs = qs.filter(pk__in=list(volunteer_ids))
    verified = (ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=RecordStatus.VERIFIED)
                .values("volunteer").annotate(total=Sum("hours")).values("total"))
    total = Coalesce(Subquery(verified), Value(Decimal(0)), output_field=DecimalField(max_digits=9, decimal_places=1))
    stale_hours = qs.annotate(new=total).exclude(hours=F("new"))
    changed = set(stale_hours.values_list("pk", flat=True))
    qs.filter(pk__in=changed).update(hours=total)
    moves = list(qs.annotate(new=_stars_expression()).exclude(stars=F("new")).values_list("pk", "stars", "new", "hours"))
    StarChange.objects.bulk_create([StarChange(volunteer_id=pk, old_stars=old, new_stars=new, hours=hours)
                                    for pk, old, new, hours in moves], batch_size=1000)
    qs.filter(pk__in=[m[0] for m in moves]).update(stars=_stars_expression())
    return len(changed | {m[0] for m in moves})


# --- volunteer numbers -----------------------------------------------------------------------------


def number_prefix(region) -> str:
    """The district part of a volunteer number: the first six digits of the region code."""
    code = region.code[:6]
    return code if code.isdigit() else "500000"


def allocate_numbers(prefix: str, count: int) -> list[str]:
    """`count` new volunteer numbers under `prefix`, never handed out twice (row lock)."""
    with transaction.atomic():
        seq = NumberSequence.objects.select_for_update().filter(prefix=prefix).first()
        if seq is None:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(prefix=prefix)
            except IntegrityError:
                pass  # created meanwhile by another registration
            seq = NumberSequence.objects.select_for_update().get(prefix=prefix)
        first = seq.last + 1
        seq.last += count
        seq.save(update_fields=["last"])
    return [f"{prefix}{n:07d}" for n in range(first, first + count)]


# --- identity checks (shared with the roster import) ------------------------------------------------


def check_identity(id_number: str, birth_date: datetime.date | None, gender: str | None) -> list[tuple[str, str]]:
    """Problems with an ID number and its agreement with the birth date and gender, as (field, message)."""
    try:
        id_birth, id_gender = pii.parse_resident_id(id_number)
    except pii.InvalidResidentId as exc:
        return [("id_number", str(exc))]
    problems = []
    if birth_date is not None and birth_date != id_birth:
        problems.append(("birth_date", _("出生日期与身份证号码不一致（身份证为 %(d)s）") % {"d": id_birth.isoformat()}))
    if gender and gender != id_gender:
        problems.append(("gender", _("性别与身份证号码不一致（身份证为%(g)s）") % {"g": Gender(id_gender).label}))
    return problems


def check_mobile(phone: str) -> str:
    """The phone as 11 digits, or ValueError with a message."""
    digits = pii.normalize_phone(phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not MOBILE.match(digits):
        raise ValueError(_("应为 11 位手机号码"))
    return digits


def is_minor(birth_date: datetime.date, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return years < ADULT_AGE


def _validate_person(*, id_number, birth_date, gender, phone, guardian_name, guardian_phone, guardian_consent,
                     registered_on) -> tuple[str, str, str]:
    """Raise ValidationError naming each bad field; return (id, phone, guardian phone) normalized."""
    errors: dict[str, list[str]] = defaultdict(list)
    for field, message in check_identity(id_number, birth_date, gender):
        errors[field].append(message)
    try:
        phone = check_mobile(phone)
    except ValueError as exc:
        errors["phone"].append(str(exc))
    if birth_date and is_minor(birth_date, registered_on):
        if not guardian_name.strip():
            errors["guardian_name"].append(_("未满 18 周岁的志愿者须填写监护人姓名"))
        if not guardian_phone:
            errors["guardian_phone"].append(_("未满 18 周岁的志愿者须填写监护人电话"))
        if not guardian_consent:
            errors["guardian_consent"].append(_("未满 18 周岁的志愿者须经监护人同意"))
    if guardian_phone:
        try:
            guardian_phone = check_mobile(guardian_phone)
        except ValueError as exc:
            errors["guardian_phone"].append(str(exc))
    if errors:
        raise ValidationError(dict(errors))
    return pii.normalize_id(id_number), phone, guardian_phone


def _duplicate_id_error(id_hash: str) -> ValidationError:
    existing = Volunteer.objects.filter(id_hash=id_hash).values_list("number", flat=True).first()
    return ValidationError({"id_number": _("该身份证号码已登记为志愿者（编号 %(n)s）") % {"n": existing or "?"}})


# --- volunteers ------------------------------------------------------------------------------------


def _check_volunteer_place(actor, region, unit, teams=()) -> None:
    """Volunteers are registered or moved only where the actor works: their region subtree, their
    unit's region (liaisons), or the region of a team they manage."""
    from kepu.accounts.models import Role
    from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of

    if actor is None:
        return
    scope = scope_of(actor)
    if scope.platform_admin or scope.covers_path(region.path, REGION_WRITE_ROLES):
        return
    if unit is not None and unit.pk in scope.unit_ids({Role.UNIT_LIAISON}) and region.path.startswith(unit.region.path):
        return
    if any(manages_team(actor, t) and region.path.startswith(t.region_path) for t in teams):
        return
    raise PermissionDenied


@transaction.atomic
def volunteer_register(*, actor, name: str, gender: str, birth_date, id_number: str, phone: str, region, unit=None,
                       skills: str = "", education: str = "", guardian_name: str = "", guardian_phone: str = "",
                       guardian_consent: bool = False, user=None, registered_on=None, teams: Iterable[Team] = (),
                       is_demo: bool = False) -> Volunteer:
    """Register a volunteer: checked, numbers encrypted, a volunteer number handed out."""
    teams = list(teams)
    if user is None or actor != user:
        volunteer_policy.check(actor, "create")
        _check_volunteer_place(actor, region, unit, teams)
    registered_on = registered_on or timezone.localdate()
    if registered_on > timezone.localdate():
        raise ValidationError({"registered_on": _("注册日期不能晚于今天。")})
    if birth_date and registered_on < birth_date:
        raise ValidationError({"registered_on": _("注册日期不能早于出生日期。")})
    id_number, phone, guardian_phone = _validate_person(
        id_number=id_number, birth_date=birth_date, gender=gender, phone=phone, guardian_name=guardian_name,
        guardian_phone=guardian_phone, guardian_consent=guardian_consent, registered_on=registered_on)
    id_hash = pii.lookup_hash(id_number)
    if Volunteer.objects.filter(id_hash=id_hash).exists():
        raise _duplicate_id_error(id_hash)
    minor = is_minor(birth_date, registered_on)
    volunteer = Volunteer(
        number=allocate_numbers(number_prefix(region), 1)[0], name=name.strip(), gender=gender,
        birth_date=birth_date, id_encrypted=pii.encrypt(id_number), id_hash=id_hash, id_masked=pii.mask_id(id_number),
        phone_encrypted=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone), phone_masked=pii.mask_phone(phone),
        skills=skills.strip(), education=education, region=region, region_path=region.path, unit=unit, user=user,
        guardian_name=guardian_name.strip(), guardian_phone_encrypted=pii.encrypt(guardian_phone),
        guardian_phone_masked=pii.mask_phone(guardian_phone) if guardian_phone else "",
        guardian_consent_on=registered_on if (minor and guardian_consent) else None,
        registered_on=registered_on, is_demo=is_demo,
    )
    volunteer.full_clean(exclude=["id_encrypted", "phone_encrypted", "id_hash", "number", "user"])
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        raise _duplicate_id_error(id_hash) from None
    for team in teams:
        membership_add(actor=actor, team=team, volunteer=volunteer)
    log_action(actor=actor, action="volunteer.registered", obj=volunteer,
               changes={"number": volunteer.number, "region": region.code, "self": user is not None and actor == user})
    return volunteer


VOLUNTEER_FIELDS = ("name", "gender", "birth_date", "skills", "education", "region", "unit", "guardian_name")


@transaction.atomic
def volunteer_update(*, actor, volunteer: Volunteer, unchanged_since=None, id_number: str | None = None,
                     phone: str | None = None, guardian_phone: str | None = None, guardian_consent: bool | None = None,
                     **fields) -> Volunteer:
    """Change a volunteer's record; the ID must still agree with the birth date and gender."""
    unknown = set(fields) - set(VOLUNTEER_FIELDS)
    if unknown:
        raise TypeError(f"volunteer_update does not take {sorted(unknown)}")
    if not (actor is not None and volunteer.user_id == actor.pk):
        volunteer_policy.check(actor, "change", volunteer)
        if "region" in fields or "unit" in fields:
            _check_volunteer_place(actor, fields.get("region", volunteer.region), fields.get("unit", volunteer.unit))
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    check_unchanged(volunteer, unchanged_since)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    changes = apply_changes(volunteer, fields)
    current_id = id_number if id_number is not None else pii.decrypt(volunteer.id_encrypted)
    current_phone = phone if phone is not None else pii.decrypt(volunteer.phone_encrypted)
    stored_guardian = pii.decrypt(volunteer.guardian_phone_encrypted)
    current_guardian = guardian_phone if guardian_phone is not None else stored_guardian
    consent = guardian_consent if guardian_consent is not None else volunteer.guardian_consent_on is not None
    new_id, new_phone, new_guardian = _validate_person(
        id_number=current_id, birth_date=volunteer.birth_date, gender=volunteer.gender, phone=current_phone,
        guardian_name=volunteer.guardian_name, guardian_phone=current_guardian, guardian_consent=consent,
        registered_on=volunteer.registered_on)
    if id_number is not None and pii.lookup_hash(new_id) != volunteer.id_hash:
        id_hash = pii.lookup_hash(new_id)
        if Volunteer.objects.filter(id_hash=id_hash).exclude(pk=volunteer.pk).exists():
            raise _duplicate_id_error(id_hash)
        volunteer.id_encrypted, volunteer.id_hash, volunteer.id_masked = (
            pii.encrypt(new_id), id_hash, pii.mask_id(new_id))
        changes["id_number"] = ["***", "***"]  # the audit log never holds the numbers
    if phone is not None and pii.lookup_hash(new_phone) != volunteer.phone_hash:
        volunteer.phone_encrypted, volunteer.phone_hash, volunteer.phone_masked = (
            pii.encrypt(new_phone), pii.lookup_hash(new_phone), pii.mask_phone(new_phone))
        changes["phone"] = ["***", volunteer.phone_masked]
    if guardian_phone is not None and new_guardian != stored_guardian:
        volunteer.guardian_phone_encrypted = pii.encrypt(new_guardian)
        volunteer.guardian_phone_masked = pii.mask_phone(new_guardian) if new_guardian else ""
        changes["guardian_phone"] = ["***", volunteer.guardian_phone_masked]
    if guardian_consent is not None and consent != (volunteer.guardian_consent_on is not None):
        volunteer.guardian_consent_on = timezone.localdate() if consent else None
        changes["guardian_consent"] = [not consent, consent]
    if "region" in changes:
        volunteer.region_path = volunteer.region.path
    if changes:
        volunteer.full_clean(exclude=["id_encrypted", "phone_encrypted", "id_hash", "number", "user"])
        volunteer.save()
        log_action(actor=actor, action="volunteer.updated", obj=volunteer, changes=changes)
    return volunteer


@transaction.atomic
def volunteer_leave(*, actor, volunteer: Volunteer, on=None) -> Volunteer:
    """Deregister (注销): the record and its hours stay; the volunteer no longer counts as registered."""
    if not (actor is not None and volunteer.user_id == actor.pk):
        volunteer_policy.check(actor, "leave", volunteer)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.left_on is not None:
        raise KepuError(_("该志愿者已注销。"), code="already_left")
    on = on or timezone.localdate()
    if on < volunteer.registered_on:
        raise ValidationError({"left_on": _("注销日期不能早于注册日期。")})
    volunteer.left_on = on
    volunteer.save(update_fields=["left_on", "updated_at"])
    log_action(actor=actor, action="volunteer.left", obj=volunteer, changes={"left_on": on.isoformat()})
    return volunteer


def volunteer_reveal(*, actor, volunteer: Volunteer) -> dict[str, str]:
    """The full ID and phone numbers, for someone allowed to see them; every look is audited."""
    volunteer_policy.check(actor, "view_pii", volunteer)
    log_action(actor=actor, action="volunteer.pii_viewed", obj=volunteer)
    return {
        "id_number": pii.decrypt(volunteer.id_encrypted),
        "phone": pii.decrypt(volunteer.phone_encrypted),
        "guardian_phone": pii.decrypt(volunteer.guardian_phone_encrypted),
    }


def find_by_id_number(id_number: str):
    """The volunteer with this ID number, found by its keyed hash (never by scanning plaintext)."""
    return Volunteer.objects.filter(id_hash=pii.lookup_hash(pii.normalize_id(id_number))).first()


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
    duty = Duty.objects.select_for_update().select_related("activity", "volunteer", "team").get(pk=duty.pk)
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
    qs = Duty.objects.select_for_update().filter(activity=activity, record__isnull=True).select_related(
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


# --- 你点我送 requests --------------------------------------------------------------------------------


@transaction.atomic
def request_create(*, actor, topic: str, audience: str, requester_name: str, contact_name: str, contact_phone: str,
                   region, place: str, window_start, window_end, expected_size: int, description: str = "",
                   requester_unit=None, target_group=None, created_at=None, is_demo: bool = False) -> ServiceRequest:
    """Post a need for teams in scope to claim."""
    request_policy.check(actor, "create")
    if actor is not None:
        from kepu.accounts.scope import scope_of

        from .policies import REQUEST_POSTER_ROLES

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

    request = ServiceRequest.objects.select_for_update().select_related("team", "activity").get(pk=request.pk)
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

