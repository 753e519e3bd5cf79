"""/api/v1/ venues (科普阵地), their certifications and monthly visitors, and village science officers.

Scope and errors as in kepu.orgs.base_api. A village science officer is shown by name and masked
phone number only: no response holds a full phone number (nor the account's username, which for an
officer appointed by phone is derived from it).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from kepu.accounts.models import Role, RoleAssignment
from kepu.accounts.policies import role_assignment_policy
from kepu.core.api_common import id_filter
from kepu.core.pii import mask_phone
from kepu.core.records import record_delete
from kepu.orgs.base_api import (
    BaseDataViewSet,
    RecordSerializer,
    RecordViewSet,
    region_field,
    region_filter,
    related_field,
    upsert_schema,
    year_filter,
)
from kepu.orgs.models import Unit
from kepu.regions.policies import region_policy

from . import officers, services
from .models import (
    Certification,
    Level,
    Venue,
    VenueType,
    VisitorFigure,
    in_use_q,
    valid_in_q,
)
from .policies import certification_policy, venue_policy, visitor_figure_policy
from .selectors import CERTIFIED_LEVELS


class CoordinateField(serializers.DecimalField):
    """A longitude or latitude: a GPS reading's extra digits are rounded off, not refused."""

    def __init__(self, limit: int, **kwargs):
        super().__init__(max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, required=False,
                         allow_null=True, **kwargs)

    def validate_precision(self, value):
        try:
            value = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # too many digits to round: far out of range anyway
            self.fail("invalid")
        return super().validate_precision(value)


# --- venues ---------------------------------------------------------------------------------------------


class VenueFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的阵地")
    type = filters.MultipleChoiceFilter(choices=VenueType.choices, help_text="类型（可多选）")
    unit = id_filter("unit_id", "运营单位 id")
    year = year_filter("年度：该年末在用（已建成、未停用）的阵地", method="in_use_in")
    certified = filters.ChoiceFilter(choices=Level.choices, method="certified_at_least", help_text=(
        "持有该级别及以上、在 year 年度（未给 year 时为今年）有效的认定：municipal 即市级及以上"))
    is_public = filters.BooleanFilter(help_text="是否向公众开放")
    q = filters.CharFilter(method="search", help_text="名称或地址包含")

    class Meta:
        model = Venue
        fields = ["region", "type", "unit", "year", "certified", "is_public", "q"]

    def in_use_in(self, queryset, name, value: int):
        return queryset.filter(in_use_q(datetime.date(value, 12, 31)))

    def certified_at_least(self, queryset, name, value: str):
        year = self.form.cleaned_data.get("year") or timezone.localdate().year
        held = Certification.objects.filter(valid_in_q(year), venue=OuterRef("pk"), level__in=CERTIFIED_LEVELS[value])
        return queryset.filter(Exists(held))

    def search(self, queryset, name, value: str):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value)) if value else queryset


class HeldCertificationSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True, help_text="称号（未填时按级别和类型）")

    class Meta:
        model = Certification
        fields = ["id", "level", "title", "display", "body", "year", "valid_until", "review_on", "document_number",
                  "revoked_on"]
        read_only_fields = fields


class VenueSerializer(RecordSerializer):
    region = region_field(help_text="所在区划代码（可到村、社区）")
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = related_field(Unit, gettext_lazy("运营单位"), "运营单位 id", required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)
    longitude = CoordinateField(180, label=gettext_lazy("经度"), help_text="经度（多于 6 位小数时四舍五入）")
    latitude = CoordinateField(90, label=gettext_lazy("纬度"), help_text="纬度（多于 6 位小数时四舍五入）")
    certifications = HeldCertificationSerializer(many=True, read_only=True, help_text="认定（新的在前）")

    class Meta:
        model = Venue
        fields = ["id", "name", "type", "region", "region_name", "unit", "unit_name", "address", "longitude",
                  "latitude", "opening_hours", "floor_area", "exhibition_area", "capacity", "is_public", "opened_on",
                  "closed_on", "description", "certifications", "is_demo", "created_at", "updated_at",
                  "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []  # a duplicate is the service's to answer (409 duplicate)


class VenueViewSet(RecordViewSet):
    """Science venues and bases the caller may see, with their certifications."""

    policy = venue_policy
    filterset_class = VenueFilter
    serializer_class = VenueSerializer
    ordering = ("region_path", "type", "name", "id")

    def decorate(self, queryset):
        return queryset.select_related("region", "unit__region").prefetch_related(
            Prefetch("certifications", queryset=Certification.objects.order_by("-year", "level", "id")))

    def create_record(self, data):
        return services.venue_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.venue_update(actor=self.request.user, venue=obj, unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.venue_delete(actor=self.request.user, venue=obj)


# --- certifications ---------------------------------------------------------------------------------------


class CertificationFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的阵地的认定", field="venue__region_path")
    venue = id_filter("venue_id", "阵地 id")
    level = filters.ChoiceFilter(choices=Level.choices, help_text="级别")
    year = year_filter("认定年度")
    valid_in = year_filter("年度：在该年有效（已认定、未过期、未撤销）的认定", method="valid_in_year")

    class Meta:
        model = Certification
        fields = ["region", "venue", "level", "year", "valid_in"]

    def valid_in_year(self, queryset, name, value: int):
        return queryset.filter(valid_in_q(value))


class CertificationSerializer(RecordSerializer):
    visible = {"venue": venue_policy}

    venue = related_field(Venue, gettext_lazy("阵地"), "阵地 id")
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    region = serializers.SlugRelatedField(source="venue.region", slug_field="code", read_only=True,
                                          help_text="阵地所在区划代码")
    display = serializers.CharField(source="__str__", read_only=True, help_text="称号（未填时按级别和类型）")

    class Meta:
        model = Certification
        fields = ["id", "venue", "venue_name", "region", "level", "title", "display", "body", "year", "valid_until",
                  "review_on", "document_number", "revoked_on", "created_at", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class CertificationUpdateSerializer(CertificationSerializer):
    venue = serializers.PrimaryKeyRelatedField(read_only=True, help_text="阵地 id")


class CertificationViewSet(RecordViewSet):
    """Certifications (national, municipal, district) of the venues the caller may see."""

    policy = certification_policy
    filterset_class = CertificationFilter
    serializer_class = CertificationSerializer
    update_serializer_class = CertificationUpdateSerializer
    ordering = ("venue__region_path", "venue__name", "-year", "id")

    def decorate(self, queryset):
        return queryset.select_related("venue__region")

    def create_record(self, data):
        return services.certification_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.certification_update(actor=self.request.user, certification=obj,
                                             unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.certification_delete(actor=self.request.user, certification=obj)


# --- visitor figures --------------------------------------------------------------------------------------


class VisitorFigureFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的阵地", field="venue__region_path")
    venue = id_filter("venue_id", "阵地 id")
    year = year_filter("年度")

    class Meta:
        model = VisitorFigure
        fields = ["region", "venue", "year"]


class VisitorFigureSerializer(RecordSerializer):
    visible = {"venue": venue_policy}

    venue = related_field(Venue, gettext_lazy("阵地"), "阵地 id")
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    region = serializers.SlugRelatedField(source="venue.region", slug_field="code", read_only=True,
                                          help_text="阵地所在区划代码")

    class Meta:
        model = VisitorFigure
        fields = ["id", "venue", "venue_name", "region", "year", "month", "visitors", "note", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []  # one row per venue and month: a second one corrects the first


class VisitorFigureUpdateSerializer(VisitorFigureSerializer):
    venue = serializers.PrimaryKeyRelatedField(read_only=True, help_text="阵地 id")

    class Meta(VisitorFigureSerializer.Meta):
        read_only_fields = [*VisitorFigureSerializer.Meta.read_only_fields, "year", "month"]


class VisitorFigureViewSet(RecordViewSet):
    """Monthly visitors of the venues the caller may see."""

    policy = visitor_figure_policy
    filterset_class = VisitorFigureFilter
    serializer_class = VisitorFigureSerializer
    update_serializer_class = VisitorFigureUpdateSerializer
    ordering = ("venue__region_path", "venue__name", "-year", "-month", "id")

    def decorate(self, queryset):
        return queryset.select_related("venue__region")

    @upsert_schema(VisitorFigureSerializer, "月接待人次")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_record(self, data):
        created = not VisitorFigure.objects.filter(venue=data["venue"], year=data["year"],
                                                   month=data["month"]).exists()
        return services.visitors_set(actor=self.request.user, **data), created

    def update_record(self, obj, data, unchanged_since):
        return services.visitors_set(actor=self.request.user, venue=obj.venue, year=obj.year, month=obj.month,
                                     visitors=data.get("visitors", obj.visitors), note=data.get("note", obj.note))

    def delete_record(self, obj):
        record_delete(actor=self.request.user, policy=visitor_figure_policy, obj=obj, action="venue_visitors")


# --- village science officers -----------------------------------------------------------------------------


class OfficerFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的村（社区）", field="region__path")

    class Meta:
        model = RoleAssignment
        fields = ["region"]


class OfficerSerializer(serializers.ModelSerializer):
    village = region_field(gettext_lazy("村（社区）"), help_text="村（社区）的区划代码", source="region")
    village_name = serializers.CharField(source="region.name", read_only=True)
    name = serializers.CharField(source="user.display_name", max_length=50, label=gettext_lazy("姓名"),
                                 help_text="姓名（该手机号码已有账户时沿用账户的姓名）")
    phone = serializers.CharField(write_only=True, max_length=20, label=gettext_lazy("手机号码"),
                                  help_text="11 位手机号码（只写；响应中只有 phone_masked）")
    phone_masked = serializers.SerializerMethodField(help_text="手机号码（已脱敏）")

    class Meta:
        model = RoleAssignment
        fields = ["id", "village", "village_name", "name", "phone", "phone_masked", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["village"].queryset = region_policy.visible_to(request.user)

    def get_phone_masked(self, assignment: RoleAssignment) -> str:
        return mask_phone(assignment.user.phone) if assignment.user.phone else ""


class VillageOfficerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """Village science officers (村级科普员) of the villages the caller may see: a role assignment each."""

    policy = role_assignment_policy
    policy_actions = {"DELETE": "revoke"}
    filterset_class = OfficerFilter
    serializer_class = OfficerSerializer
    error_fields = {"region": "village"}

    def get_queryset(self):
        villages = region_policy.visible_to(self.request.user)
        return (RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region__in=villages)
                .select_related("region", "user").order_by("region__path", "user__display_name", "id"))

    def _fresh(self, obj):
        return RoleAssignment.objects.select_related("region", "user").get(pk=obj.pk)

    @extend_schema(summary="配备村级科普员", description=(
        "按手机号码找到账户（没有时新建一个不能登录的账户，本人经找回密码设置密码后登录），授予该村（社区）的"
        "村级科普员角色。须为该村所在区域的管理员；已是该村科普员：409 duplicate。"))
    def create(self, request, *args, **kwargs):
        if not role_assignment_policy.can(request.user, "manage"):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = officers.village_officer_appoint(actor=request.user, village=data["region"],
                                                      name=data["user"]["display_name"], phone=data["phone"])
        return self._answer(assignment, status.HTTP_201_CREATED)

    @extend_schema(summary="取消村级科普员（账户保留）")
    def destroy(self, request, *args, **kwargs):
        officers.village_officer_remove(actor=request.user, assignment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

