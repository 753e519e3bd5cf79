from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run background tasks from the database queue (production; needs KEPU_TASKS=database)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args, batch, interval, **options):
        if settings.TASKS_MODE != "database":
            raise CommandError(
                "KEPU_TASKS is 'immediate': tasks already run in the web process. "
                "Set KEPU_TASKS=database to queue them for workers.", returncode=2
            )
        worker_args = ["--interval", str(interval), "--no-reload", "--no-startup-delay"]
        if batch:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
