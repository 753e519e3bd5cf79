import factory

from kepu.orgs.models import Unit, UnitType


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    type = UnitType.PRIMARY_SCHOOL
