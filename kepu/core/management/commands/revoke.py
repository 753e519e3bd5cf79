from .grant import Command as GrantCommand


class Command(GrantCommand):
    help = "Take ROLE over a region (--region CODE) or a unit (--unit ID) away from USERNAME."
    revoke = True
