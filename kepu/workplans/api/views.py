"""Viewsets of the work-plan API: plans, tasks and progress reports."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kepu.accounts.models import Role
from kepu.accounts.scope import scope_of
from kepu.core.api_common import MAX_ID, IntegerFilter, id_filter
from kepu.orgs.base_api import BaseDataViewSet, region_filter, year_filter

from .. import selectors
from ..models import (
    Assignment,
    Plan,
    PlanMember,
    ProgressReport,
    ReportStatus,
    Section,
    Task,
    TaskStatus,
)
from ..policies import assignment_policy, plan_policy, report_policy, task_policy
from ..selectors import in_year_q, overdue_task_ids
from ..services import progress
from .serializers import (
    MAX_PERIOD,
    PlanSerializer,
    ProgressReportCreateSerializer,
    ProgressReportReviewSerializer,
    ProgressReportSerializer,
    ProgressReportUpdateSerializer,
    TaskSerializer,
)


def plan_filter(help_text: str, field: str = "plan") -> filters.CharFilter:
    """`?plan=<id or code>`."""

    def by_plan(queryset, name, value: str):
        value = value.strip()
        q = Q(**{f"{field}__code": value})
        if value.isdigit() and int(value) <= MAX_ID:
            q |= Q(**{f"{field}_id": int(value)})
        return queryset.filter(q)

    return filters.CharFilter(method=by_plan, help_text=help_text)


# --- plans ----------------------------------------------------------------------------------------------


class PlanFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的计划")
    year = year_filter("年度：该年度的计划，及跨越该年度的多年计划", method="in_year")

    class Meta:
        model = Plan
        fields = ["region", "year"]

    def in_year(self, queryset, name, value: int):
        return queryset.filter(in_year_q(value))


def _status_count(status: str) -> Count:
    return Count("tasks", filter=Q(tasks__status=status))


@extend_schema_view(list=extend_schema(summary="工作计划列表"), retrieve=extend_schema(summary="工作计划"))
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Work plans the caller sees (region staff: their subtree's; a unit's staff: the plans the unit is
    a member of), with their sections, phases, member units and task counts."""

    policy = plan_policy
    filterset_class = PlanFilter
    serializer_class = PlanSerializer

    def decorate(self, queryset):
        return (queryset.select_related("region")
                .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("order", "id")), "phases",
                                  Prefetch("members", queryset=PlanMember.objects.select_related("unit__region")))
                .annotate(task_total=Count("tasks"), task_not_started=_status_count(TaskStatus.NOT_STARTED),
                          task_in_progress=_status_count(TaskStatus.IN_PROGRESS),
                          task_done=_status_count(TaskStatus.DONE)))

    def get_queryset(self):
        return super().get_queryset().order_by("-starts_on", "code")


# --- tasks ------------------------------------------------------------------------------------------------


def overdue_ids_for(request, tasks) -> set[int]:
    """The tasks (of the plans of `tasks`) with overdue work of a unit the caller sees; scanned once
    per request (the filter and the rows share it)."""
    cached = getattr(request, "_workplans_overdue", None)
    if cached is not None:
        return cached
    plans = Plan.objects.filter(pk__in=tasks.values("plan_id"))
    # A liaison's task is overdue when its own unit's work is (what assignment_policy lets it see).
    ids = overdue_task_ids(plans, timezone.localdate(), user=request.user)
    request._workplans_overdue = ids
    return ids


class TaskFilter(filters.FilterSet):
    plan = plan_filter("工作计划 id 或代码")
    unit = IntegerFilter(method="assigned_to", min_value=1, max_value=MAX_ID, help_text="单位 id：该单位承担的任务")
    status = filters.ChoiceFilter(choices=TaskStatus.choices, help_text="任务状态")
    # Last: it scans the plans left by the filters above.
    overdue = filters.BooleanFilter(method="is_overdue", help_text="true：逾期的任务；false：未逾期的任务（按今天计算）")

    class Meta:
        model = Task
        fields = ["plan", "unit", "status", "overdue"]

    def assigned_to(self, queryset, name, value: int):
        return queryset.filter(pk__in=Assignment.objects.filter(unit_id=value).values("task_id"))

    def is_overdue(self, queryset, name, value: bool):
        ids = overdue_ids_for(self.request, queryset)
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


@extend_schema_view(list=extend_schema(summary="任务列表"), retrieve=extend_schema(summary="任务"))
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Tasks the caller sees (region staff: every task of their subtree's plans; a unit's staff: the
    tasks the unit answers for), with their units, whether overdue, and the latest progress."""

    policy = task_policy
    filterset_class = TaskFilter
    serializer_class = TaskSerializer

    def decorate(self, queryset):
        units = (assignment_policy.visible_to(self.request.user).select_related("unit__region")
                 .order_by("-lead", "id"))
        return (queryset.select_related("plan", "section", "lead_unit__region")
                .prefetch_related(Prefetch("assignments", queryset=units)))

    def get_queryset(self):
        return super().get_queryset().order_by("-plan__starts_on", "plan_id", "order", "id")

    def _context(self, tasks, rows: list[Task]) -> dict:
        return {**self.get_serializer_context(), "overdue": overdue_ids_for(self.request, tasks),
                "latest": selectors.latest_reports(self.request.user, rows)}

    def list(self, request, *args, **kwargs):
        tasks = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskSerializer(page, many=True, context=self._context(tasks, page)).data)

    def retrieve(self, request, *args, **kwargs):
        task = self.get_object()
        context = self._context(Task.objects.filter(pk=task.pk), [task])
        return Response(TaskSerializer(task, context=context).data)


# --- progress reports -----------------------------------------------------------------------------------


class ReportFilter(filters.FilterSet):
    plan = plan_filter("工作计划 id 或代码", field="assignment__task__plan")
    task = id_filter("assignment__task_id", "任务 id")
    unit = id_filter("assignment__unit_id", "报送单位 id")
    status = filters.ChoiceFilter(choices=ReportStatus.choices, help_text="状态")
    period = IntegerFilter(min_value=0, max_value=MAX_PERIOD, help_text="报送期次编号")

    class Meta:
        model = ProgressReport
        fields = ["plan", "task", "unit", "status", "period"]


DECIDED = OpenApiResponse(description="已审核的报送：409 decided")


@extend_schema_view(
    list=extend_schema(summary="进展报送列表"),
    retrieve=extend_schema(summary="进展报送"),
    create=extend_schema(
        summary="报送进展", request={"application/json": ProgressReportCreateSerializer,
                                    "multipart/form-data": ProgressReportCreateSerializer},
        responses={201: ProgressReportSerializer, 409: OpenApiResponse(description="本期已有待审核或已采纳的报送：409 duplicate")},
        description="单位联络员为本单位承担的任务报送；计划所属区划的管理员可为任何单位报送。每单位每期一份"
                    "待审核或已采纳的报送。附件须以 multipart 上传（字段 files，可多个）。"),
    partial_update=extend_schema(
        summary="修改待审核的进展报送", request={"application/json": ProgressReportUpdateSerializer,
                                              "multipart/form-data": ProgressReportUpdateSerializer},
        responses={200: ProgressReportSerializer, 409: DECIDED}, description="新上传的附件追加到原有附件之后。"),
    destroy=extend_schema(summary="撤回待审核的进展报送", responses={204: None, 409: DECIDED}),
)
class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Progress reports the caller sees (a unit's staff: their units' only); sent in, changed and
    withdrawn by the unit's liaisons, accepted or returned by the plan's owners and reviewers."""

    policy = report_policy
    # Withdrawing is a change of the report; the one POST on a report is its review.
    policy_actions = {"DELETE": "change", "POST": "review"}
    filterset_class = ReportFilter
    output_serializer = ProgressReportSerializer

    def get_serializer_class(self):
        return {"create": ProgressReportCreateSerializer, "partial_update": ProgressReportUpdateSerializer,
                "review": ProgressReportReviewSerializer}.get(self.action, ProgressReportSerializer)

    def decorate(self, queryset):
        return queryset.select_related("assignment__task__plan", "assignment__unit__region").prefetch_related("files")

    def get_queryset(self):
        return super().get_queryset().order_by("-submitted_at", "-id")

    def _answer(self, obj, code: int = status.HTTP_200_OK) -> Response:
        return Response(ProgressReportSerializer(self._fresh(obj), context=self.get_serializer_context()).data, status=code)

    def _liaison_unit(self, task: Task):
        """The caller's one unit answering for the task, when they did not name it."""
        units = scope_of(self.request.user).unit_ids({Role.UNIT_LIAISON})
        mine = list(Assignment.objects.filter(task=task, unit_id__in=units).select_related("unit")[:2])
        if len(mine) != 1:
            raise DjangoValidationError({"unit": _("请填写报送单位（单位 id）。")})
        return mine[0].unit

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        task = data.pop("task")
        unit = data.pop("unit", None) or self._liaison_unit(task)
        assignment = progress.assignment_for(actor=request.user, task=task, unit=unit)
        report = progress.report_submit(actor=request.user, assignment=assignment, uploads=data.pop("files"), **data)
        return self._answer(report, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        body = self.get_serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        report = progress.report_update(actor=request.user, report=report, uploads=data.pop("files", []), **data)
        return self._answer(report)

    def destroy(self, request, *args, **kwargs):
        progress.report_withdraw(actor=request.user, report=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="审核进展报送：采纳或退回", request=ProgressReportReviewSerializer,
                   responses={200: ProgressReportSerializer, 409: OpenApiResponse(description="已由他人审核：409 decided")},
                   description="须为计划所属区划的管理员或审核员。退回须写明原因，单位联络员会收到通知。")
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request, pk=None):
        report = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = progress.report_review(actor=request.user, report=report, **body.validated_data)
        return self._answer(report)
