"""Indicator standards (trees with targets), assessments of a region, evidence and its review.

A standard is data (loaded from YAML, copied and adapted by other districts); an assessment applies
it to a region for a year. Values of measure indicators are computed from the records through the
measure registry; what no measure computes is entered by a responsible unit as a submission with
evidence files, and a region admin approves or returns it. Results are computed when they are shown
(`selectors.scorecard`); a snapshot freezes them when the self-assessment is submitted.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kepu.core.records import RegionRecord, StoredFile

year_validators = [MinValueValidator(1949), MaxValueValidator(2100)]


class Kind(models.TextChoices):
    GROUP = "group", _("指标组")
    EVIDENCE = "evidence", _("佐证材料")
    MEASURE = "measure", _("量化指标")
    VETO = "veto", _("一票否决")


class Recurrence(models.TextChoices):
    ONCE = "once", _("创建期内一次")
    YEARLY = "yearly", _("每年")


class Op(models.TextChoices):
    GE = ">=", "≥"
    GT = ">", ">"
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "==", "="
    NE = "!=", "≠"


class Standard(models.Model):
    """An indicator standard, e.g. 永川区创建 2021—2025 年度全国科普示范区任务分解表."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("发文单位"), max_length=100, blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    # The region whose admins keep the standard (None: a platform-wide standard).
    region = models.ForeignKey("regions.Region", verbose_name=_("所属区划"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    period_start = models.PositiveSmallIntegerField(_("起始年度"), validators=year_validators)
    period_end = models.PositiveSmallIntegerField(_("截止年度"), validators=year_validators)
    source_file = models.CharField(_("来源文件"), max_length=200, blank=True)
    # SHA-256 of the file it was last loaded from: loading the same file again changes nothing.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    based_on = models.ForeignKey("self", verbose_name=_("改编自"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="adaptations")
    # The measures the standard names, with its own wording: {key: {"text": ..., "unit": ...}}.
    # Keys that no registered measure computes are entered by the responsible units.
    measure_defs = models.JSONField(_("度量说明"), default=dict, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("指标标准")
        verbose_name_plural = _("指标标准")
        ordering = ["-period_end", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="standard_period_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_scope_path(self) -> str:
        return self.region.path if self.region_id else ""

    @property
    def years(self) -> range:
        return range(self.period_start, self.period_end + 1)


class Phase(models.Model):
    """A phase of the creation plan (筹备动员阶段 ...)."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("阶段"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("创建阶段")
        verbose_name_plural = _("创建阶段")
        ordering = ["standard", "order", "start"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """A node of a standard's tree: level-1 and level-2 groups, level-3 (or deeper) leaves."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=200, blank=True)
    text = models.TextField(_("内容"), blank=True)
    level = models.PositiveSmallIntegerField(_("层级"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.GROUP)
    # Unit names as the standard writes them; resolved to units per assessment (see services).
    lead_units = models.JSONField(_("牵头单位"), default=list, blank=True)
    responsible_units = models.JSONField(_("责任单位"), default=list, blank=True)
    recurrence = models.CharField(_("频次"), max_length=8, choices=Recurrence.choices, default=Recurrence.ONCE)
    weight = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    source_note = models.CharField(_("出处说明"), max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["standard", "order"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="indicator_standard_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name or self.text[:40]}"

    @property
    def is_leaf(self) -> bool:
        return self.kind != Kind.GROUP

    @property
    def title(self) -> str:
        return self.name or self.text

    @property
    def audit_scope_path(self) -> str:
        return self.standard.audit_scope_path


class Target(models.Model):
    """A measure target of a leaf indicator: `measure op value` (C3.2 has three)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    measure = models.CharField(_("度量"), max_length=64)
    op = models.CharField(_("比较"), max_length=2, choices=Op.choices)
    value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=6)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["indicator", "order"]
        constraints = [models.UniqueConstraint(fields=["indicator", "measure"], name="target_indicator_measure_unique")]

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.value.normalize()}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("自评中")
    SUBMITTED = "submitted", _("已提交自评")


class Assessment(RegionRecord):
    """A standard applied to a region for a year (year empty: the whole period of the standard)."""

    standard = models.ForeignKey(Standard, verbose_name=_("指标标准"), on_delete=models.PROTECT,
                                 related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True, validators=year_validators)
    status = models.CharField(_("状态"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The report's text: {"basic": 基本情况, "problems": 存在问题, "next_steps": 下一步工作, <level-1 code>: ...}
    narratives = models.JSONField(_("报告文字"), default=dict, blank=True)
    # Unit names of the standard that match no unit of the region: {indicator code: [names]}.
    unmatched_units = models.JSONField(default=dict, blank=True)
    # The last computed counts for lists: {"met": n, "total": n, "vetoed": bool, "by_status": {...}}.
    summary = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评估")
        verbose_name_plural = _("评估")
        ordering = ["-year", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "region", "year"], name="assessment_unique"),
            models.UniqueConstraint(fields=["standard", "region"], condition=Q(year__isnull=True),
                                    name="assessment_period_unique"),
        ]
        indexes = [models.Index(fields=["region_path", "year"], name="assessment_region_year_idx")]

    def __str__(self) -> str:
        return f"{self.region.name} {self.period_label} {self.standard.title}"

    @property
    def period_label(self) -> str:
        if self.year:
            return str(_("%(year)s 年度") % {"year": self.year})
        return f"{self.standard.period_start}—{self.standard.period_end}"

    @property
    def measure_year(self) -> int:
        """The year measures are computed for: the assessment's, or for the whole period its last
        year that has begun."""
        if self.year:
            return self.year
        from django.utils import timezone

        return max(self.standard.period_start, min(self.standard.period_end, timezone.localdate().year))


class Responsibility(models.Model):
    """A unit answerable for a leaf indicator in one assessment (lead or responsible)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responsibilities")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator", "unit"],
                                               name="responsibility_unique")]
        indexes = [models.Index(fields=["unit", "assessment"], name="responsibility_unit_idx")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit}"


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")


class Submission(models.Model):
    """Evidence (and, for a measure no record computes, a value) sent in for an indicator."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="submissions")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT,
                                  related_name="submissions")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("报送单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("度量"), max_length=64, blank=True)
    value = models.DecimalField(_("填报数值"), max_digits=18, decimal_places=6, null=True, blank=True)
    description = models.CharField(_("说明"), max_length=500)
    period_start = models.DateField(_("材料起始日期"), null=True, blank=True)
    period_end = models.DateField(_("材料截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("佐证报送")
        verbose_name_plural = _("佐证报送")
        ordering = ["assessment", "indicator__order", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(measure="") | Q(value__isnull=False), name="submission_value_given"),
            models.CheckConstraint(condition=Q(period_start__isnull=True) | Q(period_end__isnull=True)
                                   | Q(period_end__gte=models.F("period_start")), name="submission_period_order"),
        ]
        indexes = [models.Index(fields=["assessment", "status"], name="submission_status_idx")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.description[:40]}"

    @property
    def locked(self) -> bool:
        return self.status == SubmissionStatus.APPROVED

    @property
    def region(self):
        return self.assessment.region

    @property
    def audit_scope_path(self) -> str:
        return self.assessment.region_path


def evidence_file_path(instance, filename: str) -> str:
    """`indicators/<assessment id>/<indicator code>/<random name>`: the evidence archive's layout."""
    submission = instance.submission
    code = re.sub(r"[^0-9A-Za-z._-]", "_", submission.indicator.code)
    return f"indicators/{submission.assessment_id}/{code}/{instance.stored_name}"


class EvidenceFile(StoredFile):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=evidence_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    @property
    def region(self):
        return self.submission.assessment.region


class Snapshot(models.Model):
    """The scorecard and evidence list frozen when the self-assessment was submitted."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    # {"summary": {...}, "results": {code: {...}}, "evidence": {code: [{"id", "files", "status"}]}}
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("自评快照")
        verbose_name_plural = _("自评快照")
        ordering = ["assessment", "-taken_at", "-id"]
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"{self.assessment} @ {self.taken_at:%Y-%m-%d %H:%M}"


class ReportKind(models.TextChoices):
    DOCX = "docx", _("自评报告（Word）")
    XLSX = "xlsx", _("指标得分表（Excel）")
    ZIP = "zip", _("佐证材料归档（ZIP）")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def report_file_path(instance, filename: str) -> str:
    return f"indicators/{instance.assessment_id}/reports/{filename}"


class ReportJob(models.Model):
    """A report generated in the background; the page polls `progress`."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="report_jobs")
    kind = models.CharField(_("类型"), max_length=8, choices=ReportKind.choices)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to=report_file_path, max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报告生成")
        verbose_name_plural = _("报告生成")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Status(models.TextChoices):
    """An indicator's status in an assessment (computed, see selectors.scorecard)."""

    MET = "met", _("达标")
    UNMET = "unmet", _("未达标")
    AWAITING_INPUT = "awaiting_input", _("待填报")
    AWAITING_REVIEW = "awaiting_review", _("待审核")
    NO_DATA = "no_data", _("无数据")
    VETOED = "vetoed", _("否决")
