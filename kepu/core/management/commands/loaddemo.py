from django.core.management.base import BaseCommand

from kepu.core.demo import load_demo, logins_text


class Command(BaseCommand):
    help = "Load the deterministic demo data set (synthetic, marked as such) and its demo logins."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write("Demo data loaded. Demo logins (synthetic accounts):")
        self.stdout.write(logins_text())
