"""REST API of activities: plan and run activities, register, check in, theme days.

Every queryset starts from activity_policy.visible_to(user) (out of scope: 404); the policy answers
whether the caller may do a step (in scope, not allowed: 403). Registration is the one public
write: anyone may register for a public activity, throttled per client.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from kepu.accounts.models import Role
from kepu.accounts.scope import scope_of
from kepu.core.api import PolicyPermission
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from . import selectors, services
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CheckIn,
    Registration,
    RegistrationStatus,
    TargetGroup,
    ThemeDay,
)
from .policies import activity_policy, public_activities

# --- throttles ------------------------------------------------------------------------------------


class ClientRateThrottle(SimpleRateThrottle):
    """Counted per user when signed in, per client address otherwise.

    The rate is read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope] at each request (DRF
    binds it once at import), so that a settings change, in tests too, takes effect.
    """

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in rates:
            raise ImproperlyConfigured(f'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] has no rate for "{self.scope}"')
        return rates[self.scope]

    def get_ident(self, request):
        if api_settings.NUM_PROXIES is None:
            # No trusted proxy configured: a client can write any X-Forwarded-For it likes.
            return request.META.get("REMOTE_ADDR", "") or "unknown"
        return super().get_ident(request)

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RegistrationThrottle(ClientRateThrottle):
    scope = "activity_registrations"


class CheckinThrottle(ClientRateThrottle):
    scope = "activity_checkins"


# --- activities -------------------------------------------------------------------------------------


class ActivityFilter(filters.FilterSet):
    region = filters.CharFilter(method="in_region", help_text="区划代码：该区划及其所有下级区划的活动")
    unit = filters.NumberFilter(method="of_unit", help_text="单位 id：由该单位主办或协办的活动")
    kind = filters.ChoiceFilter(choices=ActivityKind.choices, help_text="活动形式")
    theme = filters.NumberFilter(method="on_theme_day", help_text="主题日 id")
    group = filters.CharFilter(method="for_group", help_text="目标人群 key，如 youth、farmers、public")
    status = filters.ChoiceFilter(choices=ActivityStatus.choices, help_text="状态")
    year = filters.NumberFilter(method="in_year", min_value=1949, max_value=2100,
                                help_text="年度：与该年有交集的活动")
    start = filters.DateFilter(method="from_date", help_text="日期（含）：在此日期或之后结束的活动")
    end = filters.DateFilter(method="to_date", help_text="日期（含）：在此日期或之前开始的活动")
    q = filters.CharFilter(method="search", help_text="名称或地点包含")
    volunteer_service = filters.BooleanFilter(method="volunteer", help_text="是否为科技志愿服务活动")

    class Meta:
        model = Activity
        fields = ["region", "unit", "kind", "theme", "group", "status", "year", "start", "end", "q",
                  "volunteer_service"]

    def in_region(self, queryset, name, value: str):
        region = Region.objects.filter(code=value.strip()).only("path").first()
        return selectors.filter_activities(queryset, region=region) if region else queryset.none()

    def of_unit(self, queryset, name, value: int):
        unit = Unit.objects.filter(pk=int(value)).first()
        return selectors.filter_activities(queryset, unit=unit) if unit else queryset.none()

    def on_theme_day(self, queryset, name, value: int):
        theme = ThemeDay.objects.filter(pk=int(value)).first()
        return selectors.filter_activities(queryset, theme=theme) if theme else queryset.none()

    def for_group(self, queryset, name, value: str):
        group = TargetGroup.objects.filter(key=value.strip()).first()
        return selectors.filter_activities(queryset, group=group) if group else queryset.none()

    def in_year(self, queryset, name, value: int):
        year = int(value)
        return selectors.filter_activities(queryset, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))

    def from_date(self, queryset, name, value: datetime.date):
        return selectors.filter_activities(queryset, start=value)

    def to_date(self, queryset, name, value: datetime.date):
        return selectors.filter_activities(queryset, end=value)

    def search(self, queryset, name, value: str):
        return selectors.filter_activities(queryset, query=value)

    def volunteer(self, queryset, name, value: bool):
        return selectors.filter_activities(queryset, volunteer_service=value)


class ActivityLinksSerializer(serializers.Serializer):
    public = serializers.URLField(allow_null=True, help_text="公众页面（仅已发布、已结束、已报送的活动；否则为 null）")


def public_url(request, activity: Activity) -> str | None:
    """The activity's public page, for activities the public may see."""
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED, ActivityStatus.REPORTED):
        return None
    path = reverse("public:detail", kwargs={"pk": activity.pk})
    return request.build_absolute_uri(path) if request is not None else path


class ActivitySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.none(),
                                          help_text="活动所在区划的代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    organizer = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), required=False,
        help_text="主办单位 id（必填；调用者只是一个单位的联络员时可省略，默认为该单位）",
    )
    organizer_name = serializers.CharField(source="organizer.full_name", read_only=True)
    co_organizers = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.none(), required=False,
                                                       help_text="协办单位 id")
    theme_days = serializers.PrimaryKeyRelatedField(many=True, queryset=ThemeDay.objects.all(), required=False,
                                                    help_text="主题日 id（见 /api/v1/theme-days/）")
    target_groups = serializers.SlugRelatedField(many=True, slug_field="key", queryset=TargetGroup.objects.all(),
                                                 required=False, help_text="目标人群 key")
    seats_left = serializers.IntegerField(read_only=True, allow_null=True, help_text="剩余名额（不限名额时为 null）")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "title", "kind", "status", "region", "region_name", "organizer", "organizer_name",
                  "co_organizers", "start", "end", "capacity", "confirmed_count", "seats_left",
                  "registration_required", "is_volunteer_service", "theme_days", "target_groups", "description",
                  "venue", "online_url", "cancel_reason", "is_demo", "created_at", "updated_at", "links"]
        read_only_fields = ["id", "status", "confirmed_count", "cancel_reason", "is_demo", "created_at",
                            "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only regions and units the caller may see can be named; the service then decides
            # whether the caller may organize for them (403 if not).
            user = request.user
            self.fields["region"].queryset = region_policy.visible_to(user)
            self.fields["organizer"].queryset = unit_policy.visible_to(user)
            # A co-organizer may also be a unit of a region above (the city's 科协 ...).
            self.fields["co_organizers"].child_relation.queryset = Unit.objects.filter(
                Q(pk__in=unit_policy.visible_to(user).values("pk")) | Q(region__in=region_policy.visible_to(user))
            )

    @extend_schema_field(ActivityLinksSerializer)
    def get_links(self, activity: Activity) -> dict:
        return {"public": public_url(self.context.get("request"), activity)}


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                   help_text="取消原因")


class ReturnReportSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, help_text="退回意见（必填）")


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="姓名")
    phone = serializers.CharField(max_length=20, help_text="11 位手机号码")
    group = serializers.SlugRelatedField(slug_field="key", queryset=TargetGroup.objects.all(), required=False,
                                         allow_null=True, help_text="所属人群 key（可选）")


class RegistrationCreatedSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True)
    group = serializers.SlugRelatedField(slug_field="key", read_only=True)
    token = serializers.CharField(read_only=True, help_text="签到凭证：报名人出示（二维码）供现场签到，请妥善保存")

    class Meta:
        model = Registration
        fields = ["id", "activity", "name", "phone", "group", "status", "token", "created_at"]
        read_only_fields = fields


class RegistrationSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="手机号码（已脱敏）")
    group = serializers.SlugRelatedField(slug_field="key", read_only=True)
    checked_in_at = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = ["id", "name", "phone", "group", "status", "created_at", "status_changed_at", "checked_in_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_checked_in_at(self, registration: Registration):
        checkin = getattr(registration, "checkin", None)  # a missing one-to-one raises AttributeError
        return serializers.DateTimeField().to_representation(checkin.at) if checkin else None


class RegistrationQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RegistrationStatus.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, default="")


# Lifecycle steps are policy actions of the same name: PolicyPermission answers 403 before the
# service runs (which checks again).
STEPS = frozenset({"publish", "cancel", "finish", "report", "return_report"})


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Activities the caller may see. There is no DELETE: an activity is cancelled, not removed."""

    policy = activity_policy
    permission_classes = [PolicyPermission]
    filterset_class = ActivityFilter
    serializer_class = ActivitySerializer
    lookup_value_regex = r"[0-9]+"

    @property
    def policy_actions(self) -> dict[str, str]:
        return {"POST": self.action} if self.action in STEPS else {}

    def get_queryset(self):
        return (activity_policy.visible_to(self.request.user)
                .select_related("region", "organizer__region")
                .prefetch_related("theme_days", "target_groups", "co_organizers"))

    def get_permissions(self):
        if self.action == "register":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "register":
            return [RegistrationThrottle()]
        return super().get_throttles()

    def _fresh(self, activity: Activity) -> Activity:
        return self.get_queryset().get(pk=activity.pk)

    def _answer(self, activity: Activity) -> Response:
        return Response(ActivitySerializer(self._fresh(activity), context=self.get_serializer_context()).data)

    def _default_organizer(self) -> Unit:
        units = scope_of(self.request.user).unit_ids({Role.UNIT_LIAISON})
        unit = unit_policy.visible_to(self.request.user).filter(pk__in=units).first() if len(units) == 1 else None
        if unit is None:
            raise serializers.ValidationError({"organizer": [_("请填写主办单位（单位 id）。")]})
        return unit

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("organizer") is None:
            data["organizer"] = self._default_organizer()
        activity = services.activity_create(actor=self.request.user, **data)
        serializer.instance = self._fresh(activity)

    def perform_update(self, serializer):
        activity = services.activity_update(actor=self.request.user, activity=serializer.instance,
                                            **serializer.validated_data)
        serializer.instance = self._fresh(activity)

    # --- lifecycle --------------------------------------------------------------------------------

    @extend_schema(request=None, responses=ActivitySerializer, summary="发布（草稿 → 已发布）")
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        return self._answer(services.activity_publish(actor=request.user, activity=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=ActivitySerializer, summary="取消活动（草稿或已发布）")
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.activity_cancel(actor=request.user, activity=activity,
                                                     reason=body.validated_data["reason"]))

    @extend_schema(request=None, responses=ActivitySerializer, summary="标记为已结束（活动开始之后）")
    @action(detail=True, methods=["post"], filter_backends=[])
    def finish(self, request, pk=None):
        return self._answer(services.activity_finish(actor=request.user, activity=self.get_object()))

    @extend_schema(request=None, responses=ActivitySerializer, summary="报送参与情况报告（已结束 → 已报送）")
    @action(detail=True, methods=["post"], filter_backends=[])
    def report(self, request, pk=None):
        return self._answer(services.report_submit(actor=request.user, activity=self.get_object()))

    @extend_schema(request=ReturnReportSerializer, responses=ActivitySerializer,
                   summary="退回参与情况报告（已报送 → 已结束）")
    @action(detail=True, methods=["post"], url_path="return-report", filter_backends=[])
    def return_report(self, request, pk=None):
        activity = self.get_object()
        body = ReturnReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.report_return(actor=request.user, activity=activity,
                                                   comment=body.validated_data["comment"]))

    # --- registrations ----------------------------------------------------------------------------

    @extend_schema(
        parameters=[RegistrationQuerySerializer],
        responses=RegistrationSerializer(many=True),
        summary="报名名单（需查看报名的权限；手机号码已脱敏）",
    )
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=RegistrationSerializer)
    def registrations(self, request, pk=None):
        activity = self.get_object()
        activity_policy.check(request.user, "view_registrations", activity)
        query = RegistrationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.registrations_search(activity, query.validated_data["q"]).select_related("group")
        if query.validated_data.get("status"):
            qs = qs.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(qs.order_by("created_at", "id"))
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)

    @extend_schema(
        request=RegisterSerializer,
        responses={201: RegistrationCreatedSerializer},
        summary="报名（公开：无需登录；仅限已发布且需要报名的活动）",
        description="名额已满时进入候补（status=waitlisted）。同一手机号码重复报名：409 already_registered。"
                    "按客户端限速（REST_FRAMEWORK DEFAULT_THROTTLE_RATES 的 activity_registrations），超出时 429。",
    )
    @registrations.mapping.post
    def register(self, request, pk=None):
        activity = public_activities().filter(pk=pk).first()
        if activity is None:
            raise Http404
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        registration = services.registration_create(activity=activity, user=request.user, **body.validated_data)
        return Response(RegistrationCreatedSerializer(registration).data, status=status.HTTP_201_CREATED)


# --- check-in ---------------------------------------------------------------------------------------


class CheckinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500, help_text="签到凭证，或扫描二维码得到的网址")
    activity = serializers.IntegerField(required=False, allow_null=True,
                                        help_text="正在签到的活动 id（可选；填写后其他活动的凭证会被指出）")
    method = serializers.ChoiceField(choices=[CheckIn.Method.SCAN, CheckIn.Method.TOKEN], default=CheckIn.Method.TOKEN,
                                     required=False)


class CheckinPersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)


OUTCOMES = ["checked_in", "already", "unknown", "other_activity", "cancelled", "waitlisted"]


class CheckinResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    message = serializers.CharField()
    registration = CheckinPersonSerializer(allow_null=True)
    at = serializers.DateTimeField(allow_null=True, help_text="签到时间")


class CheckinRefusalSerializer(CheckinResultSerializer):
    code = serializers.CharField(help_text="同 outcome")
    extra = serializers.DictField()


CHECKIN_STATUS = {"checked_in": 200, "already": 200, "unknown": 404}


class CheckinView(APIView):
    """Check a registration in by its token (the organizer's staff, at the door)."""

    throttle_classes = [CheckinThrottle]

    @extend_schema(
        request=CheckinSerializer,
        responses={200: CheckinResultSerializer,
                   404: OpenApiResponse(CheckinRefusalSerializer, description="没有这个报名（或不在您的范围内）"),
                   409: OpenApiResponse(CheckinRefusalSerializer,
                                        description="其他活动的凭证、已取消或仍在候补的报名")},
        summary="签到",
        description="重复签到不会重复计数（outcome=already，HTTP 200）。",
    )
    def post(self, request):
        body = CheckinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        activity = activity_policy.get_visible(request.user, pk=data["activity"]) if data.get("activity") else None
        registration = selectors.registration_for_checkin(data["token"])
        # A token of an activity the caller cannot see answers exactly like a forged one.
        if registration is None or not activity_policy.visible_to(request.user).filter(
                pk=registration.activity_id).exists():
            return self._answer("unknown", _("无效的签到凭证：没有这个报名。"))
        result = services.checkin(actor=request.user, activity=activity, token=registration.token,
                                  method=data.get("method") or CheckIn.Method.TOKEN)
        return self._answer(result.outcome, result.message, result.registration, result.at)

    def _answer(self, outcome: str, message: str, registration: Registration | None = None, at=None) -> Response:
        payload = {
            "outcome": outcome,
            "message": message,
            "registration": {"name": registration.name, "status": registration.status} if registration else None,
            "at": serializers.DateTimeField().to_representation(at) if at else None,
        }
        code = CHECKIN_STATUS.get(outcome, 409)
        if code >= 400:  # refusals also follow the API's error shape
            payload.update(code=outcome, extra={})
        return Response(payload, status=code)


# --- theme days ---------------------------------------------------------------------------------------


class ThemeDaySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    span = serializers.CharField(help_text="day、week、month 或 period")
    month_day = serializers.CharField(help_text="固定日期（如 03-22）或月份（如 06）；每年变动的主题日为空")
    rule = serializers.CharField()
    is_variable = serializers.BooleanField(help_text="日期是否每年公布")
    year = serializers.IntegerField()
    start = serializers.DateField(allow_null=True, help_text="该年的开始日期（每年变动且尚未设置时为 null）")
    end = serializers.DateField(allow_null=True)


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1949, max_value=2100, required=False, help_text="年度，默认今年")


class ThemeDayDatesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ThemeDayDateSerializer(serializers.Serializer):
    theme_day = serializers.IntegerField(source="theme_day_id")
    year = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class ThemeDayViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Theme days (主题日) with their dates in a year; anyone may read them."""

    queryset = ThemeDay.objects.all()
    serializer_class = ThemeDaySerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"

    @extend_schema(parameters=[YearQuerySerializer], summary="主题日及其在某年的日期")
    def list(self, request, *args, **kwargs):
        query = YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        rows = [{"id": day.pk, "name": day.name, "span": day.span, "month_day": day.month_day, "rule": day.rule,
                 "is_variable": day.is_variable, "year": year, "start": start, "end": end}
                for day, start, end in selectors.theme_day_dates(year)]
        return Response(ThemeDaySerializer(rows, many=True).data)

    @extend_schema(
        request=ThemeDayDatesSerializer, responses=ThemeDayDateSerializer,
        parameters=[OpenApiParameter("year", int, OpenApiParameter.PATH, description="年度")],
        summary="设置主题日在某年的日期（平台管理员与省级管理员）",
    )
    @action(detail=True, methods=["put"], url_path=r"dates/(?P<year>[0-9]{4})",
            permission_classes=[permissions.IsAuthenticated])
    def dates(self, request, pk=None, year=None):
        theme_day = self.get_object()
        year = int(year)
        if not 1949 <= year <= 2100:
            raise serializers.ValidationError({"year": [_("年度应在 1949 到 2100 之间。")]})
        body = ThemeDayDatesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.theme_day_date_set(actor=request.user, theme_day=theme_day, year=year, **body.validated_data)
        return Response(ThemeDayDateSerializer(row).data)
