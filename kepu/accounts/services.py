"""Accounts: users, role assignments, and the login lockout."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.audit import log_action
from kepu.core.errors import Conflict

from .models import LoginThrottle, Role, RoleAssignment, User
from .policies import role_assignment_policy
from .scope import forget_scope
from .selectors import user_by_login
from .tasks import notify_login_locked


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, display_name: str = "",
                phone: str | None = None, email: str = "", is_demo: bool = False) -> User:
    """Create an account; staff log in by username, citizens also by phone."""
    user = User(username=username.strip(), display_name=display_name, phone=phone or None,
                email=email, is_demo=is_demo)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    log_action(actor=actor, action="user.created", obj=user, changes={"username": user.username})
    return user


@transaction.atomic
def role_grant(*, actor, user: User, role: str, region=None, unit=None) -> RoleAssignment:
    """Give a user a role over a region subtree or a unit."""
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色“%(role)s”。") % {"role": role}})
    if role == Role.PLATFORM_ADMIN and (region or unit):
        raise ValidationError({"role": _("平台管理员不限定区域或单位。")})
    if role != Role.PLATFORM_ADMIN and bool(region) == bool(unit):
        raise ValidationError({"region": _("请指定一个区域或一个单位（二选一）。")})
    assignment = RoleAssignment(user=user, role=role, region=region, unit=unit,
                                granted_by=actor if actor is not None and actor.is_authenticated else None)
    role_assignment_policy.check(actor, "grant", assignment)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise Conflict(_("该用户已拥有此授权。"), code="duplicate") from exc
    log_action(actor=actor, action="role.granted", obj=assignment,
               changes={"user": user.username, "role": role,
                        "region": region.code if region else None, "unit": unit.pk if unit else None})
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role assignment away."""
    role_assignment_policy.check(actor, "revoke", assignment)
    log_action(actor=actor, action="role.revoked", obj=assignment,
               changes={"user": assignment.user.username, "role": assignment.role})
    assignment.delete()
    forget_scope(assignment.user)


# --- login lockout ------------------------------------------------------------------------------


def _identifier(login: str) -> str:
    return login.strip().lower()[:150]


def login_locked_until(login: str):
    """When the login name is locked, until when; otherwise None."""
    row = LoginThrottle.objects.filter(identifier=_identifier(login)).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def login_attempt(*, request, login: str, password: str) -> User:
    """Authenticate, counting failures per login name; raise ValidationError when refused."""
    locked = login_locked_until(login)
    if locked:
        minutes = max(1, int((locked - timezone.now()).total_seconds() // 60) + 1)
        raise ValidationError(
            _("登录失败次数过多，账户已临时锁定，请 %(minutes)d 分钟后再试。") % {"minutes": minutes},
            code="locked",
        )
    user = authenticate(request, username=login, password=password)
    if user is None:
        _record_failure(login)
        raise ValidationError(_("用户名（或手机号）或密码不正确。"), code="invalid_login")
    LoginThrottle.objects.filter(identifier=_identifier(login)).delete()
    return user


def _record_failure(login: str) -> None:
    now = timezone.now()
    window = timedelta(minutes=settings.KEPU_LOGIN_LOCK_MINUTES)
    ident = _identifier(login)
    with transaction.atomic():
        row, _created = LoginThrottle.objects.get_or_create(identifier=ident, defaults={"first_failure_at": now})
        if row.first_failure_at is None or row.first_failure_at < now - window:
            LoginThrottle.objects.filter(pk=row.pk).update(failures=1, first_failure_at=now, locked_until=None)
            return
        LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
        row.refresh_from_db()
        if row.failures >= settings.KEPU_LOGIN_MAX_FAILURES and row.locked_until is None:
            LoginThrottle.objects.filter(pk=row.pk).update(locked_until=now + window)
            user = user_by_login(login)
            log_action(actor=None, action="user.login_locked", obj=user, changes={"login": ident})
            if user is not None and user.email:
                minutes = settings.KEPU_LOGIN_LOCK_MINUTES
                transaction.on_commit(lambda: notify_login_locked.enqueue(user.pk, minutes))

