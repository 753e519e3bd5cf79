"""/api/v1/volunteers/: the real-name registry, with masked ID and phone numbers only."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from kepu.core.api_common import MAX_ID, IntegerFilter
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .. import selectors, services
from ..measures import registered_q
from ..models import Membership, Team, Volunteer
from ..policies import team_policy, volunteer_policy
from .base import RegionFilterSet, ScopedViewSet


class VolunteerFilter(RegionFilterSet):
    region = filters.CharFilter(method="in_region", help_text="区划代码：该区划及其所有下级区划的志愿者")
    team = IntegerFilter(method="in_team", min_value=1, max_value=MAX_ID, help_text="服务队 id：该队的成员")
    as_of = filters.DateFilter(method="registered_as_of", help_text="日期：该日已注册且尚未注销的志愿者")
    active_year = IntegerFilter(method="active_in", min_value=1949, max_value=2100,
                                       help_text="年度：该年有已认定服务记录的志愿者")
    stars = IntegerFilter(field_name="stars", min_value=0, max_value=99, help_text="星级")
    q = filters.CharFilter(method="search", help_text=(
        "姓名包含或志愿者编号开头；完整的身份证号码或手机号码按密钥散列精确匹配（不做模糊匹配）"))

    class Meta:
        model = Volunteer
        fields = ["region", "team", "as_of", "active_year", "stars", "q"]

    def in_team(self, queryset, name, value: int):
        return queryset.filter(pk__in=Membership.objects.filter(team_id=value).values("volunteer_id"))

    def registered_as_of(self, queryset, name, value):
        return queryset.filter(registered_q(value))

    def active_in(self, queryset, name, value):
        return queryset.filter(selectors.active_in_year_q(value))

    def search(self, queryset, name, value: str):
        return queryset.filter(selectors.volunteer_search_q(value)) if value.strip() else queryset


class VolunteerTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="team_id")
    name = serializers.CharField(source="team.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class VolunteerSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField()
    id_number = serializers.CharField(write_only=True, max_length=30, label=gettext_lazy("身份证号码"),
                                      help_text="18 位居民身份证号码（只写；响应中只有 id_number_masked）")
    id_number_masked = serializers.CharField(source="id_masked", read_only=True, help_text="身份证号码（已脱敏）")
    phone = serializers.CharField(write_only=True, max_length=20, label=gettext_lazy("手机号码"),
                                  help_text="11 位手机号码（只写；响应中只有 phone_masked）")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.none(),
                                          label=gettext_lazy("所在区域"), help_text="区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), required=False, allow_null=True,
                                              label=gettext_lazy("所在单位"), help_text="单位 id")
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)
    teams = VolunteerTeamSerializer(source="visible_memberships", many=True, read_only=True,
                                    help_text="所在服务队（您可见的）")
    team_ids = serializers.PrimaryKeyRelatedField(many=True, write_only=True, required=False,
                                                  queryset=Team.objects.none(), label=gettext_lazy("服务队"),
                                                  help_text="注册时加入的服务队 id")
    guardian_phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20,
                                           label=gettext_lazy("监护人电话"), help_text="未满 18 周岁时必填")
    guardian_consent = serializers.BooleanField(write_only=True, required=False, label=gettext_lazy("监护人同意"),
                                                help_text="监护人是否同意（未满 18 周岁时须为 true）")

    class Meta:
        model = Volunteer
        fields = ["id", "number", "name", "gender", "birth_date", "age", "id_number", "id_number_masked", "phone",
                  "phone_masked", "skills", "education", "region", "region_name", "unit", "unit_name", "teams",
                  "team_ids", "hours", "stars", "registered_on", "left_on", "guardian_name", "guardian_phone",
                  "guardian_phone_masked", "guardian_consent", "guardian_consent_on", "is_demo"]
        read_only_fields = ["id", "number", "phone_masked", "hours", "stars", "left_on", "guardian_phone_masked",
                            "guardian_consent_on", "is_demo"]
        extra_kwargs = {"registered_on": {"required": False, "help_text": "注册日期，默认今天"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["region"].queryset = region_policy.visible_to(user)
            self.fields["unit"].queryset = unit_policy.visible_to(user)
            if "team_ids" in self.fields:
                self.fields["team_ids"].child_relation.queryset = team_policy.visible_to(user)

    @extend_schema_field(OpenApiTypes.INT)
    def get_age(self, volunteer: Volunteer) -> int:
        return volunteer.age_on(timezone.localdate())


class VolunteerUpdateSerializer(VolunteerSerializer):
    """A change: the same fields, but membership is managed by the team, and registration is history."""

    class Meta(VolunteerSerializer.Meta):
        fields = [f for f in VolunteerSerializer.Meta.fields if f != "team_ids"]
        read_only_fields = [*VolunteerSerializer.Meta.read_only_fields, "registered_on"]
        extra_kwargs: dict = {}


class LeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField(required=False, allow_null=True, label=gettext_lazy("注销日期"),
                               help_text="注销日期，默认今天")


class VolunteerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Volunteers the caller may see, with masked ID and phone numbers. There is no DELETE: one deregisters."""

    policy = volunteer_policy
    filterset_class = VolunteerFilter
    serializer_class = output_serializer = VolunteerSerializer

    @property
    def policy_actions(self) -> dict[str, str]:
        return {"POST": "leave"} if self.action == "leave" else {}

    def get_serializer_class(self):
        return VolunteerUpdateSerializer if self.action == "partial_update" else VolunteerSerializer

    def decorate(self, queryset):
        memberships = (Membership.objects.filter(team__in=team_policy.visible_to(self.request.user))
                       .select_related("team").order_by("team__name", "team_id"))
        return queryset.select_related("region", "unit__region").prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"))

    @extend_schema(summary="登记志愿者", description="身份证号码须有效（格式、出生日期、校验位），并与出生日期、性别一致；"
                   "同一身份证号码只能登记一次。未满 18 周岁须填写监护人姓名、电话并经监护人同意。")
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["teams"] = data.pop("team_ids", [])
        volunteer = services.volunteer_register(actor=request.user, **data)
        return self._answer(volunteer, status.HTTP_201_CREATED)

    @extend_schema(summary="修改志愿者信息（身份证号码须仍与出生日期、性别一致）")
    def partial_update(self, request, *args, **kwargs):
        volunteer = self.get_object()
        serializer = self.get_serializer(volunteer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        volunteer = services.volunteer_update(actor=request.user, volunteer=volunteer, **serializer.validated_data)
        return self._answer(volunteer)

    @extend_schema(request=LeaveSerializer, responses=VolunteerSerializer, summary="注销（记录与服务时长保留）")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=LeaveSerializer)
    def leave(self, request, pk=None):
        volunteer = self.get_object()
        body = LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.volunteer_leave(actor=request.user, volunteer=volunteer,
                                                     on=body.validated_data.get("left_on")))
