import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kepu.core.demo import load_demo, logins_text
from kepu.core.reference import load_reference
from kepu.regions.models import Region

# gunicorn's default access line with %(U)s (the path) in place of %(r)s (the request line with its
# query) and without the referrer (another page's query).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


class Command(BaseCommand):
    help = (
        "Migrate, load reference and demo data into an empty database, collect static files, and "
        "serve Kepu with gunicorn (WSGI, sync workers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KEPU_WORKERS", "3")))
        parser.add_argument("--no-demo", action="store_true", help="load reference data only")

    def handle(self, *args, host, port, workers, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        empty = not Region.objects.exists()
        if empty and not no_demo:
            load_demo()
            self.stdout.write("Loaded reference and demo data into the empty database.")
        else:
            load_reference()
        call_command("collectstatic", interactive=False, verbosity=0)
        address = f"http://{host}:{port}/"
        self.stdout.write(f"\nKepu is serving at {address}  (Ctrl+C to stop)")
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        if not no_demo:
            self.stdout.write("Demo logins:\n" + logins_text())
        self.stdout.write(f"API docs: {address}api/docs/\n")
        sys.stdout.flush()
        os.execv(sys.executable, [
            sys.executable, "-m", "gunicorn", "kepu.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--worker-class", "sync",
            # The path without the query string: a search by ID or phone number never reaches the log.
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT, "--timeout", "60",
        ])
