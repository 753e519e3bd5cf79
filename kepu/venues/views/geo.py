"""The venue map: a plain longitude/latitude scatter plot drawn by ECharts from a JSON endpoint
(no tile server, no map data from elsewhere), with the venues that still lack coordinates counted."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kepu.core.views_common import FIRST_YEAR, choose_region_and_year, staff_required
from kepu.regions.policies import region_policy

from .. import selectors
from ..models import VenueType

MAP_LIMIT = 20_000
# One colour per type, told apart on a white background (the legend names them too).
TYPE_COLORS = dict(zip(VenueType.values, (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#ad494a", "#31a354", "#843c39"), strict=True))


def _types() -> list[dict]:
    return [{"key": t.value, "label": str(t.label), "color": TYPE_COLORS[t.value]} for t in VenueType]


@staff_required
def venue_map(request):
    region, year = choose_region_and_year(request)
    counts = selectors.coordinate_counts(selectors.map_venues(request.user, region, year))
    this_year = timezone.localdate().year
    query = {"region": region.code, "year": year}
    return render(request, "venues/map.html", {
        "region": region, "year": year, "counts": counts, "types": _types(), "limit": MAP_LIMIT,
        "years": range(this_year + 1, FIRST_YEAR - 1, -1),
        "breadcrumbs": region_policy.visible_to(request.user).filter(path__in=region.ancestor_paths())
        .exclude(pk=region.pk).order_by("depth"),
        "data_url": reverse("venues:map_data") + "?" + urlencode(query),
        "missing_url": reverse("venues:list") + "?" + urlencode({**query, "in_use": "1", "coords": "0"}),
        "list_url": reverse("venues:list") + "?" + urlencode({**query, "in_use": "1"}),
    })


@staff_required
def venue_map_data(request):
    """The points of the map: venues in use at the end of the year in the region, within the user's scope."""
    region, year = choose_region_and_year(request)
    qs = selectors.map_venues(request.user, region, year)
    points = selectors.map_points(qs, MAP_LIMIT + 1)
    detail = reverse("venues:detail", args=[0])[:-2]  # "/venues/" + pk + "/"
    counts = selectors.coordinate_counts(qs)
    return JsonResponse({
        "region": {"code": region.code, "name": region.name}, "year": year,
        "labels": {"longitude": _("经度"), "latitude": _("纬度"), "type": _("类型"), "region": _("所属区划")},
        "types": _types(),
        "points": [{"name": p["name"], "type": p["type"], "region": p["region__name"],
                    "value": [float(p["longitude"]), float(p["latitude"])], "url": f"{detail}{p['pk']}/"}
                   for p in points[:MAP_LIMIT]],
        "located": counts["located"], "missing": counts["missing"], "truncated": len(points) > MAP_LIMIT,
    })


urlpatterns = [
    path("map/", venue_map, name="map"),
    path("map/data.json", venue_map_data, name="map_data"),
]
