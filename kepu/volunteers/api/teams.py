"""/api/v1/volunteer-teams/: 科技志愿服务队 and their members."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kepu.core.api_common import id_filter
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .. import selectors, services
from ..models import Membership, Team, Volunteer
from ..policies import team_policy, volunteer_policy
from .base import RegionFilterSet, ScopedViewSet


class TeamFilter(RegionFilterSet):
    as_of = filters.DateFilter(method="alive_on", help_text="日期：该日已成立且尚未解散的服务队")
    unit = id_filter("unit_id", "依托单位 id")
    parent = id_filter("parent_id", "上级服务队 id")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="名称包含")

    class Meta:
        model = Team
        fields = ["region", "as_of", "unit", "parent", "q"]

    def alive_on(self, queryset, name, value):
        return queryset.filter(selectors.team_alive_q(value))


class LeaderSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer_id")
    number = serializers.CharField(source="volunteer.number")
    name = serializers.CharField(source="volunteer.name")


class TeamSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.none(),
                                          label=gettext_lazy("所在区域"), help_text="区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), label=gettext_lazy("依托单位"),
                                              help_text="依托单位 id")
    unit_name = serializers.CharField(source="unit.full_name", read_only=True)
    parent = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True,
                                                label=gettext_lazy("上级服务队"), help_text="上级服务队 id")
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True, help_text="成员数")
    leaders = LeaderSerializer(source="leader_memberships", many=True, read_only=True, help_text="队长")

    class Meta:
        model = Team
        fields = ["id", "name", "region", "region_name", "unit", "unit_name", "parent", "parent_name", "fields",
                  "description", "founded_on", "dissolved_on", "member_count", "leaders", "is_demo", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["region"].queryset = region_policy.visible_to(user)
            self.fields["unit"].queryset = unit_policy.visible_to(user)
            self.fields["parent"].queryset = team_policy.visible_to(user)


class MemberSerializer(serializers.ModelSerializer):
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none(), label=gettext_lazy("志愿者"),
                                                   help_text="志愿者 id")
    number = serializers.CharField(source="volunteer.number", read_only=True)
    name = serializers.CharField(source="volunteer.name", read_only=True)
    left_on = serializers.DateField(source="volunteer.left_on", read_only=True, allow_null=True,
                                    help_text="志愿者注销日期")

    class Meta:
        model = Membership
        fields = ["volunteer", "number", "name", "role", "joined_on", "left_on"]
        extra_kwargs = {"joined_on": {"required": False, "help_text": "加入日期，默认今天"},
                        "role": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["volunteer"].queryset = volunteer_policy.visible_to(request.user)


MEMBER_ACTIONS = frozenset({"add_member", "remove_member"})


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """科技志愿服务队 the caller may see; a team is dissolved (dissolved_on), not deleted."""

    policy = team_policy
    filterset_class = TeamFilter
    serializer_class = output_serializer = TeamSerializer

    @property
    def policy_actions(self) -> dict[str, str]:
        return {"POST": "manage_members", "DELETE": "manage_members"} if self.action in MEMBER_ACTIONS else {}

    def get_serializer_class(self):
        if self.action in ("members", *MEMBER_ACTIONS):
            return MemberSerializer
        return TeamSerializer

    def get_queryset(self):
        # The staff pages' list: the same member counts and leaders.
        return selectors.team_list(self.request.user).select_related("unit__region").order_by("region_path", "name",
                                                                                             "id")

    def _fresh(self, obj):
        return self.get_queryset().get(pk=obj.pk)

    @extend_schema(summary="成立服务队")
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(services.team_create(actor=request.user, **serializer.validated_data),
                            status.HTTP_201_CREATED)

    @extend_schema(summary="修改服务队（解散：填写 dissolved_on）")
    def partial_update(self, request, *args, **kwargs):
        team = self.get_object()
        serializer = self.get_serializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._answer(services.team_update(actor=request.user, team=team, **serializer.validated_data))

    @extend_schema(responses=MemberSerializer(many=True), summary="成员名单")
    @action(detail=True, methods=["get"], filter_backends=[])
    def members(self, request, pk=None):
        team = self.get_object()
        page = self.paginate_queryset(selectors.team_members(team))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=MemberSerializer, responses={201: MemberSerializer}, summary="加入成员",
                   description="志愿者须在您的可见范围内；已是成员：409 already_member；已注销：400 volunteer_left。")
    @members.mapping.post
    def add_member(self, request, pk=None):
        team = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_add(actor=request.user, team=team, **body.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={204: None}, summary="移出成员",
        parameters=[OpenApiParameter("volunteer_id", int, OpenApiParameter.PATH, description="志愿者 id")],
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<volunteer_id>[0-9]{1,18})", filter_backends=[])
    def remove_member(self, request, pk=None, volunteer_id=None):
        team = self.get_object()
        membership = get_object_or_404(Membership.objects.select_related("team", "volunteer"), team=team,
                                       volunteer_id=int(volunteer_id))
        services.membership_remove(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
