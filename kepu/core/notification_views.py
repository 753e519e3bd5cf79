"""A user's own notifications (reminders, returned reports): the list and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import mark_read

PER_PAGE = 20


@login_required
def notification_list(request):
    """The user's notifications, newest first (anyone signed in, citizens too: only their own)."""
    page = Paginator(Notification.objects.filter(user=request.user).order_by("-created_at", "-id"),
                     PER_PAGE).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).exists()
    return render(request, "core/notifications.html", {"page": page, "any_unread": unread})


def _next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def notification_read(request):
    """Mark one notification read (`id`) and open its link (`next`), or mark all read."""
    back = reverse("notifications:list")
    raw = (request.POST.get("id") or "").strip()
    if raw:
        if not raw.isdigit():
            messages.error(request, _("参数“id”应为通知编号。"))
            return redirect(back)
        mark_read(user=request.user, ids=[int(raw)])  # another user's id changes nothing
    else:
        mark_read(user=request.user)
    return redirect(_next(request, back))
