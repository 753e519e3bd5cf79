"""/api/v1/ channels: media outlets, their science columns and issues, new-media accounts and their
yearly figures, and 科普中国 information-officer figures. Scope and errors as in kepu.orgs.base_api."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from rest_framework import serializers

from kepu.core.api_common import id_filter
from kepu.core.records import record_delete
from kepu.orgs.base_api import (
    RecordSerializer,
    RecordViewSet,
    region_field,
    region_filter,
    related_field,
    upsert_schema,
    year_filter,
)
from kepu.orgs.models import Unit

from . import services
from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    FigureSource,
    Frequency,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
    OutletKind,
    Platform,
)
from .policies import (
    account_policy,
    account_year_policy,
    column_issue_policy,
    column_policy,
    info_officer_policy,
    outlet_policy,
)

# --- media outlets ----------------------------------------------------------------------------------------


class OutletFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的媒体")
    kind = filters.ChoiceFilter(choices=OutletKind.choices, help_text="类型")
    unit = id_filter("unit_id", "主办单位 id")

    class Meta:
        model = MediaOutlet
        fields = ["region", "kind", "unit"]


class OutletSerializer(RecordSerializer):
    region = region_field()
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = related_field(Unit, gettext_lazy("主办单位"), "主办单位 id", required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)

    class Meta:
        model = MediaOutlet
        fields = ["id", "name", "kind", "region", "region_name", "unit", "unit_name", "is_demo", "created_at",
                  "updated_at", "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []  # a duplicate is the service's to answer (409 duplicate)


class OutletViewSet(RecordViewSet):
    """Newspapers, stations, magazines and websites of the regions the caller may see."""

    policy = outlet_policy
    filterset_class = OutletFilter
    serializer_class = OutletSerializer
    ordering = ("region_path", "name", "id")

    def decorate(self, queryset):
        return queryset.select_related("region", "unit__region")

    def create_record(self, data):
        return services.outlet_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.outlet_update(actor=self.request.user, outlet=obj, unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.outlet_delete(actor=self.request.user, outlet=obj)


# --- columns ----------------------------------------------------------------------------------------------


class ColumnFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的媒体的栏目", field="outlet__region_path")
    outlet = id_filter("outlet_id", "媒体 id")
    frequency = filters.ChoiceFilter(choices=Frequency.choices, help_text="刊播频次")

    class Meta:
        model = Column
        fields = ["region", "outlet", "frequency"]


class ColumnSerializer(RecordSerializer):
    visible = {"outlet": outlet_policy}

    outlet = related_field(MediaOutlet, gettext_lazy("媒体"), "媒体 id")
    outlet_name = serializers.CharField(source="outlet.name", read_only=True)
    region = serializers.SlugRelatedField(source="outlet.region", slug_field="code", read_only=True,
                                          help_text="媒体所在区划代码")

    class Meta:
        model = Column
        fields = ["id", "outlet", "outlet_name", "region", "name", "frequency", "started_on", "ended_on",
                  "description", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []


class ColumnUpdateSerializer(ColumnSerializer):
    outlet = serializers.PrimaryKeyRelatedField(read_only=True, help_text="媒体 id")


class ColumnViewSet(RecordViewSet):
    """Science columns (科普栏目) of the outlets the caller may see."""

    policy = column_policy
    filterset_class = ColumnFilter
    serializer_class = ColumnSerializer
    update_serializer_class = ColumnUpdateSerializer
    ordering = ("outlet__region_path", "outlet__name", "name", "id")

    def decorate(self, queryset):
        return queryset.select_related("outlet__region")

    def create_record(self, data):
        return services.column_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.column_update(actor=self.request.user, column=obj, unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.column_delete(actor=self.request.user, column=obj)


# --- column issues ----------------------------------------------------------------------------------------


class IssueFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的媒体的刊播记录")
    column = id_filter("column_id", "栏目 id")
    outlet = id_filter("column__outlet_id", "媒体 id")
    year = year_filter("刊播日期所在年度", field_name="date__year")
    start = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="刊播日期不早于")
    end = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="刊播日期不晚于")

    class Meta:
        model = ColumnIssue
        fields = ["region", "column", "outlet", "year", "start", "end"]


class IssueSerializer(RecordSerializer):
    visible = {"column": column_policy}

    column = related_field(Column, gettext_lazy("栏目"), "栏目 id")
    column_name = serializers.CharField(source="column.name", read_only=True)
    outlet = serializers.PrimaryKeyRelatedField(source="column.outlet", read_only=True, help_text="媒体 id")
    outlet_name = serializers.CharField(source="column.outlet.name", read_only=True)

    class Meta:
        model = ColumnIssue
        fields = ["id", "column", "column_name", "outlet", "outlet_name", "date", "title", "url", "iso_year",
                  "iso_week", "created_at", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "iso_year", "iso_week", "created_at", "updated_at"]


class IssueUpdateSerializer(IssueSerializer):
    column = serializers.PrimaryKeyRelatedField(read_only=True, help_text="栏目 id")


class IssueViewSet(RecordViewSet):
    """Issues (一期) of the science columns the caller may see, newest first."""

    policy = column_issue_policy
    filterset_class = IssueFilter
    serializer_class = IssueSerializer
    update_serializer_class = IssueUpdateSerializer
    ordering = ("-date", "-id")

    def decorate(self, queryset):
        return queryset.select_related("column__outlet")

    def create_record(self, data):
        return services.issue_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.issue_update(actor=self.request.user, issue=obj, unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.issue_delete(actor=self.request.user, issue=obj)


# --- new-media accounts -----------------------------------------------------------------------------------


class AccountFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的账号")
    platform = filters.ChoiceFilter(choices=Platform.choices, help_text="平台")
    unit = id_filter("unit_id", "运营单位 id")

    class Meta:
        model = NewMediaAccount
        fields = ["region", "platform", "unit"]


class AccountSerializer(RecordSerializer):
    region = region_field()
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = related_field(Unit, gettext_lazy("运营单位"), "运营单位 id", required=False, allow_null=True)
    unit_name = serializers.CharField(source="unit.full_name", read_only=True, allow_null=True)

    class Meta:
        model = NewMediaAccount
        fields = ["id", "platform", "name", "account_id", "region", "region_name", "unit", "unit_name", "is_demo",
                  "created_at", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []


class AccountViewSet(RecordViewSet):
    """New-media accounts (WeChat official accounts ...) of the regions the caller may see."""

    policy = account_policy
    filterset_class = AccountFilter
    serializer_class = AccountSerializer
    ordering = ("region_path", "platform", "name", "id")

    def decorate(self, queryset):
        return queryset.select_related("region", "unit__region")

    def create_record(self, data):
        return services.account_create(actor=self.request.user, **data), True

    def update_record(self, obj, data, unchanged_since):
        return services.account_update(actor=self.request.user, account=obj, unchanged_since=unchanged_since,
                                       **data)

    def delete_record(self, obj):
        services.account_delete(actor=self.request.user, account=obj)


class AccountYearFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的账号", field="account__region_path")
    account = id_filter("account_id", "账号 id")
    year = year_filter("年度")

    class Meta:
        model = AccountYear
        fields = ["region", "account", "year"]


class AccountYearSerializer(RecordSerializer):
    visible = {"account": account_policy}

    account = related_field(NewMediaAccount, gettext_lazy("账号"), "新媒体账号 id")
    account_name = serializers.CharField(source="account.name", read_only=True)
    platform = serializers.ChoiceField(source="account.platform", choices=Platform.choices, read_only=True)

    class Meta:
        model = AccountYear
        fields = ["id", "account", "account_name", "platform", "year", "followers", "posts", "reads", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []  # one row per account and year: a second one corrects the first


class AccountYearUpdateSerializer(AccountYearSerializer):
    account = serializers.PrimaryKeyRelatedField(read_only=True, help_text="新媒体账号 id")

    class Meta(AccountYearSerializer.Meta):
        read_only_fields = [*AccountYearSerializer.Meta.read_only_fields, "year"]


class AccountYearViewSet(RecordViewSet):
    """Yearly figures of the new-media accounts the caller may see."""

    policy = account_year_policy
    filterset_class = AccountYearFilter
    serializer_class = AccountYearSerializer
    update_serializer_class = AccountYearUpdateSerializer
    ordering = ("account__region_path", "account__name", "-year", "id")

    def decorate(self, queryset):
        return queryset.select_related("account")

    @upsert_schema(AccountYearSerializer, "账号年度数据")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_record(self, data):
        created = not AccountYear.objects.filter(account=data["account"], year=data["year"]).exists()
        return services.account_year_set(actor=self.request.user, **data), created

    def update_record(self, obj, data, unchanged_since):
        return services.account_year_set(actor=self.request.user, account=obj.account, year=obj.year, **data)

    def delete_record(self, obj):
        record_delete(actor=self.request.user, policy=account_year_policy, obj=obj, action="media_account_year")


# --- 科普中国 information officers --------------------------------------------------------------------------


class InfoOfficerFilter(filters.FilterSet):
    region = region_filter("区划代码：该区划及其所有下级区划的数据")
    year = year_filter("年度")
    source = filters.ChoiceFilter(choices=FigureSource.choices, help_text="来源")

    class Meta:
        model = InfoOfficerFigure
        fields = ["region", "year", "source"]


class InfoOfficerSerializer(RecordSerializer):
    region = region_field()
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = InfoOfficerFigure
        fields = ["id", "region", "region_name", "year", "registered", "active", "shares", "source", "note",
                  "is_demo", "created_at", "updated_at", "unchanged_since"]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]
        validators: list = []  # one row per region and year: a second one corrects the first


class InfoOfficerUpdateSerializer(InfoOfficerSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区划代码")

    class Meta(InfoOfficerSerializer.Meta):
        read_only_fields = [*InfoOfficerSerializer.Meta.read_only_fields, "year"]


class InfoOfficerViewSet(RecordViewSet):
    """科普中国 information officers (registered, active in the year, shares) per region and year."""

    policy = info_officer_policy
    filterset_class = InfoOfficerFilter
    serializer_class = InfoOfficerSerializer
    update_serializer_class = InfoOfficerUpdateSerializer
    ordering = ("-year", "region_path", "id")

    def decorate(self, queryset):
        return queryset.select_related("region")

    @upsert_schema(InfoOfficerSerializer, "信息员数据")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_record(self, data):
        created = not InfoOfficerFigure.objects.filter(region=data["region"], year=data["year"]).exists()
        return services.info_officers_set(actor=self.request.user, **data), created

    def update_record(self, obj, data, unchanged_since):
        return services.info_officers_set(actor=self.request.user, region=obj.region, year=obj.year,
                                          unchanged_since=unchanged_since, **data)

    def delete_record(self, obj):
        services.info_officers_delete(actor=self.request.user, figure=obj)
