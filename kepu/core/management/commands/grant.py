from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.accounts.services import role_grant, role_revoke
from kepu.core.errors import KepuError
from kepu.orgs.models import Unit
from kepu.regions.models import Region


def resolve(username: str, region_code: str | None, unit_id: int | None):
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username!r}", returncode=2) from None
    region = unit = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise CommandError(f"no region with code {region_code!r}", returncode=2)
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise CommandError(f"no unit with id {unit_id}", returncode=2)
    return user, region, unit


class Command(BaseCommand):
    help = "Give USERNAME a ROLE over a region subtree (--region CODE) or a unit (--unit ID)."
    revoke = False

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--region", metavar="CODE")
        target.add_argument("--unit", metavar="ID", type=int)

    def handle(self, *args, username, role, region, unit, **options):
        if role != Role.PLATFORM_ADMIN and not (region or unit):
            raise CommandError("give --region CODE or --unit ID", returncode=2)
        user, region_obj, unit_obj = resolve(username, region, unit)
        if self.revoke:
            found = RoleAssignment.objects.filter(user=user, role=role, region=region_obj, unit=unit_obj).first()
            if found is None:
                raise CommandError("no such role assignment", returncode=1)
            role_revoke(actor=None, assignment=found)
            self.stdout.write(f"revoked {role} from {username}")
            return
        try:
            role_grant(actor=None, user=user, role=role, region=region_obj, unit=unit_obj)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=2) from exc
        except KepuError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        self.stdout.write(f"granted {role} to {username} over {region_obj or unit_obj or 'the platform'}")
