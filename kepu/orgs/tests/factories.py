import factory

from kepu.orgs.models import Unit, UnitType


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    type = UnitType.PRIMARY_SCHOOL


def make_school(region="500118001", name: str | None = None, type: str = UnitType.PRIMARY_SCHOOL) -> Unit:
    from kepu.regions.models import Region

    if isinstance(region, str):
        region = Region.objects.get(code=region)
    return Unit.objects.create(name=name or f"测试学校{Unit.objects.count() + 1}", type=type, region=region)


def make_profile(school: Unit, year: int = 2024, **fields):
    """A school profile; by default compliant staff (2 science teachers) and a tech room."""
    from kepu.orgs.profile_services import school_profile_set

    fields.setdefault("science_teachers", 2)
    fields.setdefault("has_tech_room", True)
    return school_profile_set(actor=None, unit=school, year=year, **fields)


def make_association(town="500118101", name: str | None = None, **fields):
    from kepu.orgs.profile_services import association_create
    from kepu.regions.models import Region

    if isinstance(town, str):
        town = Region.objects.get(code=town)
    return association_create(actor=None, region=town, name=name or f"测试农技协{Unit.objects.count()}"
                              f"{town.code[-3:]}{fields.get('members', '')}", **fields)


def make_funding(region="500118", year: int = 2024, source: str = "fiscal_budget", budgeted=None, **fields):
    from decimal import Decimal

    from kepu.orgs.profile_services import funding_create
    from kepu.regions.models import Region

    if isinstance(region, str):
        region = Region.objects.get(code=region)
    fields.setdefault("purpose", "科普工作经费")
    return funding_create(actor=None, region=region, year=year, source=source,
                          budgeted=Decimal(budgeted) if budgeted is not None else None, **fields)
