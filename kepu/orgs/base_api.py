"""/api/v1/ base data of units (school profiles, 农技协, funding) and what every base-data API shares.

Base data (these, venues and channels) are `RegionRecord`s: every queryset starts from the record
policy's visible_to(user) (out of scope: 404), the policy answers whether the caller may add or
change (in scope, not allowed: 403), and the services do every write. Regions are named by code,
units and parent records by id, among those the caller may see. A duplicate or a write based on a
stale read (`unchanged_since` ≠ the record's `updated_at`) is a 409.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.response import Response

from kepu.accounts.scope import scope_of
from kepu.core.api import PolicyPermission
from kepu.core.api_common import IntegerFilter, ScopedViewSet, id_filter, in_subtree
from kepu.core.errors import Conflict
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from . import profile_services as services
from .measures import association_alive_q
from .models import (
    FeatureLevel,
    FundingRecord,
    FundingSource,
    FundingUse,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
)
from .policies import funding_policy, rural_association_policy, school_profile_policy, unit_policy

# --- shared by the base-data APIs (venues, channels, this module) ------------------------------------


class BaseDataPermission(PolicyPermission):
    """Staff only (citizens and outsiders: 403); changes to an object as its policy says."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and scope_of(request.user).is_staff


def region_filter(help_text: str, field: str = "region_path") -> filters.CharFilter:
    """`?region=<code>`: the records in that region's subtree (none for an unknown code)."""
    return filters.CharFilter(method=lambda queryset, name, value: in_subtree(queryset, value, field),
                              help_text=help_text)


def year_filter(help_text: str, field_name: str = "year", method: str | None = None) -> IntegerFilter:
    if method:
        return IntegerFilter(method=method, min_value=1949, max_value=2100, help_text=help_text)
    return IntegerFilter(field_name=field_name, min_value=1949, max_value=2100, help_text=help_text)


def region_field(label=None, help_text: str = "区划代码", **kwargs) -> serializers.SlugRelatedField:
    """A region by code; the queryset is set per request from `visible` (see RecordSerializer)."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.none(), label=label or gettext_lazy("所属区划"), help_text=help_text,
        error_messages={"does_not_exist": gettext_lazy("没有代码为“{value}”的区划，或您无权查看。")}, **kwargs)


def related_field(model, label, help_text: str, **kwargs) -> serializers.PrimaryKeyRelatedField:
    """A unit or parent record by id; the queryset is set per request from `visible`."""
    return serializers.PrimaryKeyRelatedField(
        queryset=model.objects.none(), label=label, help_text=help_text,
        error_messages={"does_not_exist": gettext_lazy("没有 id 为 {pk_value} 的记录，或您无权查看。")}, **kwargs)


class RecordSerializer(serializers.ModelSerializer):
    """Names related rows only among those the caller may see (`visible`: field → policy)."""

    visible: dict = {"region": region_policy, "unit": unit_policy}

    unchanged_since = serializers.DateTimeField(
        write_only=True, required=False, label=gettext_lazy("读取时间"),
        help_text="修改时可选：您读取时记录的 updated_at；其后已被他人修改则答 409 stale")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        for name, policy in self.visible.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                field.queryset = policy.visible_to(request.user)


def _is_duplicate(exc: DjangoValidationError) -> bool:
    """Only unique constraints failed (full_clean's answer for a duplicate): a conflict, not bad input."""
    errors = exc.error_dict
    return set(errors) == {NON_FIELD_ERRORS} and all(
        e.code in ("unique", "unique_together") for e in errors[NON_FIELD_ERRORS])


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


class BaseDataViewSet(ScopedViewSet):
    """Staff only; answers with the serializer of the action; field errors name the field in Chinese."""

    permission_classes = [BaseDataPermission]
    # A service's field name → the API's, where they differ (the officer's "region" is its "village").
    error_fields: dict[str, str] = {}

    def _answer(self, obj, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._fresh(obj)).data, status=code)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict") and _is_duplicate(exc):
            exc = Conflict(exc.messages[0], code="duplicate")
        elif isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            exc = self._labelled_errors(exc.message_dict)
        elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
            exc = self._labelled_errors(exc.detail)
        return super().handle_exception(exc)

    def _labelled_errors(self, detail: dict) -> DjangoValidationError:
        """Prefix each message with its field's Chinese label (else the parameter's name): "容纳人数：..."."""
        fields = self.get_serializer().fields
        out: dict[str, list[str]] = {}
        for name, messages in detail.items():
            name = self.error_fields.get(name, name)
            field = fields.get(name)
            label = str(field.label) if field is not None and field.label else name
            for message in _flat(messages):
                if name not in ("non_field_errors", NON_FIELD_ERRORS) and label not in message:
                    message = _("%(label)s：%(message)s") % {"label": label, "message": message}
                out.setdefault(name, []).append(message)
        return DjangoValidationError(out)


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseDataViewSet):
    """List, retrieve, create, change and delete records through their services.

    Subclasses give `policy`, `serializer_class`, optionally `update_serializer_class` (fields fixed
    once created, such as the parent record, are read-only there) and the three writes."""

    update_serializer_class: type[serializers.Serializer] | None = None
    ordering: tuple[str, ...] = ("id",)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class is not None:
            return self.update_serializer_class
        return self.serializer_class

    def get_queryset(self):
        return super().get_queryset().order_by(*self.ordering)

    # The writes, through the services.
    def create_record(self, data: dict) -> tuple:
        """The new (or, for a yearly figure, replaced) record, and whether it was created."""
        raise NotImplementedError

    def update_record(self, obj, data: dict, unchanged_since):
        raise NotImplementedError

    def delete_record(self, obj) -> None:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        if not self.policy.can(request.user, "add"):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("unchanged_since", None)
        obj, created = self.create_record(data)
        return self._answer(obj, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def update(self, request, *args, partial: bool = False, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        since = data.pop("unchanged_since", None)
        return self._answer(self.update_record(obj, data, since))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.delete_record(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def upsert_schema(serializer, what: str):
    """Document a create that enters or corrects the one record of its key."""
    return extend_schema(
        summary=f"填报{what}（已有同一{what}时更正）",
        responses={201: OpenApiResponse(serializer, description="新建"),
                   200: OpenApiResponse(serializer, description="已有，已更正")})


# --- school profiles ----------------------------------------------------------------------------------


class SchoolProfileFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的学校")
    year = year_filter("年度")
    unit = id_filter("unit_id", "学校（单位）id")
    district_run = filters.BooleanFilter(help_text="是否区属学校")
    has_tech_room = filters.BooleanFilter(help_text="是否建有科技活动室")
    feature_level = filters.ChoiceFilter(choices=FeatureLevel.choices, help_text="科技特色学校级别")

    class Meta:
        model = SchoolProfile
        fields = ["region", "year", "unit", "district_run", "has_tech_room", "feature_level"]


class SchoolProfileSerializer(RecordSerializer):
    unit = related_field(Unit, gettext_lazy("学校"), "学校（小学或中学单位）id")
    unit_name = serializers.CharField(source="unit.full_name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="学校所在区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    staff_compliant = serializers.BooleanField(read_only=True,
                                               help_text="科学教师 ≥ 2 人或专兼职科技辅导员 ≥ 3 人")

    class Meta:
        model = SchoolProfile
        fields = ["id", "unit", "unit_name", "region", "region_name", "year", "district_run", "science_teachers",
                  "tutors_full_time", "tutors_part_time", "has_tech_room", "feature_level", "note", "staff_compliant",
                  "is_demo", "created_at", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []  # a duplicate is the service's to answer (409 duplicate)


class SchoolProfileUpdateSerializer(SchoolProfileSerializer):
    unit = serializers.PrimaryKeyRelatedField(read_only=True, help_text="学校 id")

    class Meta(SchoolProfileSerializer.Meta):
        read_only_fields = [*SchoolProfileSerializer.Meta.read_only_fields, "year"]


class SchoolProfileViewSet(RecordViewSet):
    """Primary and secondary schools' science staff and facilities, one profile per school and year."""

    policy = school_profile_policy
    filterset_class = SchoolProfileFilter
    serializer_class = SchoolProfileSerializer
    update_serializer_class = SchoolProfileUpdateSerializer
    ordering = ("region_path", "unit__name", "-year", "id")

    def decorate(self, queryset):
        return queryset.select_related("unit__region", "region")

    @upsert_schema(SchoolProfileSerializer, "学校年度科普情况")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_record(self, data):
        created = not SchoolProfile.objects.filter(unit=data["unit"], year=data["year"]).exists()
        return services.school_profile_set(actor=self.request.user, **data), created

    def update_record(self, obj, data, unchanged_since):
        return services.school_profile_set(actor=self.request.user, unit=obj.unit, year=obj.year,
                                           unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.school_profile_delete(actor=self.request.user, profile=obj)


# --- 农技协 ---------------------------------------------------------------------------------------------


class AssociationFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的农技协")
    year = year_filter("年度：该年末存续的农技协", method="alive_in")
    unit = id_filter("unit_id", "对应单位 id")
    on_smart_platform = filters.BooleanFilter(help_text="是否已入驻智慧农技协平台")

    class Meta:
        model = RuralTechAssociation
        fields = ["region", "year", "unit", "on_smart_platform"]

    def alive_in(self, queryset, name, value: int):
        return queryset.filter(association_alive_q(datetime.date(value, 12, 31)))


class AssociationSerializer(RecordSerializer):
    region = region_field(help_text="镇（街）或村（社区）的区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = related_field(Unit, gettext_lazy("对应单位"), "对应单位 id", required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)

    class Meta:
        model = RuralTechAssociation
        fields = ["id", "name", "region", "region_name", "unit", "unit_name", "founded_on", "dissolved_on", "members",
                  "on_smart_platform", "industry", "contact_name", "is_demo", "created_at", "updated_at",
                  "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []  # a duplicate is the service's to answer (409 duplicate)


class AssociationViewSet(RecordViewSet):
    """Rural professional technical associations (农技协) of towns and villages."""

    policy = rural_association_policy
    filterset_class = AssociationFilter
    serializer_class = AssociationSerializer
    ordering = ("region_path", "name", "id")

    def decorate(self, queryset):
        return queryset.select_related("region", "unit__region")

    def create_record(self, data):
        return services.association_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.association_update(actor=self.request.user, association=obj,
                                           unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.association_delete(actor=self.request.user, association=obj)


# --- funding -------------------------------------------------------------------------------------------


class FundingFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的经费")
    year = year_filter("年度")
    unit = id_filter("unit_id", "单位 id")
    source = filters.MultipleChoiceFilter(choices=FundingSource.choices, help_text="来源（可多选）")
    use = filters.ChoiceFilter(choices=FundingUse.choices, help_text="使用方向")

    class Meta:
        model = FundingRecord
        fields = ["region", "year", "unit", "source", "use"]


class FundingSerializer(RecordSerializer):
    region = region_field()
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = related_field(Unit, gettext_lazy("单位"), "单位 id", required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)
    statistics_group = serializers.CharField(read_only=True, help_text="全国科普统计的经费筹集类别")

    class Meta:
        model = FundingRecord
        fields = ["id", "region", "region_name", "unit", "unit_name", "year", "source", "statistics_group", "use",
                  "budgeted", "received", "purpose", "document_number", "note", "is_demo", "created_at",
                  "updated_at", "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]


class FundingViewSet(RecordViewSet):
    """Science-popularization funding per region (and unit) and year: budgeted and received."""

    policy = funding_policy
    filterset_class = FundingFilter
    serializer_class = FundingSerializer
    ordering = ("-year", "region_path", "source", "id")

    def decorate(self, queryset):
        return queryset.select_related("region", "unit__region")

    def create_record(self, data):
        return services.funding_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.funding_update(actor=self.request.user, record=obj, unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.funding_delete(actor=self.request.user, record=obj)
