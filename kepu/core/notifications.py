"""In-app notifications, and the same message by e-mail when an SMTP server is configured."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Notification


def email_enabled() -> bool:
    """Whether Kepu sends e-mail at all: only with KEPU_SMTP_HOST (tests may swap the backend)."""
    return bool(settings.EMAIL_HOST) or settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")


def notify(*, users: Iterable, title: str, body: str = "", url: str = "", email: bool = False) -> tuple[int, int]:
    """Leave a notification for each user (and e-mail those with an address after the commit when
    `email` and an SMTP server is configured); returns (notified, e-mailed)."""
    users = [u for u in {u.pk: u for u in users}.values() if u.is_active]
    Notification.objects.bulk_create(
        [Notification(user=u, title=title[:200], body=body, url=url[:300]) for u in users])
    recipients = [u.email for u in users if u.email] if email and email_enabled() else []
    if recipients:
        from django.core.mail import send_mass_mail

        link = f"\n\n{settings.KEPU_BASE_URL.rstrip('/')}{url}" if url and getattr(settings, "KEPU_BASE_URL", "") else ""
        messages = [(title, body + link, None, [address]) for address in recipients]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(users), len(recipients)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all, or those of `ids`); another user's ids change nothing."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
