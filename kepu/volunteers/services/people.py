"""Volunteers: registration with identity checks, volunteer numbers, hours and star levels.

Hours and stars live on the volunteer row and move only in `credit_hours`, which locks the rows (in id
order, so two verifiers never deadlock) before adding the change: concurrent verifications of one
volunteer's records never lose an hour.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
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
from kepu.core.errors import KepuError

from ..models import (
    Gender,
    NumberSequence,
    RecordStatus,
    ServiceRecord,
    StarChange,
    Team,
    Volunteer,
)
from ..policies import manages_team, volunteer_policy
from .teams import membership_add

MOBILE = re.compile(r"^1[3-9]\d{9}$")
ADULT_AGE = 18


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
