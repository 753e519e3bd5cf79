"""What the apps' viewsets build on: scoped reads, Chinese field errors, region-subtree and id filters.

Not in kepu.core.api: that module is named in the REST_FRAMEWORK settings (pagination, exception
handler), and importing DRF's viewsets from it would import it again while it is half loaded.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework import serializers, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .api import PolicyPermission


class ServiceErrorsMixin:
    """Field errors raised by the services name the field in Chinese ("监护人电话：应为 11 位手机号码")."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            fields = self.get_serializer().fields
            exc = DjangoValidationError({name: [_labelled(fields.get(name), m) for m in messages]
                                         for name, messages in exc.message_dict.items()})
        return super().handle_exception(exc)


def _labelled(field, message: str) -> str:
    label = str(field.label) if field is not None and field.label else ""
    if not label or label in message:
        return message
    return _("%(label)s：%(message)s") % {"label": label, "message": message}


def in_subtree(queryset, code: str, field: str = "region_path"):
    """Rows in the subtree of the region with this code (none for an unknown code)."""
    region = Region.objects.filter(code=code.strip()).only("path").first()
    return queryset.filter(subtree_q([region.path], field=field)) if region else queryset.none()


# The largest id a database integer holds: a bigger one in a filter is a 400, not an overflow.
MAX_ID = 2**63 - 1


class IntegerFilter(filters.NumberFilter):
    """A whole number (the default NumberFilter takes decimals)."""

    field_class = forms.IntegerField


def id_filter(field_name: str, help_text: str) -> IntegerFilter:
    return IntegerFilter(field_name=field_name, min_value=1, max_value=MAX_ID, help_text=help_text)


class ScopedViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Reads from the policy's visible_to(user); answers with the object as the list shows it.

    Each app sets `permission_classes` to say who may call its lists at all (e.g. staff only).
    """

    permission_classes = [PolicyPermission]
    # JSON only: the browsable pages would repeat the request URL, and with it a full ID number
    # searched for (?q=), in the response.
    renderer_classes = [JSONRenderer]
    lookup_value_regex = r"[0-9]+"
    output_serializer: type[serializers.Serializer]

    def decorate(self, queryset):
        return queryset

    def get_queryset(self):
        return self.decorate(self.policy.visible_to(self.request.user))

    def _fresh(self, obj):
        # The object a service just wrote for this caller, re-read with the list's joins.
        return self.decorate(type(obj).objects.filter(pk=obj.pk)).get()

    def _answer(self, obj, code: int = status.HTTP_200_OK) -> Response:
        data = self.output_serializer(self._fresh(obj), context=self.get_serializer_context()).data
        return Response(data, status=code)
