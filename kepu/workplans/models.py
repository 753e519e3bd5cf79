"""Work plans (工作要点, 创建方案) with sections and numbered tasks, the units answerable for each task,
their progress reports per reporting period, supervision (overdue items, reminders, bulletins) and
the joint meetings of a plan's member units.

A plan belongs to a region; the region's admins own it (edit it, accept or return reports, hold
meetings, issue bulletins). Each task is assigned to units (one `Assignment` per unit, the lead unit
marked); the liaisons of a unit report progress for its assignments once per period of the plan's
rhythm. Overdue is computed, never stored: a period whose deadline passed without an accepted or
pending report, or a task past its due date that the unit has not finished.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kepu.core.records import RegionRecord, StoredFile, stored_file_path

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class PlanKind(models.TextChoices):
    WORK_POINTS = "work_points", _("年度工作要点")
    CREATION = "creation", _("创建工作方案")
    ALLIANCE = "alliance", _("联盟工作计划")
    OTHER = "other", _("其他计划")


class Rhythm(models.TextChoices):
    MONTHLY = "monthly", _("每月报送")
    QUARTERLY = "quarterly", _("每季度报送")
    HALF_YEARLY = "half_yearly", _("每半年报送")
    YEARLY = "yearly", _("每年报送")


class Plan(RegionRecord):
    """A plan with numbered tasks, e.g. 2022 年重庆市全民科学素质行动工作要点 (渝纲要办发〔2022〕2 号)."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=PlanKind.choices, default=PlanKind.WORK_POINTS)
    issuer = models.CharField(_("发文单位"), max_length=100, blank=True)
    issuer_unit = models.ForeignKey("orgs.Unit", verbose_name=_("牵头单位"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True,
                                            validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    rhythm = models.CharField(_("报送频次"), max_length=12, choices=Rhythm.choices, default=Rhythm.QUARTERLY)
    # A period's report is due this many days after the period ends.
    grace_days = models.PositiveSmallIntegerField(_("报送宽限天数"), default=10, validators=[MaxValueValidator(90)])
    # Liaisons are reminded this many days before a deadline.
    remind_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=5, validators=[MaxValueValidator(60)])
    # The number of the plan's last reporting period (see periods.py), kept by the services.
    last_period = models.IntegerField(default=0, editable=False)
    source_file = models.CharField(_("来源文件"), max_length=200, blank=True)
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The names 各责任单位 stands for (the file's `members`, or every unit its tasks name).
    member_names = models.JSONField(default=list, blank=True)
    # Unit names that match no unit: {name: [task numbers]}; an admin maps them (`unit_map`:
    # {name: unit id}), and the mapping holds when the file is loaded again.
    unmatched_units = models.JSONField(_("未匹配单位"), default=dict, blank=True)
    unit_map = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("工作计划")
        verbose_name_plural = _("工作计划")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="plan_dates_order"),
        ]
        indexes = [models.Index(fields=["region_path", "year"], name="plan_region_year_idx")]

    def __str__(self) -> str:
        return self.title


class PlanMember(models.Model):
    """A member unit of the plan (各责任单位 stands for all of them); alliances rotate the convener
    in `rotation` order."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("成员单位"), on_delete=models.PROTECT, related_name="+")
    rotation = models.PositiveSmallIntegerField(_("轮值顺序"), null=True, blank=True)

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["plan", "rotation", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="plan_member_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class Section(models.Model):
    """A part of the plan (一、…) or of a part (（一）…)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    number = models.CharField(_("序号"), max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("计划章节")
        verbose_name_plural = _("计划章节")
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return f"{self.number}、{self.title}" if self.number else self.title

    @property
    def heading(self) -> str:
        """一、… for a part, （一）… for a part of a part: as the documents write them."""
        if not self.number:
            return self.title
        return f"（{self.number}）{self.title}" if self.parent_id else f"{self.number}、{self.title}"


class Phase(models.Model):
    """A phase of a plan (筹备动员阶段 2021 年 10 月—2022 年 4 月 ...)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("阶段"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    description = models.TextField(_("主要工作"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("实施阶段")
        verbose_name_plural = _("实施阶段")
        ordering = ["plan", "order", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="plan_phase_order")]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class Task(models.Model):
    """A numbered task of a plan with its lead and responsible units."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(Section, verbose_name=_("章节"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tasks")
    number = models.CharField(_("编号"), max_length=20)
    text = models.TextField(_("任务内容"))
    lead_unit = models.ForeignKey("orgs.Unit", verbose_name=_("牵头单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # The names as the plan writes them ({"lead": [...], "responsible": [...]}), so that a name an
    # admin maps later still finds its tasks.
    unit_names = models.JSONField(default=dict, blank=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(_("完成进度"), default=0, validators=percent_validators)
    # The first reporting period the task's units report for (see periods.py), kept by the services.
    first_period = models.IntegerField(default=0, editable=False)
    order = models.PositiveIntegerField(default=0)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="task_plan_number_unique")]
        indexes = [models.Index(fields=["plan", "status"], name="task_plan_status_idx")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"

    @property
    def region(self):
        return self.plan.region

    @property
    def audit_scope_path(self) -> str:
        return self.plan.region_path


class Assignment(models.Model):
    """A unit answerable for a task (its lead unit or one of its responsible units)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("牵头"), default=False)
    # The percentage of the latest accepted report; done when a report of 100 % was accepted.
    percent = models.PositiveSmallIntegerField(_("完成进度"), default=0, validators=percent_validators)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务分工")
        verbose_name_plural = _("任务分工")
        ordering = ["task", "-lead", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="assignment_unique")]
        indexes = [models.Index(fields=["unit", "task"], name="assignment_unit_idx")]

    def __str__(self) -> str:
        return f"{self.task.number} {self.unit}"

    @property
    def audit_scope_path(self) -> str:
        return self.task.plan.region_path


class Deliverable(models.Model):
    """Something a task must produce (a document, an event, a list); marked done with evidence."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="deliverables")
    name = models.CharField(_("成果名称"), max_length=200)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_unit = models.ForeignKey("orgs.Unit", verbose_name=_("完成单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    note = models.CharField(_("完成说明"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("任务成果")
        verbose_name_plural = _("任务成果")
        ordering = ["task", "order", "id"]
        constraints = [models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(done_unit__isnull=False),
                                              name="deliverable_done_by_unit")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_scope_path(self) -> str:
        return self.task.plan.region_path


class DeliverableFile(StoredFile):
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=stored_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("成果佐证")
        verbose_name_plural = _("成果佐证")

    @property
    def parent_id_for_path(self):
        return self.deliverable_id


class Milestone(models.Model):
    """A dated point of a plan (or of one of its tasks) shown on the timeline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        ordering = ["plan", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


# A period counts as reported while a report for it is pending or accepted.
ACTIVE_REPORT = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


class ProgressReport(models.Model):
    """A unit's progress on a task for one reporting period; the plan owner accepts or returns it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reports")
    period = models.IntegerField(_("报送期次"))
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度"), validators=percent_validators)
    reported_on = models.DateField(_("进展日期"))
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    # Sent in after the period's deadline (kept, so that statistics do not change with the plan).
    late = models.BooleanField(_("逾期报送"), default=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"))
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("进展报送")
        verbose_name_plural = _("进展报送")
        ordering = ["assignment", "period", "submitted_at", "id"]
        constraints = [
            # One pending or accepted report per unit, task and period; returned ones stay as history.
            models.UniqueConstraint(fields=["assignment", "period"], condition=Q(status__in=ACTIVE_REPORT),
                                    name="progress_report_active_unique"),
        ]
        indexes = [
            models.Index(fields=["assignment", "period", "status"], name="report_assignment_period_idx"),
            models.Index(fields=["status", "submitted_at"], name="report_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} #{self.period}"

    @property
    def locked(self) -> bool:
        return self.status == ReportStatus.ACCEPTED

    @property
    def audit_scope_path(self) -> str:
        return self.assignment.task.plan.region_path


class ReportFile(StoredFile):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=stored_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("进展附件")
        verbose_name_plural = _("进展附件")

    @property
    def parent_id_for_path(self):
        return self.report_id


class Meeting(RegionRecord):
    """A joint meeting (联席会议) of a plan's member units."""

    plan = models.ForeignKey(Plan, verbose_name=_("工作计划"), on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("会议日期"))
    convener = models.ForeignKey("orgs.Unit", verbose_name=_("召集单位"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("会议地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField("orgs.Unit", verbose_name=_("参会单位"), blank=True, related_name="+")
    agenda = models.TextField(_("会议议程"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """A decision of a meeting (议定事项); it becomes a task of the plan."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("议定事项"))
    task = models.OneToOneField(Task, verbose_name=_("形成任务"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="decision")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def audit_scope_path(self) -> str:
        return self.meeting.region_path


class IndicatorLink(models.Model):
    """A task that works towards an indicator of an assessment: its evidence is offered there."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="indicator_links")
    assessment = models.ForeignKey("indicators.Assessment", verbose_name=_("评估"), on_delete=models.CASCADE,
                                   related_name="+")
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关联指标")
        verbose_name_plural = _("关联指标")
        ordering = ["task", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "assessment", "indicator"],
                                               name="indicator_link_unique")]
        indexes = [models.Index(fields=["assessment", "indicator"], name="indicator_link_target_idx")]

    def __str__(self) -> str:
        return f"{self.task.number} → {self.indicator.code}"


class ReminderKind(models.TextChoices):
    UPCOMING = "upcoming", _("报送即将到期")
    OVERDUE = "overdue", _("报送已逾期")
    TASK_DUE = "task_due", _("任务已超过完成时限")


class Reminder(models.Model):
    """One reminder sent for an assignment, period and kind: the row is the claim that makes the
    reminder command safe to run on several machines at once (the second insert fails)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    period = models.IntegerField()  # 0 for TASK_DUE
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    notified = models.PositiveSmallIntegerField(default=0)
    emailed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [models.UniqueConstraint(fields=["assignment", "period", "kind"], name="reminder_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.assignment_id} #{self.period}"
