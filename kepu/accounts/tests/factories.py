import factory

from kepu.accounts.models import RoleAssignment, User
from kepu.regions.models import Region

PASSWORD = "Correct-Horse-7"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)


def grant(user, role, *, region=None, unit=None) -> RoleAssignment:
    """A role assignment written directly (tests of the grant service use the service)."""
    if isinstance(region, str):
        region = Region.objects.get(code=region)
    return RoleAssignment.objects.create(user=user, role=role, region=region, unit=unit)
