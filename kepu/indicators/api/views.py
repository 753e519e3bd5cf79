"""Viewsets and report views of the indicator API."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu.core.api_common import in_subtree
from kepu.core.records import serve_stored_file
from kepu.orgs.base_api import (
    BaseDataPermission,
    BaseDataViewSet,
    year_filter,
)
from kepu.orgs.models import Unit

from .. import services
from ..models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    ReportKind,
    Standard,
    Submission,
)
from ..policies import assessment_policy, responsible_unit_ids, standard_policy
from ..selectors import scorecard
from .serializers import (
    REPORT_TYPES,
    RESULTS_PAGE_SIZE,
    AssessmentCreateSerializer,
    AssessmentSerializer,
    EvidenceQuerySerializer,
    ReviewSerializer,
    StandardDetailSerializer,
    StandardSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    UnlockSerializer,
)


class StandardFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="所属区划代码（只含该区划自己的标准）")
    code = filters.CharFilter(help_text="标准代码")

    class Meta:
        model = Standard
        fields = ["region", "code"]


class StandardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Indicator standards (read-only: they are imported from YAML); the detail holds the indicator tree."""

    policy = standard_policy
    filterset_class = StandardFilter

    def get_serializer_class(self):
        return StandardDetailSerializer if self.action == "retrieve" else StandardSerializer

    def get_queryset(self):
        return (super().get_queryset().select_related("region", "based_on").prefetch_related("phases")
                .order_by("-period_end", "code", "id"))



class AssessmentFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="区划代码（只含该区划自己的评估）")
    region_subtree = filters.CharFilter(method=lambda queryset, name, value: in_subtree(queryset, value),
                                        help_text="区划代码：该区划及其所有下级区划的评估")
    year = year_filter("年度")
    standard = filters.CharFilter(field_name="standard__code", help_text="标准代码")
    status = filters.ChoiceFilter(choices=AssessmentStatus.choices, help_text="状态")

    class Meta:
        model = Assessment
        fields = ["region", "region_subtree", "year", "standard", "status"]



class DownloadRenderer(renderers.BaseRenderer):
    """Lets a download answer whatever the client accepts; an error on the way is still JSON."""

    media_type = "*/*"
    format = "download"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


DOWNLOAD_RENDERERS = [renderers.JSONRenderer, DownloadRenderer]
RESULTS_PARAMETER = OpenApiParameter(
    "results", OpenApiTypes.BOOL, description=(
        f"1：计算并附上每个评估的 results（较慢；每页至多 {RESULTS_PAGE_SIZE} 个评估）。不给时 results 为 null，"
        "summary 为最近一次计算的结果"))


@extend_schema_view(
    list=extend_schema(summary="评估列表", parameters=[RESULTS_PARAMETER]),
    retrieve=extend_schema(summary="评估及各末级指标的结果（当场计算）"),
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Assessments (a standard applied to a region for a year) with their results, evidence and reports."""

    policy = assessment_policy
    # The writes below an assessment (evidence, review, unlock) are the services' to allow; POST on
    # the object itself only needs the caller to see it.
    policy_actions = {"POST": "view"}
    filterset_class = AssessmentFilter
    serializer_class = AssessmentSerializer

    def get_serializer_class(self):
        return {
            "create": AssessmentCreateSerializer,
            "evidence_add": SubmissionCreateSerializer,
            "review": ReviewSerializer,
            "unlock": UnlockSerializer,
        }.get(self.action, AssessmentSerializer if self.action in ("list", "retrieve") else SubmissionSerializer)

    def get_queryset(self):
        return (super().get_queryset().select_related("region", "standard")
                .order_by("-year", "region_path", "standard__code", "id"))

    def _with_results(self, assessments) -> dict:
        cards = {}
        for assessment in assessments:
            cards[assessment.pk] = card = scorecard(assessment)
            services.store_summary(assessment, card)
        return {**self.get_serializer_context(), "cards": cards}

    def list(self, request, *args, **kwargs):
        results = request.query_params.get("results", "").lower() in ("1", "true", "yes")
        if results:
            self.paginator.page_size = min(self.paginator.page_size, RESULTS_PAGE_SIZE)
            self.paginator.max_page_size = RESULTS_PAGE_SIZE
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._with_results(page) if results else self.get_serializer_context()
        return self.get_paginated_response(AssessmentSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        assessment = self.get_object()
        context = self._with_results([assessment])
        return Response(AssessmentSerializer(assessment, context=context).data)

    @extend_schema(summary="新建评估", request=AssessmentCreateSerializer,
                   responses={201: AssessmentSerializer},
                   description="须为该区划的管理员。年度不在标准的创建期内：400；已有同一标准、区划和年度的评估：409 duplicate。")
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = services.assessment_create(actor=request.user, **body.validated_data)
        assessment = self._fresh(assessment)
        return Response(AssessmentSerializer(assessment, context=self._with_results([assessment])).data,
                        status=status.HTTP_201_CREATED)

    # --- evidence -----------------------------------------------------------------------------------

    @extend_schema(summary="佐证报送列表", parameters=[EvidenceQuerySerializer],
                   responses=SubmissionSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def evidence(self, request, pk=None):
        assessment = self.get_object()
        query = EvidenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = (assessment.submissions.select_related("indicator", "unit").prefetch_related("files")
                .order_by("indicator__order", "created_at", "id"))
        if query.validated_data.get("indicator"):
            rows = rows.filter(indicator__code=query.validated_data["indicator"])
        if query.validated_data.get("status"):
            rows = rows.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SubmissionSerializer(page, many=True, context=self.get_serializer_context())
                                           .data)

    @extend_schema(summary="报送佐证材料（multipart）", request={"multipart/form-data": SubmissionCreateSerializer},
                   responses={201: SubmissionSerializer}, description=(
                       "联络员为其单位负责的指标报送；区划管理员可为该区划的任何单位报送。文件按内容检查类型与大小，"
                       "不合格：400，extra.fields.files 说明原因。平台无法计算的度量可随材料填报数值（measure、value）。"))
    @evidence.mapping.post
    def evidence_add(self, request, pk=None):
        assessment = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        code = data.pop("indicator").strip()
        indicator = assessment.standard.indicators.filter(code=code).first()
        if indicator is None:
            raise DjangoValidationError({"indicator": _("该评估的标准没有编号为“%(code)s”的指标。") % {"code": code}})
        if data.get("unit") is None:  # a liaison sends in for their unit answering for the indicator
            units = responsible_unit_ids(request.user, assessment, indicator)
            if len(units) > 1:
                raise DjangoValidationError({"unit": _("您有多个单位负责该指标，请选择报送单位。")})
            data["unit"] = Unit.objects.get(pk=units.pop()) if units else None
        submission = services.submission_create(actor=request.user, assessment=assessment, indicator=indicator,
                                                uploads=data.pop("files"), **data)
        return self._submission_answer(assessment, submission.pk, status.HTTP_201_CREATED)

    def _submission(self, assessment: Assessment, submission_id) -> Submission:
        """A submission of this assessment (404 for another assessment's)."""
        try:
            return (assessment.submissions.select_related("indicator", "unit").prefetch_related("files")
                    .get(pk=submission_id))
        except Submission.DoesNotExist:
            raise Http404 from None

    def _submission_answer(self, assessment: Assessment, submission_id, code: int = status.HTTP_200_OK) -> Response:
        submission = self._submission(assessment, submission_id)
        return Response(SubmissionSerializer(submission, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="审核佐证报送：通过（锁定）或退回", request=ReviewSerializer,
                   responses={200: SubmissionSerializer},
                   description="须为该区划的管理员或审核员。已由他人审核：409 reviewed；退回须填写审核意见。")
    @action(detail=True, methods=["post"], url_path=r"submissions/(?P<submission_id>[0-9]+)/review",
            filter_backends=[])
    def review(self, request, pk=None, submission_id=None):
        assessment = self.get_object()
        submission = self._submission(assessment, submission_id)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.submission_review(actor=request.user, submission=submission,
                                   approve=body.validated_data["decision"] == "approve",
                                   comment=body.validated_data["comment"])
        return self._submission_answer(assessment, submission.pk)

    @extend_schema(summary="解除已通过报送的锁定（回到待审核）", request=UnlockSerializer,
                   responses={200: SubmissionSerializer},
                   description="须为该区划的管理员；记入审计日志。未锁定：409 not_locked。")
    @action(detail=True, methods=["post"], url_path=r"submissions/(?P<submission_id>[0-9]+)/unlock",
            filter_backends=[])
    def unlock(self, request, pk=None, submission_id=None):
        assessment = self.get_object()
        submission = self._submission(assessment, submission_id)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.submission_unlock(actor=request.user, submission=submission, reason=body.validated_data["reason"])
        return self._submission_answer(assessment, submission.pk)

    @extend_schema(summary="下载佐证文件", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)", filter_backends=[],
            renderer_classes=DOWNLOAD_RENDERERS)
    def file(self, request, pk=None, file_id=None):
        assessment = self.get_object()
        stored = EvidenceFile.objects.filter(submission__assessment=assessment, pk=file_id).first()
        if stored is None:
            raise Http404
        return serve_stored_file(stored, inline_types=())


# --- reports ----------------------------------------------------------------------------------------


class ReportView(APIView):
    """A report of an assessment, built while the caller waits (the page queues big ones instead)."""

    permission_classes = [BaseDataPermission]
    renderer_classes = DOWNLOAD_RENDERERS
    kind: str = ""

    def get(self, request, pk: int):
        from ..reports import build_report

        assessment = assessment_policy.get_visible(request.user, pk=pk)
        filename, data = build_report(assessment, self.kind)
        response = HttpResponse(data, content_type=REPORT_TYPES[self.kind])
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


def report_schema(kind: str, summary: str):
    return extend_schema_view(get=extend_schema(
        summary=summary, operation_id=f"assessments_report_{kind}",
        responses={(200, REPORT_TYPES[kind]): OpenApiTypes.BINARY,
                   404: OpenApiResponse(description="评估不存在或不在您的范围内")}))


@report_schema(ReportKind.DOCX, "自评报告（Word）")
class ReportDocxView(ReportView):
    kind = ReportKind.DOCX


@report_schema(ReportKind.XLSX, "指标得分表（Excel）")
class ScorecardXlsxView(ReportView):
    kind = ReportKind.XLSX


@report_schema(ReportKind.ZIP, "佐证材料归档（ZIP，按指标编号分目录，附索引）")
class EvidenceZipView(ReportView):
    kind = ReportKind.ZIP
