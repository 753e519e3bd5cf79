"""API plumbing shared by every app: error shape, pagination, policy-backed permissions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import KepuError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (v if isinstance(v, list) else [v])] for key, v in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def error_response(message: str, code: str, status_code: int, extra: dict | None = None) -> Response:
    return Response({"message": message, "code": code, "extra": extra or {}}, status=status_code)


def exception_handler(exc, context):
    """Answer every error as {"message", "code", "extra"}."""
    if isinstance(exc, KepuError):
        return error_response(exc.message, exc.code, exc.status, exc.extra)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        fields = _fields(detail)
        first = next(iter(fields.values()))[0]
        return error_response(first, "invalid", 400, {"fields": fields})
    if isinstance(exc, Http404):
        return error_response(_("未找到，或您无权查看。"), "not_found", 404)
    if isinstance(exc, PermissionDenied):
        return error_response(_("您没有执行此操作的权限。"), "permission_denied", 403)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        name, messages = next(iter(fields.items()))
        message = messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
        response.data = {"message": message, "code": "invalid", "extra": {"fields": fields}}
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = {"message": str(exc.detail), "code": "not_authenticated", "extra": {}}
        response.status_code = status.HTTP_401_UNAUTHORIZED
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response.data = {"message": str(exc.detail), "code": code, "extra": {}}
    return response


class PolicyPermission(permissions.IsAuthenticated):
    """Ask the viewset's policy whether the caller may do the action to the object.

    The queryset already answered "may they see it" (out of scope is a 404 before we get here);
    this answers "may they change it" with a 403.
    """

    default_actions = {"PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True  # the queryset already limited what the caller can see
        actions = {**self.default_actions, **getattr(view, "policy_actions", {})}
        return view.policy.can(request.user, actions.get(request.method, "change"), obj)
