from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kepu.accounts.policies import role_assignment_policy

from .selectors import audit_entries


def healthz(request):
    """For load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def audit_log(request):
    if not role_assignment_policy.can(request.user, "manage"):
        raise PermissionDenied
    filters = {key: request.GET.get(key, "").strip() for key in ("object_type", "object_id", "actor", "action")}
    page = Paginator(audit_entries(request.user, **filters), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "filters": filters})


def _error(request, template: str, status: int):
    if request.path.startswith("/api/"):
        messages = {404: _("未找到，或您无权查看。"), 403: _("您没有执行此操作的权限。"), 500: _("服务器内部错误。")}
        codes = {404: "not_found", 403: "permission_denied", 500: "server_error"}
        return JsonResponse({"message": messages[status], "code": codes[status], "extra": {}}, status=status)
    return render(request, template, status=status)


def not_found(request, exception=None):
    return _error(request, "errors/404.html", 404)


def forbidden(request, exception=None):
    return _error(request, "errors/403.html", 403)


def server_error(request):
    try:
        return _error(request, "errors/500.html", 500)
    except Exception:  # the template itself failed: answer plainly
        return HttpResponse("500", status=500)
