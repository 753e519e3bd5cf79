from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from kepu.accounts.models import User


class Command(BaseCommand):
    help = "Print USERNAME's API token (Authorization: Token <key>), creating it if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="replace the existing token")

    def handle(self, *args, username, reset, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r}", returncode=2) from None
        if reset:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
