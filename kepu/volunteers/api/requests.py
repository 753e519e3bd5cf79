"""/api/v1/service-requests/: 你点我送 needs, posted, claimed, released and cancelled."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from kepu.activities.models import TargetGroup
from kepu.core.api_common import id_filter
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .. import services
from ..models import RequestStatus, ServiceRequest, Team
from ..policies import request_policy, team_policy
from .base import ReasonSerializer, RegionFilterSet, ScopedViewSet


class RequestFilter(RegionFilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices, help_text="状态")
    team = id_filter("team_id", "认领服务队 id")

    class Meta:
        model = ServiceRequest
        fields = ["region", "status", "team"]


class RequestSerializer(serializers.ModelSerializer):
    contact_phone = serializers.CharField(write_only=True, max_length=20, label=gettext_lazy("联系电话"),
                                          help_text="11 位手机号码（只写；响应中只有 contact_phone_masked）")
    target_group = serializers.SlugRelatedField(slug_field="key", queryset=TargetGroup.objects.all(), required=False,
                                                allow_null=True, help_text="目标人群 key")
    requester_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), required=False, allow_null=True,
                                                        label=gettext_lazy("需求单位"), help_text="需求单位 id")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.none(),
                                          label=gettext_lazy("服务区域"), help_text="区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    response_hours = serializers.FloatField(read_only=True, allow_null=True, help_text="发布到认领的小时数")
    completion_hours = serializers.FloatField(read_only=True, allow_null=True, help_text="发布到完成的小时数")

    class Meta:
        model = ServiceRequest
        fields = ["id", "topic", "description", "audience", "target_group", "requester_unit", "requester_name",
                  "contact_name", "contact_phone", "contact_phone_masked", "region", "region_name", "place",
                  "window_start", "window_end", "expected_size", "status", "team", "team_name", "claimed_at",
                  "activity", "fulfilled_at", "cancel_reason", "created_at", "response_hours", "completion_hours"]
        read_only_fields = ["id", "contact_phone_masked", "status", "team", "claimed_at", "activity", "fulfilled_at",
                            "cancel_reason", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["region"].queryset = region_policy.visible_to(request.user)
            self.fields["requester_unit"].queryset = unit_policy.visible_to(request.user)


class ClaimSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), label=gettext_lazy("服务队"),
                                              help_text="认领的服务队 id（您管理的、在需求附近的服务队）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["team"].queryset = team_policy.visible_to(request.user)


# The service decides a claim (403 for a team the caller may not claim with, 409 when taken):
# the policy's "claim" would answer 403 for a request already claimed.
REQUEST_STEPS = {"claim": "view", "release": "release", "cancel": "cancel"}


class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """你点我送 needs the caller may see: posted by communities, schools and units, claimed by teams."""

    policy = request_policy
    filterset_class = RequestFilter
    serializer_class = output_serializer = RequestSerializer

    @property
    def policy_actions(self) -> dict[str, str]:
        return {"POST": REQUEST_STEPS[self.action]} if self.action in REQUEST_STEPS else {}

    def decorate(self, queryset):
        return queryset.select_related("region", "team", "target_group")

    @extend_schema(summary="发布需求")
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(services.request_create(actor=request.user, **serializer.validated_data),
                            status.HTTP_201_CREATED)

    @extend_schema(request=ClaimSerializer, responses=RequestSerializer, summary="认领（待认领 → 已认领）",
                   description="已被其他服务队认领或已撤销：409 already_claimed。")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ClaimSerializer)
    def claim(self, request, pk=None):
        service_request = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.request_claim(actor=request.user, request=service_request,
                                                   team=body.validated_data["team"]))

    @extend_schema(request=ReasonSerializer, responses=RequestSerializer, summary="退回认领（已认领 → 待认领）")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ReasonSerializer)
    def release(self, request, pk=None):
        service_request = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.request_release(actor=request.user, request=service_request,
                                                     reason=body.validated_data["reason"]))

    @extend_schema(request=ReasonSerializer, responses=RequestSerializer, summary="撤销需求（仅待认领的）")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ReasonSerializer)
    def cancel(self, request, pk=None):
        service_request = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.request_cancel(actor=request.user, request=service_request,
                                                    reason=body.validated_data["reason"]))
