from django.core.management.base import BaseCommand, CommandError

from kepu.core.reference import ReferenceError, load_reference


class Command(BaseCommand):
    help = "Load the reference data shipped with Kepu (regions, units); safe to run again."

    def handle(self, *args, **options):
        try:
            report = load_reference()
        except ReferenceError as exc:
            raise CommandError(str(exc)) from exc
        for name, created, updated in report:
            self.stdout.write(f"{name}: {created} created, {updated} updated")
