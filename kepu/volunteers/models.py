"""科技志愿服务: real-name volunteers, teams, service records and hours, star levels, 你点我送 requests.

ID and phone numbers are stored encrypted (core.pii) with a keyed hash for uniqueness and lookup
and a masked copy for display; the full values are read only through services that check the
`pii_viewer` role and write an audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class NumberSequence(models.Model):
    """The last serial handed out under a prefix (volunteer numbers: district code + serial)."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class Volunteer(models.Model):
    """A registered 科技志愿者, real-name as the volunteer-service rules require."""

    number = models.CharField(_("志愿者编号"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_encrypted = models.TextField(editable=False)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    phone_encrypted = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, editable=False, db_index=True)
    phone_masked = models.CharField(_("手机号码"), max_length=11, editable=False)
    skills = models.CharField(_("专业特长"), max_length=200, blank=True)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT,
                               related_name="volunteers")
    # The region's path, copied at save: subtree filters and measures read one table.
    region_path = models.CharField(max_length=255, editable=False)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("所在单位"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="volunteers")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="volunteer")
    # Minors (under 18 at registration): a guardian's name, phone and consent.
    guardian_name = models.CharField(_("监护人姓名"), max_length=50, blank=True)
    guardian_phone_encrypted = models.TextField(blank=True, editable=False)
    guardian_phone_masked = models.CharField(_("监护人电话"), max_length=11, blank=True, editable=False)
    guardian_consent_on = models.DateField(_("监护人同意日期"), null=True, blank=True)
    registered_on = models.DateField(_("注册日期"))
    left_on = models.DateField(_("注销日期"), null=True, blank=True)
    # Sum of verified service hours and the star level it earns: moved only by services, on a
    # locked row, whenever a record is verified, changed or withdrawn.
    hours = models.DecimalField(_("累计服务时长"), max_digits=9, decimal_places=1, default=0, editable=False)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0, editable=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科技志愿者")
        verbose_name_plural = _("科技志愿者")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(left_on__gte=F("registered_on")),
                                   name="volunteer_left_after_registered"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="volunteer_hours_not_negative"),
        ]
        indexes = [
            models.Index(fields=["region_path", "registered_on"], name="volunteer_region_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            models.Index(fields=["-registered_on", "-id"], name="volunteer_registered_idx"),
            models.Index(fields=["unit"], name="volunteer_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def audit_scope_path(self) -> str:
        return self.region_path

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def age_on(self, day) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Team(models.Model):
    """A 科技志愿服务队 of a unit, in a region; teams may nest (a district team and its branches)."""

    name = models.CharField(_("服务队名称"), max_length=100)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT,
                               related_name="volunteer_teams")
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("依托单位"), on_delete=models.PROTECT,
                             related_name="volunteer_teams")
    parent = models.ForeignKey("self", verbose_name=_("上级服务队"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    fields = models.CharField(_("服务领域"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("解散日期"), null=True, blank=True)
    members = models.ManyToManyField(Volunteer, through="Membership", related_name="teams")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科技志愿服务队")
        verbose_name_plural = _("科技志愿服务队")
        ordering = ["region_path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="team_name_unique_in_region")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_scope_path(self) -> str:
        return self.region_path


class Membership(models.Model):
    """A volunteer in a team (a person may be in several); leaders manage members and records."""

    class Role(models.TextChoices):
        LEADER = "leader", _("队长")
        MEMBER = "member", _("队员")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("职务"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("加入日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务队成员")
        verbose_name_plural = _("服务队成员")
        ordering = ["team", "-role", "joined_on", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="membership_unique")]
        indexes = [models.Index(fields=["volunteer", "team"], name="membership_volunteer_idx")]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer.name} · {self.get_role_display()}"

    @property
    def audit_scope_path(self) -> str:
        return self.team.region_path


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    VERIFIED = "verified", _("已认定")
    REJECTED = "rejected", _("已驳回")


class RecordSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("批量导入")
    CHECKIN = "checkin", _("活动签到")
    CLAIM = "claim", _("志愿者申报")
    REQUEST = "request", _("你点我送")


class Quality(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("合格")
    POOR = "poor", _("不合格")


class ServiceRecord(models.Model):
    """Hours one volunteer served, on an activity or a project: counted once verified."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    team = models.ForeignKey(Team, verbose_name=_("服务队"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="records")
    activity = models.ForeignKey("activities.Activity", verbose_name=_("科普活动"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="service_records")
    request = models.ForeignKey("ServiceRequest", verbose_name=_("服务需求"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="records")
    project = models.CharField(_("服务项目"), max_length=200, blank=True)
    date = models.DateField(_("服务日期"))
    place = models.CharField(_("服务地点"), max_length=200, blank=True)
    content = models.CharField(_("服务内容"), max_length=500)
    # Actual service time, travel excluded.
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=4, decimal_places=1)
    served_people = models.PositiveIntegerField(_("服务人数"), default=0)
    quality = models.CharField(_("服务评价"), max_length=10, choices=Quality.choices, blank=True)
    # Where the service was given (the activity's region, else the team's, else the volunteer's).
    region = models.ForeignKey("regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT,
                               related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    source = models.CharField(_("来源"), max_length=10, choices=RecordSource.choices, default=RecordSource.MANUAL)
    status = models.CharField(_("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("认定人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="record_hours_range"),
            # An activity's hours are credited to a volunteer once.
            models.UniqueConstraint(fields=["volunteer", "activity"],
                                    condition=Q(activity__isnull=False) & ~Q(status="rejected"),
                                    name="record_once_per_activity"),
        ]
        indexes = [
            models.Index(fields=["region_path", "date"], name="record_region_date_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            # The yearly measures read verified records by date from this index alone.
            models.Index(fields=["date", "region_path"], include=["hours", "volunteer"],
                         condition=Q(status="verified"), name="record_verified_date_idx"),
            models.Index(fields=["volunteer", "date"], name="record_volunteer_idx"),
            models.Index(fields=["team", "status", "date"], name="record_team_idx"),
            models.Index(fields=["-date", "-id"], name="record_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.name} · {self.date} · {self.hours}h"

    @property
    def audit_scope_path(self) -> str:
        return self.region_path


class StarChange(models.Model):
    """A volunteer's star level moved (up when hours are verified, down when a record is withdrawn)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="star_changes")
    old_stars = models.PositiveSmallIntegerField()
    new_stars = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=9, decimal_places=1)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer.name}: {self.old_stars} → {self.new_stars}"


class Duty(models.Model):
    """A volunteer on the staff of a 科技志愿服务活动: check-in and check-out give the hours."""

    activity = models.ForeignKey("activities.Activity", on_delete=models.CASCADE, related_name="volunteer_duties")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="duties")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="duties")
    task = models.CharField(_("岗位"), max_length=100, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    record = models.OneToOneField(ServiceRecord, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="duty")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动志愿者")
        verbose_name_plural = _("活动志愿者")
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="duty_once_per_activity"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="duty_out_after_in"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer.name}"

    @property
    def audit_scope_path(self) -> str:
        return self.activity.region_path


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class ServiceRequest(models.Model):
    """你点我送: a community, school or unit asks for a service; a team in scope claims and delivers it."""

    topic = models.CharField(_("需求主题"), max_length=200)
    description = models.TextField(_("需求说明"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=100)
    target_group = models.ForeignKey("activities.TargetGroup", verbose_name=_("目标人群"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requester_unit = models.ForeignKey("orgs.Unit", verbose_name=_("需求单位"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="service_requests")
    requester_name = models.CharField(_("需求方"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone_encrypted = models.TextField(editable=False)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=11, editable=False)
    region = models.ForeignKey("regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT,
                               related_name="service_requests")
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    place = models.CharField(_("服务地点"), max_length=200)
    window_start = models.DateField(_("期望开始日期"))
    window_end = models.DateField(_("期望结束日期"))
    expected_size = models.PositiveIntegerField(_("预计人数"))
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    team = models.ForeignKey(Team, verbose_name=_("认领服务队"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="requests")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    activity = models.OneToOneField("activities.Activity", verbose_name=_("服务活动"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="service_request")
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("发布时间"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务需求")
        verbose_name_plural = _("服务需求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gte=F("window_start")), name="request_window_order"),
            models.CheckConstraint(condition=Q(status="open") | Q(status="cancelled") | Q(team__isnull=False),
                                   name="request_claimed_has_team"),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def audit_scope_path(self) -> str:
        return self.region_path

    @property
    def response_hours(self) -> float | None:
        if self.claimed_at is None:
            return None
        return (self.claimed_at - self.created_at).total_seconds() / 3600

    @property
    def completion_hours(self) -> float | None:
        if self.fulfilled_at is None:
            return None
        return (self.fulfilled_at - self.created_at).total_seconds() / 3600


class Certificate(models.Model):
    """A certificate of service hours issued to a volunteer (志愿服务时长证明): the figures as issued."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    serial = models.CharField(_("证明编号"), max_length=40, unique=True, editable=False)
    issuer_name = models.CharField(_("出具单位"), max_length=100)
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=9, decimal_places=1)
    records = models.PositiveIntegerField(_("服务次数"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务时长证明")
        verbose_name_plural = _("服务时长证明")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.serial

    @property
    def audit_scope_path(self) -> str:
        return self.volunteer.region_path
