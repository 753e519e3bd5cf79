"""Test data for activities: ActivityFactory (a 永川区 区科协 draft in the future) and helpers.

Other test modules import these; keep the API stable.
"""

import datetime

import factory
from django.utils import timezone

from kepu.orgs.models import Unit
from kepu.regions.models import Region

from ..models import Activity, ActivityKind, ActivityStatus


def yc_association() -> Unit:
    """永川区 区科协 (from the reference data)."""
    return Unit.objects.get(region__code="500118", name="区科协")


def _region(region) -> Region:
    return Region.objects.get(code=region) if isinstance(region, str) else region


class ActivityFactory(factory.django.DjangoModelFactory):
    """A draft lecture of 永川区 区科协 in 永川区, a week from now, two hours long.

    Pass region= (a Region or a code string) and organizer= to place it elsewhere; region_path
    follows the region.
    """

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试科普活动{n}")
    description = "活动简介"
    kind = ActivityKind.LECTURE
    organizer = factory.LazyFunction(yc_association)
    region = factory.LazyFunction(lambda: Region.objects.get(code="500118"))
    region_path = factory.LazyAttribute(lambda o: _region(o.region).path)
    venue = "永川区科技馆"
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=2))
    status = ActivityStatus.DRAFT

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs["region"] = _region(kwargs["region"])
        return kwargs

    @factory.post_generation
    def theme_days(self, create, extracted, **kwargs):
        if create and extracted:
            self.theme_days.set(extracted)

    @factory.post_generation
    def target_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_groups.set(extracted)

    @factory.post_generation
    def co_organizers(self, create, extracted, **kwargs):
        if create and extracted:
            self.co_organizers.set(extracted)


def published(**kw) -> Activity:
    """A published activity (same defaults as ActivityFactory)."""
    kw.setdefault("status", ActivityStatus.PUBLISHED)
    return ActivityFactory(**kw)


def finished(**kw) -> Activity:
    """A finished activity that took place yesterday."""
    start = kw.setdefault("start", timezone.now().replace(microsecond=0) - datetime.timedelta(days=1))
    kw.setdefault("end", start + datetime.timedelta(hours=2))
    kw.setdefault("status", ActivityStatus.FINISHED)
    return ActivityFactory(**kw)
