"""`kepu remind_certifications`: e-mail the region admins about venue certifications coming due.

Run daily. A certification is due on the nearer of its expiry (valid_until) and its re-evaluation
date (review_on) still ahead. When the days left reach a threshold (90, 30, 7 by default) the
admins over the venue's region and every region above it that have an e-mail address get one
message, and the threshold is written to `reminded_days` by a conditional UPDATE before the mail
goes out: of two runs at once only the one whose UPDATE changed the row sends. A failed send gives
the claim back, so the next run tries again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from kepu.accounts.models import Role, RoleAssignment

from ...models import Certification
from ...selectors import coming_due


def parse_days(value: str) -> list[int]:
    """"90,30,7" → [90, 30, 7] (distinct, largest first)."""
    try:
        days = sorted({int(part) for part in value.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise CommandError(f"--days takes whole numbers separated by commas, got {value!r}", returncode=2) from None
    if not days or days[-1] < 0:
        raise CommandError("--days needs at least one number of days, none negative", returncode=2)
    return days


def region_admin_emails(region_path: str, cache: dict[str, list[str]]) -> list[str]:
    """E-mail addresses of the active region admins over the region or any region above it."""
    if region_path not in cache:
        parts = region_path.strip("/").split("/")
        paths = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        cache[region_path] = sorted(set(
            RoleAssignment.objects.filter(role=Role.REGION_ADMIN, region__path__in=paths, user__is_active=True)
            .exclude(user__email="").values_list("user__email", flat=True)))
    return cache[region_path]


def message(cert: Certification, *, days_left: int, base_url: str) -> tuple[str, str]:
    """The subject and body of a reminder, in the site's language."""
    _ = translation.gettext
    venue = cert.venue
    what = _("有效期届满") if cert.due == cert.valid_until else _("复评")
    subject = _("科普平台：认定即将到期 - %(venue)s") % {"venue": venue.name}
    body = _(
        "您好：\n\n%(venue)s（%(region)s）的“%(title)s”（%(level)s，%(body)s，%(year)d 年认定）"
        "将于 %(due)s %(what)s，还有 %(days)d 天。\n"
        "请及时办理复评或续期；已办理的，请在平台上更新该认定的有效期或复评日期。\n\n%(url)s\n\n"
        "（此邮件由科普平台自动发送。）"
    ) % {"venue": venue.name, "region": venue.region.name, "title": cert, "level": cert.get_level_display(),
         "body": cert.body, "year": cert.year, "due": cert.due.isoformat(), "what": what, "days": days_left,
         "url": base_url.rstrip("/") + reverse("venues:detail", args=[venue.pk]) + "#certifications"}
    return subject, body


class Command(BaseCommand):
    help = ("E-mail the region admins about venue certifications whose expiry or re-evaluation date "
            "is within a threshold (--days 90,30,7), once per threshold.")

    def add_arguments(self, parser):
        parser.add_argument("--days", default="90,30,7", help="thresholds in days before the date (default 90,30,7)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and mark nothing")
        parser.add_argument("--base-url", default="", help="site address for the links, e.g. https://kepu.example.org")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="the day to compute from (YYYY-MM-DD; default today)")

    def handle(self, *args, days, dry_run, base_url, today, **options):
        thresholds = parse_days(days)
        today = today or timezone.localdate()
        if not dry_run:
            self._start_new_cycles(today, thresholds[0])
        recipients_cache: dict[str, list[str]] = {}
        sent = skipped = failed = 0
        prefix = "would send" if dry_run else "sent"
        with translation.override(settings.LANGUAGE_CODE):
            for cert in coming_due(Certification.objects.all(), today, thresholds[0]).iterator(chunk_size=500):
                days_left = (cert.due - today).days
                threshold = min(t for t in thresholds if t >= days_left)
                if cert.reminded_days is not None and cert.reminded_days <= threshold:
                    continue  # this threshold (or a nearer one) was reminded already
                label = f"certification {cert.pk} ({cert.venue.name} / {cert}, due {cert.due.isoformat()})"
                emails = region_admin_emails(cert.venue.region_path, recipients_cache)
                if not emails:
                    self.stdout.write(f"no recipient for {label}: no region admin with an e-mail address")
                    skipped += 1
                    continue
                if not dry_run and not self._claim(cert, threshold):
                    continue  # another run claimed it first and sends it
                subject, body = message(cert, days_left=days_left, base_url=base_url)
                if not dry_run:
                    try:
                        send_mail(subject, body, None, emails)
                    except Exception as exc:  # any transport error: give the claim back and go on
                        Certification.objects.filter(pk=cert.pk, reminded_days=threshold).update(
                            reminded_days=cert.reminded_days)
                        self.stderr.write(f"failed to send the {threshold}-day reminder for {label}: {exc}")
                        failed += 1
                        continue
                self.stdout.write(f"{prefix} {threshold}-day reminder for {label} to {', '.join(emails)}")
                sent += 1
        self.stdout.write(f"{sent} reminder(s) {prefix}, {skipped} without recipient, {failed} failed")
        if failed:
            raise CommandError(f"{failed} reminder(s) could not be sent", returncode=1)

    @staticmethod
    def _claim(cert: Certification, threshold: int) -> bool:
        """Mark the threshold reminded unless a run did so already (the UPDATE is the lock)."""
        return Certification.objects.filter(pk=cert.pk).filter(
            Q(reminded_days__isnull=True) | Q(reminded_days__gt=threshold)).update(reminded_days=threshold) == 1

    @staticmethod
    def _start_new_cycles(today: datetime.date, window: int) -> None:
        """Forget the reminders of certifications with nothing due within the largest threshold any
        more (a re-evaluation passed, a date moved later), so that their next date is reminded."""
        until = today + datetime.timedelta(days=window)
        Certification.objects.filter(reminded_days__isnull=False).exclude(
            valid_until__range=(today, until)).exclude(review_on__range=(today, until)).update(reminded_days=None)
