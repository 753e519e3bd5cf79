"""`kepu remind [--date YYYY-MM-DD] [--dry-run]`: remind the liaisons of the work plans' responsible
units of reports coming due, reports overdue and tasks past their due date (in-app, and by e-mail
when KEPU_SMTP_HOST is set).

Meant for cron, e.g. every hour (`0 * * * * kepu remind`). Safe to run from several machines at
once: every reminder is claimed by inserting its `Reminder` row (unique per assignment, period and
kind) before anything is sent, so of two runs that find the same reminder only the one whose insert
succeeds sends it (see kepu/workplans/services/reminders.py). Running it again the same day sends
nothing new. Exit status 0, also when units have no liaison (they are listed); 2 for a bad option.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from ...services.reminders import ReminderGroup, send_reminders


def parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--date 应为 YYYY-MM-DD 格式的日期 / --date must be a date as YYYY-MM-DD, got {value!r}",
                           returncode=2) from None


def describe(group: ReminderGroup) -> str:
    return (f"{group.kind}: plan {group.plan.code} · {group.unit.name} · task(s) {', '.join(group.task_numbers)}")


class Command(BaseCommand):
    help = ("Remind the liaisons of work plan units of reports coming due (within the plan's reminder days), "
            "reports overdue and tasks past their due date, each once; safe to run from several machines at once.")

    def add_arguments(self, parser):
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day to compute from (default today)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; write and send nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        result = send_reminders(today=parse_date(date), dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        for group in result.sent:
            self.stdout.write(f"{verb} {describe(group)} to {group.notified} liaison(s)")
        counts = result.counts()
        summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        self.stdout.write(f"{result.today.isoformat()}: reminders {verb}: {summary}")
        if not dry_run:
            self.stdout.write(f"notifications {result.notified}, e-mails {result.emailed}")
        self.stdout.write(f"already sent before: {result.already}")
        if result.no_liaison:
            units = sorted({(g.plan.code, g.unit.name) for g in result.no_liaison})
            self.stdout.write(f"units without liaisons ({len(units)}; not reminded, appoint a liaison):")
            for group in result.no_liaison:
                self.stdout.write(f"  {describe(group)}")
