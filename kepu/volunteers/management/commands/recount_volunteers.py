from django.core.management.base import BaseCommand

from kepu.volunteers.services import recount, star_thresholds


class Command(BaseCommand):
    help = ("Recompute every volunteer's verified hours and star level from the service records "
            "(run after changing KEPU_VOLUNTEER_STAR_HOURS).")

    def handle(self, *args, **options):
        changed = recount()
        thresholds = ", ".join(str(h) for h in star_thresholds())
        self.stdout.write(f"star thresholds (hours): {thresholds}; volunteers changed: {changed}")
