from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(r"^1[3-9][0-9]{9}$", _("请输入 11 位中国大陆手机号码。"))


class User(AbstractUser):
    """Staff log in with a username; citizens may also log in with their phone number."""

    phone = models.CharField(
        _("手机号码"), max_length=11, null=True, blank=True, unique=True, validators=[phone_validator]
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_demo = models.BooleanField(_("演示账户"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def audit_scope_path(self) -> str:
        return ""


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    REGION_ADMIN = "region_admin", _("区域管理员")
    UNIT_LIAISON = "unit_liaison", _("单位联络员")
    REVIEWER = "reviewer", _("审核员")
    EXPERT = "expert", _("专家")
    TEAM_LEADER = "team_leader", _("志愿服务队队长")
    VILLAGE_OFFICER = "village_officer", _("村级科普员")
    # May see and export personal data (full ID and phone numbers) in a region subtree; audited.
    PII_VIEWER = "pii_viewer", _("个人信息查阅")
    CITIZEN = "citizen", _("公众")


class RoleAssignment(models.Model):
    """A role over a region subtree or over one unit (platform admins: over everything)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_assignment_target",
                condition=(
                    models.Q(role="platform_admin", region__isnull=True, unit__isnull=True)
                    | (
                        ~models.Q(role="platform_admin")
                        & (
                            models.Q(region__isnull=False, unit__isnull=True)
                            | models.Q(region__isnull=True, unit__isnull=False)
                        )
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(region__isnull=False),
                name="role_assignment_region_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=models.Q(unit__isnull=False),
                name="role_assignment_unit_unique",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role="platform_admin"),
                name="role_assignment_platform_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.target}"

    @property
    def target(self):
        return self.region or self.unit or _("全平台")

    @property
    def audit_scope_path(self) -> str:
        if self.region_id:
            return self.region.path
        if self.unit_id:
            return self.unit.region.path
        return ""


class LoginThrottle(models.Model):
    """Failed logins per login name, for the lockout after repeated failures."""

    identifier = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.identifier}: {self.failures}"
