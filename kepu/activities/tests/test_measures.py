import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import TargetGroup
from kepu.core.measures import get_measure
from kepu.orgs.models import Unit
from kepu.regions.models import Population, Region


def held(actor, *, region, persons, year=2025, volunteer=False, kind="lecture"):
    start = timezone.make_aware(datetime.datetime(year, 5, 18, 9))
    unit = Unit.objects.get(region__code=region[:6], name="区科协")
    activity = services.activity_create(actor=actor, title="活动", kind=kind, organizer=unit,
                                        region=Region.objects.get(code=region), start=start,
                                        end=start + datetime.timedelta(hours=2), is_volunteer_service=volunteer)
    services.activity_publish(actor=actor, activity=activity)
    services.activity_finish(actor=actor, activity=activity)
    if persons:
        public = TargetGroup.objects.get(key="public")
        services.report_save(actor=actor, activity=activity, narrative="", counts={public.pk: (persons, 0)})
        services.report_submit(actor=actor, activity=activity)
    return activity


@pytest.mark.django_db
def test_coverage_is_reported_person_times_over_population(personas, yongchuan, shapingba):
    Population.objects.create(region=yongchuan, year=2025, residents=1_000)
    held(None, region="500118001", persons=600)
    held(None, region="500118", persons=200, volunteer=True)
    held(None, region="500118", persons=0)  # finished, not reported: not counted
    held(None, region="500106", persons=999)
    held(None, region="500118", persons=500, year=2024)
    values = get_measure("activity_coverage").compute([yongchuan, shapingba], 2025)
    assert values["500118"].value == Decimal("0.8")
    assert (values["500118"].numerator, values["500118"].denominator) == (800, 1000)
    assert values["500118"].records_url == "/activities/?region=500118&year=2025&status=reported"
    assert values["500106"].value is None and values["500106"].reason == "no_population"
    assert get_measure("volunteer_service_activities").compute([yongchuan], 2025)["500118"].value == 1


@pytest.mark.django_db
def test_counts_by_kind_and_theme(personas, yongchuan):
    held(None, region="500118", persons=10, kind="lecture")
    held(None, region="500118", persons=5, kind="exhibition")
    held(None, region="500118", persons=0, kind="exhibition")
    value = get_measure("activities_held").compute([yongchuan], 2025)["500118"]
    assert value.value == 3 and value.detail["by_kind"] == {"讲座": 1, "展览": 2}
    times = get_measure("activity_person_times").compute([yongchuan], 2025)["500118"]
    assert times.value == 15 and times.detail["by_kind"] == {"讲座": 10, "展览": 5}


@pytest.mark.django_db
def test_coverage_for_all_districts_is_one_query_plus_population(django_assert_max_num_queries):
    districts = list(Region.objects.filter(level="district"))
    with django_assert_max_num_queries(2):
        get_measure("activity_coverage").compute(districts, 2025)
