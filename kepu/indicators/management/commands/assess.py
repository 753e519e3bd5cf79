from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kepu.core.errors import KepuError
from kepu.indicators import services
from kepu.indicators.models import Assessment, Op, Standard, Status
from kepu.regions.models import Region

WHOLE_PERIOD = ("all", "period")


class Command(BaseCommand):
    help = (
        "Create the assessment of a region for a year, or refresh it when it exists, and print its scorecard: "
        "kepu assess REGION_CODE YEAR [--standard CODE]. Exit status 2 for an unknown region or standard, or a "
        "year outside the standard's period."
    )

    def add_arguments(self, parser):
        parser.add_argument("region", metavar="REGION_CODE", help="the region's code, e.g. 500118")
        parser.add_argument("year", metavar="YEAR",
                            help="a year of the standard's period, or 'all' (or 'period') for the whole period")
        parser.add_argument("--standard", metavar="CODE", help=(
            "the standard's code; by default the newest standard kept by the region itself, failing that the "
            "only (or newest) standard"))

    def handle(self, *args, region, year, standard=None, **options):
        region_obj = Region.objects.filter(code=region.strip()).first()
        if region_obj is None:
            raise CommandError(f"unknown region {region!r}", returncode=2)
        standard_obj = self.choose_standard(region_obj, standard)
        year_value = self.parse_year(year, standard_obj)

        assessment = Assessment.objects.filter(standard=standard_obj, region=region_obj, year=year_value).first()
        created = assessment is None
        try:
            if created:
                assessment = services.assessment_create(actor=None, standard=standard_obj, region=region_obj,
                                                        year=year_value)
            card = services.assessment_refresh(actor=None, assessment=assessment)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=2) from None
        except KepuError as exc:
            raise CommandError(exc.message, returncode=2) from None
        self.print_card(assessment, card, created)

    def choose_standard(self, region: Region, code: str | None) -> Standard:
        if code:
            found = Standard.objects.filter(code=code.strip()).first()
            if found is None:
                raise CommandError(f"unknown standard {code!r}", returncode=2)
            return found
        found = Standard.objects.filter(region=region).first() or Standard.objects.first()  # newest first
        if found is None:
            raise CommandError("no standard is loaded; import one with: kepu import standard FILE.yaml", returncode=2)
        return found

    def parse_year(self, text: str, standard: Standard) -> int | None:
        if text.strip().lower() in WHOLE_PERIOD:
            return None
        try:
            year = int(text)
        except ValueError:
            raise CommandError(f"YEAR must be a year or 'all', not {text!r}", returncode=2) from None
        if year not in standard.years:
            raise CommandError(f"{year} is outside the period {standard.period_start}-{standard.period_end} of "
                               f"standard {standard.code}", returncode=2)
        return year

    def print_card(self, assessment: Assessment, card, created: bool) -> None:
        out = self.stdout.write
        out(f"{assessment.region.name} ({assessment.region.code}) {assessment.period_label} · "
            f"{assessment.standard.title} [{assessment.standard.code}]")
        out(f"assessment {assessment.pk} {'created' if created else 'refreshed'}; values of {card.year}")
        out(f"met {card.met}/{card.total} ({card.readiness:.1%}); vetoed: {'yes' if card.vetoed else 'no'}")
        out("by status: " + ", ".join(f"{Status(s).label} {n}" for s, n in card.by_status.items()))
        out("")
        for result in card.leaves:
            line = f"{result.code:<8} {result.status_label}"
            targets = "; ".join(self.target_text(t) for t in result.targets)
            if not result.targets:
                targets = f"{len(result.evidence)} approved evidence" if result.evidence else ""
            out(f"{line}  {targets}".rstrip())

    @staticmethod
    def target_text(target) -> str:
        goal = f"target {Op(target.op).label} {target.target_text}"
        if target.value is None:
            why = target.reason_text or Status(target.status).label
            return f"{target.measure}: — ({why}), {goal}"
        return f"{target.measure}: {target.value_text}, {goal}"
