"""Village science officers (村级科普员): a `village_officer` role assignment over a village or community.

An officer is an account (found by phone number, else created with no usable password: the officer
signs in after setting one through the usual password reset, or a staff member sets it)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kepu.accounts.models import Role, RoleAssignment, User, phone_validator
from kepu.accounts.services import role_grant, role_revoke, user_create
from kepu.regions.models import Level, Region


def officers_of(villages) -> dict[int, list[RoleAssignment]]:
    """The officer assignments of the given villages, by village id."""
    out: dict[int, list[RoleAssignment]] = {}
    for a in (RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region__in=villages)
              .select_related("user").order_by("user__display_name", "pk")):
        out.setdefault(a.region_id, []).append(a)
    return out


@transaction.atomic
def village_officer_appoint(*, actor, village: Region, name: str, phone: str, is_demo: bool = False) -> RoleAssignment:
    """Make the person with this phone number (a new account if there is none) an officer of the village."""
    if village.level != Level.VILLAGE:
        raise ValidationError({"region": _("村级科普员须配备到村（社区）。")})
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    try:
        phone_validator(phone)
    except ValidationError:
        raise ValidationError({"phone": _("请输入 11 位中国大陆手机号码。")}) from None
    user = User.objects.filter(phone=phone).first()
    if user is None:
        try:
            with transaction.atomic():
                # The login name must not carry the phone number (it is written to the audit log).
                user = user_create(actor=actor, username=f"officer-{secrets.token_hex(5)}", password=None, display_name=name,
                                   phone=phone, is_demo=is_demo)
        except (IntegrityError, ValidationError):
            # Someone appointed the same person at the same moment: use the account they created.
            user = User.objects.filter(phone=phone).first()
            if user is None:
                raise
    return role_grant(actor=actor, user=user, role=Role.VILLAGE_OFFICER, region=village)


def village_officer_remove(*, actor, assignment: RoleAssignment) -> None:
    if assignment.role != Role.VILLAGE_OFFICER:
        raise ValidationError({"role": _("这不是村级科普员的授权。")})
    role_revoke(actor=actor, assignment=assignment)
