from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kepu.core.measures import MeasureValue, measure

from .models import Population, Region


@measure("resident_population", unit="persons", label=_("常住人口"))
def resident_population(regions: list[Region], year: int) -> dict[str, MeasureValue]:
    """Each region's resident population for the year, or the latest year before it."""
    latest = (Population.objects.filter(region=OuterRef("pk"), year__lte=year)
              .order_by("-year"))
    rows = (Region.objects.filter(pk__in=[r.pk for r in regions])
            .annotate(residents=Subquery(latest.values("residents")[:1]),
                      as_of=Subquery(latest.values("year")[:1]))
            .values_list("code", "residents", "as_of"))
    return {
        code: MeasureValue(
            residents, numerator=residents,
            records_url=reverse("regions:detail", args=[code]),
            detail={"year": as_of},
        ) if residents is not None else MeasureValue(None, reason="no_population")
        for code, residents, as_of in rows
    }
