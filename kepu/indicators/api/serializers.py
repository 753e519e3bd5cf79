"""Serializers of the indicator API (see kepu/indicators/api/__init__.py for the conventions)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from kepu.orgs.base_api import (
    region_field,
    related_field,
)
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.policies import region_policy

from ..models import (
    Assessment,
    EvidenceFile,
    Indicator,
    Kind,
    Phase,
    ReportKind,
    Standard,
    Status,
    Submission,
    SubmissionStatus,
    Target,
)
from ..policies import standard_policy
from ..selectors import Scorecard, standard_tree

SIX_PLACES = Decimal("0.000001")
# With ?results=1 each assessment of the page is computed: fewer per page.
RESULTS_PAGE_SIZE = 20
REPORT_TYPES = {
    ReportKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportKind.ZIP: "application/zip",
}


def decimal_text(value) -> str:
    """A number as a plain decimal string, at most 6 decimal places, no trailing zeros: "0.0125", "1043"."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number.as_tuple().exponent < -6:
        number = number.quantize(SIX_PLACES)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


@extend_schema_field({"type": "string", "format": "decimal", "example": "0.0125", "nullable": True})
class DecimalText(serializers.Field):
    """A read-only Decimal, int or float as a decimal string (None stays null)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return decimal_text(value)


def absolute(request, url: str) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


# --- standards --------------------------------------------------------------------------------------


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["name", "start", "end"]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    value = DecimalText(help_text="目标值（十进制字符串；比例以小数表示，如 0.01 即 1%）")

    class Meta:
        model = Target
        fields = ["measure", "op", "value"]
        read_only_fields = fields


class IndicatorNodeSerializer(serializers.ModelSerializer):
    """An indicator with its targets and, below it, its children (the same shape, recursively)."""

    weight = DecimalText(help_text="分值（计分的标准才有）")
    targets = TargetSerializer(many=True, read_only=True, help_text="度量目标（measure 与 veto 类指标）")
    lead_units = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="牵头单位（按标准的写法）")
    responsible_units = serializers.ListField(child=serializers.CharField(), read_only=True,
                                              help_text="责任单位（按标准的写法，如“各镇（街）”）")

    class Meta:
        model = Indicator
        fields = ["code", "name", "text", "level", "kind", "lead_units", "responsible_units", "recurrence",
                  "weight", "targets", "children"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = IndicatorNodeSerializer(many=True, read_only=True, source="tree_children",
                                                     help_text="下级指标（末级指标为空列表）")
        return fields


class StandardSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                          help_text="所属区划代码（全平台通用的标准为 null）")
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True, default=None)
    based_on = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                            help_text="改编自哪个标准（代码）")
    measures = serializers.DictField(source="measure_defs", read_only=True,
                                     help_text="标准自己说明的度量：{度量代码: {text, unit}}")
    phases = PhaseSerializer(many=True, read_only=True, help_text="创建阶段")

    class Meta:
        model = Standard
        fields = ["id", "code", "title", "issuer", "document_number", "issued_on", "region", "region_name",
                  "period_start", "period_end", "based_on", "source_file", "measures", "phases", "is_demo",
                  "created_at", "updated_at"]
        read_only_fields = fields


class StandardDetailSerializer(StandardSerializer):
    indicators = serializers.SerializerMethodField(help_text="指标树：一级指标，各带 children")

    class Meta(StandardSerializer.Meta):
        fields = [*StandardSerializer.Meta.fields, "indicators"]
        read_only_fields = fields

    @extend_schema_field(IndicatorNodeSerializer(many=True))
    def get_indicators(self, standard: Standard):
        nodes = standard_tree(standard)
        for node in nodes:
            node.tree_children = []
        by_pk = {node.pk: node for node in nodes}
        roots = []
        for node in nodes:  # depth first: a parent comes before its children
            (by_pk[node.parent_id].tree_children if node.parent_id else roots).append(node)
        return IndicatorNodeSerializer(roots, many=True, context=self.context).data



# --- assessments: results ---------------------------------------------------------------------------


class TargetResultSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="度量代码")
    label = serializers.CharField(help_text="度量名称")
    unit = serializers.CharField(help_text="单位：ratio（比例，小数）、count、persons、yuan_per_person ……")
    op = serializers.ChoiceField(choices=Target._meta.get_field("op").choices, help_text="比较符")
    target = DecimalText(help_text="目标值（十进制字符串）")
    value = DecimalText(help_text="当前值（十进制字符串）；无数据时为 null，见 reason")
    numerator = DecimalText(help_text="计算值的分子（如注册科技志愿者人数）；没有时为 null")
    denominator = DecimalText(help_text="计算值的分母（如常住人口）；没有时为 null")
    source = serializers.CharField(help_text="computed：由平台记录计算；manual：责任单位填报并经审核；无值时为空")
    status = serializers.ChoiceField(choices=Status.choices, help_text="该目标的状态")
    value_text = serializers.CharField(help_text="当前值的显示文字，如“84.8%”")
    target_text = serializers.CharField(help_text="目标值的显示文字")
    last_value = DecimalText(help_text="上一年度的值（十进制字符串）")
    trend = serializers.CharField(help_text="与上一年度相比：up、down、same，或空")
    records_url = serializers.SerializerMethodField(help_text="计算值背后的记录列表（绝对地址）；没有时为 null")
    reason = serializers.SerializerMethodField(help_text=(
        "没有值的原因代码：平台计算不出时如 no_population；由责任单位填报的度量为 awaiting_input（待填报）"
        "或 awaiting_review（待审核）。有值时为 null"))
    reason_text = serializers.SerializerMethodField(help_text="没有值的原因（中文）；有值时为 null")

    def get_records_url(self, result) -> str | None:
        return absolute(self.context.get("request"), result.records_url)

    @staticmethod
    def _why(result) -> tuple[str, str] | tuple[None, None]:
        if result.value is not None:
            return None, None
        if result.reason:
            return result.reason, result.reason_text
        return result.status, str(Status(result.status).label)  # a value the units enter, not yet approved

    def get_reason(self, result) -> str | None:
        return self._why(result)[0]

    def get_reason_text(self, result) -> str | None:
        return self._why(result)[1]


class IndicatorResultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="指标编号")
    name = serializers.CharField(source="indicator.title", help_text="指标名称或内容")
    kind = serializers.ChoiceField(source="indicator.kind", choices=Kind.choices, help_text="类型")
    status = serializers.ChoiceField(choices=Status.choices, help_text="状态")
    status_label = serializers.CharField(help_text="状态（中文）：达标、未达标、待填报、待审核、无数据、否决")
    returned = serializers.BooleanField(help_text="最近一次报送被退回")
    evidence = serializers.SerializerMethodField(help_text="已通过审核的佐证报送数（含以前年度一次性指标的）")
    targets = TargetResultSerializer(many=True, help_text="度量目标的结果（evidence 类指标为空列表）")

    def get_evidence(self, result) -> int:
        return len(result.evidence)


class SummarySerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text="达标的末级指标数")
    total = serializers.IntegerField(help_text="末级指标总数")
    readiness = serializers.FloatField(help_text="达标比例 met ÷ total（0—1）")
    vetoed = serializers.BooleanField(help_text="是否触发一票否决")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="各状态的末级指标数")
    score = serializers.CharField(allow_null=True, help_text="计分标准的得分（十进制字符串）；不计分时为 null")


class AssessmentSerializer(serializers.ModelSerializer):
    standard = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="标准代码")
    standard_title = serializers.CharField(source="standard.title", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    year = serializers.IntegerField(read_only=True, allow_null=True, help_text="年度；null 为整个创建期")
    period_label = serializers.CharField(read_only=True, help_text="年度或创建期的显示文字")
    summary = serializers.SerializerMethodField(help_text=(
        "汇总（计数为数字）。详情与 ?results=1 时为刚计算的结果；否则为最近一次计算的结果（见 computed_at），"
        "从未计算过时为 null"))
    results = serializers.SerializerMethodField(help_text=(
        "各末级指标的结果（按指标树顺序）。详情总是包含；列表中仅当 ?results=1 时计算，否则为 null"))
    unmatched_units = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                            read_only=True,
                                            help_text="标准中找不到对应单位的单位名称：{指标编号: [名称]}")

    class Meta:
        model = Assessment
        fields = ["id", "standard", "standard_title", "region", "region_name", "year", "period_label", "status",
                  "submitted_at", "computed_at", "summary", "results", "unmatched_units", "is_demo", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def _card(self, assessment: Assessment) -> Scorecard | None:
        return self.context.get("cards", {}).get(assessment.pk)

    @extend_schema_field(SummarySerializer(allow_null=True))
    def get_summary(self, assessment: Assessment):
        card = self._card(assessment)
        summary = card.summary() if card is not None else assessment.summary
        return SummarySerializer(summary).data if summary else None

    @extend_schema_field(IndicatorResultSerializer(many=True, allow_null=True))
    def get_results(self, assessment: Assessment):
        card = self._card(assessment)
        if card is None:
            return None
        return IndicatorResultSerializer(card.leaves, many=True, context=self.context).data


@extend_schema_field({"type": "string", "example": "yongchuan-2021-2025"})
class StandardRefField(serializers.Field):
    """A standard by code or id, among those the caller may see."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        text = str(data).strip()[:64]
        visible = standard_policy.visible_to(self.context["request"].user)
        standard = (visible.filter(pk=int(text)) if text.isdigit() else visible.filter(code=text)).first()
        if standard is None:
            raise serializers.ValidationError(_("没有代码或 id 为“%(value)s”的指标标准，或您无权查看。")
                                              % {"value": text})
        return standard

    def to_representation(self, value):
        return value.code


class AssessmentCreateSerializer(serializers.Serializer):
    standard = StandardRefField(label=gettext_lazy("指标标准"), help_text="标准代码或 id",
                                error_messages={"invalid": gettext_lazy("请填写标准的代码或 id。")})
    region = region_field(help_text="被评估区划的代码")
    year = serializers.IntegerField(label=gettext_lazy("年度"), min_value=1949, max_value=2100, required=False,
                                    allow_null=True, help_text="年度，须在标准的创建期内；null 或不填为整个创建期")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["region"].queryset = region_policy.visible_to(request.user)



# --- assessments: evidence --------------------------------------------------------------------------


class EvidenceFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", help_text="文件名（已清理）")
    url = serializers.SerializerMethodField(help_text="下载地址（绝对地址，需同样的身份认证）")

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "size", "content_type", "url"]
        read_only_fields = fields

    def get_url(self, file: EvidenceFile) -> str:
        url = reverse("assessment-file", kwargs={"pk": file.submission.assessment_id, "file_id": file.pk})
        return absolute(self.context.get("request"), url)


class SubmissionSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", help_text="指标编号")
    unit = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="报送单位 id")
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True, default=None)
    value = DecimalText(help_text="填报的数值（十进制字符串）；只有佐证材料时为 null")
    submitted_at = serializers.DateTimeField(source="created_at", read_only=True)
    locked = serializers.BooleanField(read_only=True, help_text="已审核通过并锁定")
    files = EvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "indicator", "unit", "unit_name", "description", "period_start", "period_end", "measure",
                  "value", "status", "review_comment", "submitted_at", "reviewed_at", "locked", "files"]
        read_only_fields = fields


class SubmissionCreateSerializer(serializers.Serializer):
    indicator = serializers.CharField(label=gettext_lazy("指标"), max_length=20, help_text="末级指标编号，如 A1.1")
    description = serializers.CharField(label=gettext_lazy("说明"), max_length=500, help_text="材料说明")
    unit = related_field(Unit, gettext_lazy("报送单位"), "报送单位 id（联络员只负责一个单位时可不填）",
                         required=False, allow_null=True)
    period_start = serializers.DateField(label=gettext_lazy("材料起始日期"), required=False, allow_null=True)
    period_end = serializers.DateField(label=gettext_lazy("材料截止日期"), required=False, allow_null=True)
    measure = serializers.CharField(label=gettext_lazy("度量"), max_length=64, allow_blank=True, default="", help_text="填报数值时：该指标的度量代码（平台无法计算的度量）")
    value = serializers.DecimalField(label=gettext_lazy("填报数值"), max_digits=18, decimal_places=6,
                                     required=False, allow_null=True, help_text="填报数值（与 measure 一起）")
    files = serializers.ListField(child=serializers.FileField(), label=gettext_lazy("佐证材料"), default=list, help_text="佐证文件（multipart，可多个；PDF、Office 文档或图片）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["unit"].queryset = unit_policy.visible_to(request.user)


class EvidenceQuerySerializer(serializers.Serializer):
    indicator = serializers.CharField(required=False, help_text="指标编号")
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, required=False, help_text="报送状态")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(label=gettext_lazy("审核结果"),
                                       choices=[("approve", gettext_lazy("通过")), ("return", gettext_lazy("退回"))],
                                       help_text="approve：通过（并锁定）；return：退回（须填写意见）")
    comment = serializers.CharField(label=gettext_lazy("审核意见"), max_length=500, required=False, allow_blank=True,
                                    default="")


class UnlockSerializer(serializers.Serializer):
    reason = serializers.CharField(label=gettext_lazy("解除锁定的原因"), max_length=300)

