import factory

from kepu.regions.models import Kind, Level, Region


class VillageFactory(factory.django.DjangoModelFactory):
    """A village under a town (pass parent=); code and path follow the parent's."""

    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试{n}村")
    level = Level.VILLAGE
    kind = Kind.VILLAGE
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{(n % 999) + 1:03d}")
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}{o.code}/")
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1)
    urban_rural_code = "220"
