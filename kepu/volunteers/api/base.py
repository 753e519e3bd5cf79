"""What the volunteer API's viewsets share: the staff gate, the region filter and the reason of a step
(scoped reads and Chinese field errors come from kepu.core.api_common)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from rest_framework import serializers

from kepu.accounts.scope import scope_of
from kepu.core.api import PolicyPermission
from kepu.core.api_common import ScopedViewSet as BaseScopedViewSet
from kepu.core.api_common import in_subtree

from ..policies import led_team_ids


class StaffPermission(PolicyPermission):
    """The policy's answer, for staff and team leaders only: citizens have no lists here (403)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and (
            scope_of(request.user).is_staff or bool(led_team_ids(request.user)))


class RegionFilterSet(filters.FilterSet):
    region = filters.CharFilter(method="in_region", help_text="区划代码：该区划及其所有下级区划")

    def in_region(self, queryset, name, value: str):
        return in_subtree(queryset, value)


class ScopedViewSet(BaseScopedViewSet):
    """The core scoped viewset, for staff and team leaders only."""

    permission_classes = [StaffPermission]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                   label=gettext_lazy("原因"), help_text="原因")
