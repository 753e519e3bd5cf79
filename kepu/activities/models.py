from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ThemeDay(models.Model):
    """A 主题日 (世界水日, 全国科普日, 科技活动周 ...): fixed each year, or set per year by an admin."""

    class Span(models.TextChoices):
        DAY = "day", _("日")
        WEEK = "week", _("周")
        MONTH = "month", _("月")
        PERIOD = "period", _("时段")

    name = models.CharField(_("名称"), max_length=50, unique=True)
    span = models.CharField(_("时长"), max_length=8, choices=Span.choices, default=Span.DAY)
    # "03-22" for a fixed day, "06" for a whole month, "" when it moves from year to year.
    month_day = models.CharField(_("固定日期"), max_length=5, blank=True)
    rule = models.CharField(_("规则"), max_length=100, blank=True)
    source = models.CharField(_("依据"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("主题日")
        verbose_name_plural = _("主题日")
        ordering = ["month_day", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_variable(self) -> bool:
        return not self.month_day


class ThemeDayDate(models.Model):
    """When a variable theme day (科技活动周, 全国科普日 ...) falls in a given year."""

    theme_day = models.ForeignKey(ThemeDay, on_delete=models.CASCADE, related_name="dates")
    year = models.PositiveSmallIntegerField(_("年度"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("主题日日期")
        verbose_name_plural = _("主题日日期")
        constraints = [
            models.UniqueConstraint(fields=["theme_day", "year"], name="theme_day_year_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="theme_day_date_order"),
        ]

    def __str__(self) -> str:
        return f"{self.theme_day} {self.year}: {self.start}–{self.end}"


class TargetGroup(models.Model):
    """The five key groups of the literacy plan (青少年, 农民 ...) and the general public."""

    key = models.SlugField(max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    is_key_group = models.BooleanField(_("重点人群"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("目标人群")
        verbose_name_plural = _("目标人群")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class ActivityKind(models.TextChoices):
    LECTURE = "lecture", _("讲座")
    EXHIBITION = "exhibition", _("展览")
    CONTEST = "contest", _("竞赛")
    SCIENCE_CARAVAN = "science_caravan", _("科普大篷车")
    MOBILE_MUSEUM = "mobile_museum", _("流动科技馆巡展")
    VOLUNTEER_SERVICE = "volunteer_service", _("志愿服务")
    OPEN_DAY = "open_day", _("开放日")
    TRAINING = "training", _("培训")
    HEALTH_CONSULTATION = "health_consultation", _("健康咨询")
    PERFORMANCE = "performance", _("科普展演")
    ONLINE = "online", _("线上活动")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")
    FINISHED = "finished", _("已结束")
    REPORTED = "reported", _("已报送")


class Activity(models.Model):
    """A science-popularization activity, from plan to reported audience."""

    title = models.CharField(_("活动名称"), max_length=200)
    description = models.TextField(_("活动简介"), blank=True)
    kind = models.CharField(_("活动形式"), max_length=24, choices=ActivityKind.choices)
    theme_days = models.ManyToManyField(ThemeDay, verbose_name=_("主题日"), blank=True, related_name="activities")
    target_groups = models.ManyToManyField(TargetGroup, verbose_name=_("目标人群"), blank=True, related_name="activities")
    organizer = models.ForeignKey("orgs.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT,
                                  related_name="organized_activities")
    co_organizers = models.ManyToManyField("orgs.Unit", verbose_name=_("协办单位"), blank=True,
                                           related_name="co_organized_activities")
    region = models.ForeignKey("regions.Region", verbose_name=_("活动区域"), on_delete=models.PROTECT,
                               related_name="activities")
    # The region's path, copied at save (regions do not move): subtree filters and the coverage
    # measure then read one table.
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    venue = models.CharField(_("活动地点"), max_length=200, blank=True)
    online_url = models.URLField(_("线上链接"), blank=True)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    registration_required = models.BooleanField(_("需要报名"), default=False)
    is_volunteer_service = models.BooleanField(_("科技志愿服务活动"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    # Seats taken by confirmed registrations: moved only by a conditional UPDATE (services).
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科普活动")
        verbose_name_plural = _("科普活动")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="activity_end_after_start"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(confirmed_count__lte=F("capacity")),
                name="activity_within_capacity",
            ),
        ]
        indexes = [
            models.Index(fields=["region_path", "start"], name="activity_region_start_idx",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops"]),
            models.Index(fields=["status", "start"], name="activity_status_start_idx"),
            # One region's activities of a status in a year (the measures for a scorecard): SQLite
            # reads the status index for the whole city otherwise.
            models.Index(fields=["status", "region_path", "start"], name="activity_status_region_idx",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "timestamptz_ops"]),
            # The newest-first staff list over everything a city admin sees.
            models.Index(fields=["-start", "-id"], name="activity_start_idx"),
            models.Index(fields=["organizer", "start"], name="activity_organizer_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_scope_path(self) -> str:
        return self.region_path

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.confirmed_count)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Registration(models.Model):
    """A person's registration for an activity; phone stored encrypted, found by keyed hash."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("姓名"), max_length=50)
    phone_encrypted = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, editable=False, db_index=True)
    phone_masked = models.CharField(_("手机号码"), max_length=11, editable=False)
    group = models.ForeignKey(TargetGroup, verbose_name=_("人群"), null=True, blank=True, on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="registrations")
    status = models.CharField(_("状态"), max_length=12, choices=RegistrationStatus.choices)
    token = models.CharField(max_length=43, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "phone_hash"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="registration_one_per_phone",
            ),
        ]
        indexes = [models.Index(fields=["activity", "status", "created_at"], name="registration_queue_idx")]

    def __str__(self) -> str:
        return f"{self.name} · {self.activity}"

    @property
    def audit_scope_path(self) -> str:
        return self.activity.region_path


class CheckIn(models.Model):
    """One attendance: a registration checked in (once), or a count of walk-ins."""

    class Method(models.TextChoices):
        SCAN = "scan", _("扫码")
        TOKEN = "token", _("输入凭证")
        SEARCH = "search", _("姓名/手机号查找")
        WALK_IN = "walk_in", _("现场登记")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="checkins")
    registration = models.OneToOneField(Registration, null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="checkin")
    method = models.CharField(max_length=10, choices=Method.choices)
    # Walk-ins are counted, not named: one row may stand for several people of one group.
    people = models.PositiveIntegerField(default=1)
    group = models.ForeignKey(TargetGroup, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [
            models.CheckConstraint(
                condition=Q(method="walk_in", registration__isnull=True) | (~Q(method="walk_in") & Q(registration__isnull=False, people=1)),
                name="checkin_registration_or_walk_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.get_method_display()} · {self.people}"


class ParticipationReport(models.Model):
    """The organizer's account of who came: person-times by group, evidence, a narrative."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="report")
    narrative = models.TextField(_("活动总结"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Sum of the counts below, kept here for the measures (one column to add up).
    person_times = models.PositiveIntegerField(_("参与人次"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    return_comment = models.TextField(_("退回意见"), blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("参与情况报告")
        verbose_name_plural = _("参与情况报告")

    def __str__(self) -> str:
        return f"{self.activity} · {self.person_times}"

    @property
    def audit_scope_path(self) -> str:
        return self.activity.region_path


class ReportCount(models.Model):
    """Person-times of one target group: checked-in registrations, walk-ins, online views."""

    report = models.ForeignKey(ParticipationReport, on_delete=models.CASCADE, related_name="counts")
    group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT)
    registered = models.PositiveIntegerField(_("报名签到"), default=0)
    walk_ins = models.PositiveIntegerField(_("现场参与"), default=0)
    online = models.PositiveIntegerField(_("线上观看"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "group"], name="report_count_group_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.total}"

    @property
    def total(self) -> int:
        return self.registered + self.walk_ins + self.online


def evidence_path(instance, filename: str) -> str:
    activity = instance.report.activity
    return f"activities/{activity.start:%Y}/{activity.pk}/{instance.stored_name}"


class Evidence(models.Model):
    """A photo or document behind a report; type checked from the content."""

    report = models.ForeignKey(ParticipationReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    stored_name = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
