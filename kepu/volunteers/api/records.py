"""/api/v1/service-records/: service hours, recorded, verified or rejected."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from kepu.activities.models import Activity
from kepu.activities.policies import activity_policy
from kepu.core.api_common import IntegerFilter, id_filter
from kepu.core.errors import KepuError

from .. import services
from ..models import Quality, RecordSource, RecordStatus, ServiceRecord, Team, Volunteer
from ..policies import record_policy, team_policy, volunteer_policy
from .base import ReasonSerializer, RegionFilterSet, ScopedViewSet


class RecordFilter(RegionFilterSet):
    region = filters.CharFilter(method="in_region", help_text="区划代码：在该区划及其所有下级区划提供的服务")
    year = IntegerFilter(field_name="date", lookup_expr="year", min_value=1949, max_value=2100,
                                help_text="服务日期所在年度")
    status = filters.ChoiceFilter(choices=RecordStatus.choices, help_text="状态")
    source = filters.ChoiceFilter(choices=RecordSource.choices, help_text="来源")
    team = id_filter("team_id", "服务队 id")
    volunteer = id_filter("volunteer_id", "志愿者 id")
    activity = id_filter("activity_id", "科普活动 id")

    class Meta:
        model = ServiceRecord
        fields = ["region", "year", "status", "source", "team", "volunteer", "activity"]


class RecordSerializer(serializers.ModelSerializer):
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none(), label=gettext_lazy("志愿者"),
                                                   help_text="志愿者 id")
    volunteer_number = serializers.CharField(source="volunteer.number", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True,
                                              label=gettext_lazy("服务队"), help_text="服务队 id")
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    activity = serializers.PrimaryKeyRelatedField(queryset=Activity.objects.none(), required=False, allow_null=True,
                                                  label=gettext_lazy("科普活动"), help_text="科普活动 id")
    activity_title = serializers.CharField(source="activity.title", read_only=True, allow_null=True)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, label=gettext_lazy("服务时长"),
                                     help_text="实际服务时长（小时，不含路途），0.1–24")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                          help_text="服务所在区划（活动的，其次服务队的，再次志愿者的）")
    region_name = serializers.CharField(source="region.name", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    verify = serializers.BooleanField(write_only=True, required=False, default=False,
                                      help_text="录入即认定（服务队管理者）")

    class Meta:
        model = ServiceRecord
        fields = ["id", "volunteer", "volunteer_number", "volunteer_name", "team", "team_name", "activity",
                  "activity_title", "request", "project", "date", "place", "content", "hours", "served_people",
                  "quality", "region", "region_name", "source", "status", "recorded_by", "recorded_at",
                  "verified_by", "verified_at", "reject_reason", "verify"]
        read_only_fields = ["id", "request", "source", "status", "recorded_at", "verified_at", "reject_reason"]
        validators: list = []  # once per activity: the database constraint answers (409 duplicate_record)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["volunteer"].queryset = volunteer_policy.visible_to(user)
            self.fields["team"].queryset = team_policy.visible_to(user)
            self.fields["activity"].queryset = activity_policy.visible_to(user)


class VerifySerializer(serializers.Serializer):
    quality = serializers.ChoiceField(choices=Quality.choices, required=False, allow_blank=True, default="",
                                      help_text="服务评价（可选）")


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Service records the caller may see; hours count once verified."""

    policy = record_policy
    filterset_class = RecordFilter
    serializer_class = output_serializer = RecordSerializer
    policy_actions = {"POST": "verify"}  # verify and reject; create has no object

    def decorate(self, queryset):
        return queryset.select_related("volunteer", "team", "activity", "region", "recorded_by", "verified_by")

    @extend_schema(summary="录入服务记录", description="verify=true 时录入即认定，服务时长和星级随即更新。")
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_create(actor=request.user, **serializer.validated_data)
        return self._answer(record, status.HTTP_201_CREATED)

    @extend_schema(request=VerifySerializer, responses=RecordSerializer, summary="认定（待审核 → 已认定）")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=VerifySerializer)
    def verify(self, request, pk=None):
        record = self.get_object()
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not services.records_verify(actor=request.user, records=[record], quality=body.validated_data["quality"]):
            raise KepuError(_("只有待审核的记录才能认定。"), code="wrong_status")
        return self._answer(record)

    @extend_schema(request=ReasonSerializer, responses=RecordSerializer,
                   summary="驳回（待审核的），或撤销认定（已认定的：服务时长随之扣除）")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ReasonSerializer)
    def reject(self, request, pk=None):
        record = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.record_reject(actor=request.user, record=record,
                                                   reason=body.validated_data["reason"]))
