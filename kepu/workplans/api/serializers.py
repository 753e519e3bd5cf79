"""Serializers of the work-plan API (see kepu/workplans/api/__init__.py for the conventions)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy

from ..models import Phase, Plan, ProgressReport, ReportFile, Section, Task
from ..periods import period_label
from ..policies import task_policy

# The largest period number a client may name (monthly periods of the year 2100 are about 25,200).
MAX_PERIOD = 100_000


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="单位 id")
    name = serializers.CharField(source="full_name", help_text="单位名称（区县单位带区县名，如“永川区教委”）")


# --- plans ----------------------------------------------------------------------------------------------


class SectionNodeSerializer(serializers.Serializer):
    """A part of the plan with, below it, its parts (the same shape)."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="序号，如“一”")
    title = serializers.CharField(help_text="标题")
    heading = serializers.CharField(help_text="如文件所写：“一、…”或“（一）…”；任务的 section 即此文字")

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = SectionNodeSerializer(many=True, source="tree_children", help_text="下级章节")
        return fields


class PlanPhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["name", "start", "end", "description"]
        read_only_fields = fields


class TaskCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="任务总数")
    not_started = serializers.IntegerField(help_text="未开始")
    in_progress = serializers.IntegerField(help_text="推进中")
    done = serializers.IntegerField(help_text="已完成")


class PlanSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="所属区划代码")
    sections = serializers.SerializerMethodField(help_text="章节树：一级章节，各带 children")
    phases = PlanPhaseSerializer(many=True, read_only=True, help_text="实施阶段")
    members = serializers.SerializerMethodField(help_text="成员单位（“各责任单位”即指这些单位）")
    unmatched_units = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                            read_only=True,
                                            help_text="计划中找不到对应单位的名称：{单位名称: [任务编号]}，待管理员匹配")
    task_counts = serializers.SerializerMethodField(help_text="计划全部任务按状态的计数")

    class Meta:
        model = Plan
        fields = ["id", "code", "title", "kind", "issuer", "document_number", "issued_on", "year", "starts_on",
                  "ends_on", "region", "rhythm", "grace_days", "sections", "phases", "members", "unmatched_units",
                  "task_counts"]
        read_only_fields = fields

    @extend_schema_field(SectionNodeSerializer(many=True))
    def get_sections(self, plan: Plan):
        sections: list[Section] = list(plan.sections.all())  # prefetched in order
        for section in sections:
            section.tree_children = []
        by_pk = {s.pk: s for s in sections}
        roots = []
        for section in sections:
            parent = by_pk.get(section.parent_id)
            (parent.tree_children if parent is not None else roots).append(section)
        return SectionNodeSerializer(roots, many=True).data

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_members(self, plan: Plan):
        return UnitRefSerializer([m.unit for m in plan.members.all()], many=True).data

    @extend_schema_field(TaskCountsSerializer)
    def get_task_counts(self, plan: Plan):
        return {"total": plan.task_total, "not_started": plan.task_not_started,
                "in_progress": plan.task_in_progress, "done": plan.task_done}


# --- tasks ------------------------------------------------------------------------------------------------


class ResponsibleUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="unit_id", help_text="单位 id")
    name = serializers.CharField(source="unit.full_name", help_text="单位名称")
    lead = serializers.BooleanField(help_text="是否牵头单位")
    percent = serializers.IntegerField(help_text="该单位已采纳的完成进度（0—100）")
    done_on = serializers.DateField(allow_null=True, help_text="该单位完成的日期；未完成为 null")


class LatestProgressSerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="报送期次编号")
    period_label = serializers.CharField(help_text="报送期次，如“2022 年第二季度”")
    text = serializers.CharField(help_text="进展情况")
    percent = serializers.IntegerField(help_text="完成进度（0—100）")
    reported_on = serializers.DateField(help_text="进展日期")
    status = serializers.CharField(help_text="submitted（待审核）或 accepted（已采纳）")


class TaskSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(read_only=True, help_text="工作计划 id")
    plan_code = serializers.CharField(source="plan.code", read_only=True, help_text="工作计划代码")
    section = serializers.CharField(source="section.heading", read_only=True, allow_null=True, default=None,
                                    help_text="所属章节（如“（一）…”）；没有章节为 null")
    lead_unit = UnitRefSerializer(read_only=True, allow_null=True, help_text="牵头单位；没有为 null")
    responsible_units = ResponsibleUnitSerializer(source="assignments", many=True, read_only=True, help_text=(
        "承担任务的单位（牵头单位在前），各带完成进度；单位联络员只看到本单位"))
    overdue = serializers.SerializerMethodField(help_text=(
        "是否逾期：有单位过了报送期限仍未报送，或任务已过完成时限而未完成（按今天计算；联络员只按本单位）"))
    latest_progress = serializers.SerializerMethodField(help_text=(
        "最近一次待审核或已采纳的进展（您能看到的单位中，按进展日期）；没有为 null"))

    class Meta:
        model = Task
        fields = ["id", "plan", "plan_code", "section", "number", "text", "lead_unit", "responsible_units", "status",
                  "due_on", "percent", "overdue", "latest_progress"]
        read_only_fields = fields

    def get_overdue(self, task: Task) -> bool:
        return task.pk in self.context["overdue"]

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest_progress(self, task: Task):
        report = self.context["latest"].get(task.pk)
        if report is None:
            return None
        return LatestProgressSerializer({
            "period": report.period, "period_label": period_label(task.plan.rhythm, report.period),
            "text": report.text, "percent": report.percent, "reported_on": report.reported_on,
            "status": report.status}).data


# --- progress reports -----------------------------------------------------------------------------------


class ReportFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", help_text="文件名（已清理）")
    url = serializers.SerializerMethodField(help_text="下载地址（绝对地址，需登录）")

    class Meta:
        model = ReportFile
        fields = ["id", "name", "size", "url"]
        read_only_fields = fields

    def get_url(self, file: ReportFile) -> str:
        return absolute(self.context.get("request"), reverse("workplans:report_file", args=[file.pk]))


class ProgressReportSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="assignment.task_id", read_only=True, help_text="任务 id")
    task_number = serializers.CharField(source="assignment.task.number", read_only=True, help_text="任务编号")
    plan = serializers.IntegerField(source="assignment.task.plan_id", read_only=True, help_text="工作计划 id")
    unit = UnitRefSerializer(source="assignment.unit", read_only=True, help_text="报送单位")
    period_label = serializers.SerializerMethodField(help_text="报送期次，如“2022 年第二季度”")
    files = ReportFileSerializer(many=True, read_only=True, help_text="附件")

    class Meta:
        model = ProgressReport
        fields = ["id", "task", "task_number", "plan", "unit", "period", "period_label", "text", "percent",
                  "reported_on", "status", "late", "submitted_at", "review_comment", "reviewed_at", "files"]
        read_only_fields = fields

    def get_period_label(self, report: ProgressReport) -> str:
        return period_label(report.assignment.task.plan.rhythm, report.period)


def _files_field():
    return serializers.ListField(
        child=serializers.FileField(), label=gettext_lazy("附件"), default=list,
        help_text="附件（multipart，可多个；PDF、Office 文档或图片，每次报送最多 10 个）")


def _percent_field(**kwargs):
    return serializers.IntegerField(label=gettext_lazy("完成进度"), min_value=0, max_value=100,
                                    help_text="完成进度（0—100 的整数）", **kwargs)


class ProgressReportCreateSerializer(serializers.Serializer):
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.none(), label=gettext_lazy("任务"), help_text="任务 id",
        error_messages={"does_not_exist": gettext_lazy("没有 id 为 {pk_value} 的任务，或您无权查看。")})
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), label=gettext_lazy("报送单位"), required=False, allow_null=True,
        help_text="报送单位 id（联络员只为该任务的一个单位报送时可不填）",
        error_messages={"does_not_exist": gettext_lazy("没有 id 为 {pk_value} 的单位，或您无权查看。")})
    period = serializers.IntegerField(label=gettext_lazy("报送期次"), min_value=0, max_value=MAX_PERIOD, help_text=(
        "报送期次编号：按月为 年×12+月−1，按季度为 年×4+季度−1，按半年为 年×2+(0 上半年 / 1 下半年)，按年为年份"))
    text = serializers.CharField(label=gettext_lazy("进展情况"), max_length=5000, help_text="进展情况")
    percent = _percent_field()
    reported_on = serializers.DateField(label=gettext_lazy("进展日期"), help_text="进展日期（不晚于今天）")
    files = _files_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["task"].queryset = task_policy.visible_to(request.user)
            self.fields["unit"].queryset = unit_policy.visible_to(request.user)


class ProgressReportUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(label=gettext_lazy("进展情况"), max_length=5000, required=False)
    percent = _percent_field(required=False)
    reported_on = serializers.DateField(label=gettext_lazy("进展日期"), required=False)
    files = _files_field()


class ProgressReportReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField(label=gettext_lazy("审核结果"), help_text="true：采纳；false：退回（须写明原因）")
    comment = serializers.CharField(label=gettext_lazy("审核意见"), max_length=500, required=False, allow_blank=True,
                                    default="", help_text="审核意见；退回时必填")

