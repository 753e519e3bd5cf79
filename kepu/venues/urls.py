from . import import_pages
from .views import coverage, detail, geo, venues

app_name = "venues"

# Names other apps use (the measures' drill-down, the base-data tabs): list, map, coverage.
urlpatterns = [
    *venues.urlpatterns,
    *detail.urlpatterns,
    *geo.urlpatterns,
    *coverage.urlpatterns,
    *import_pages.urlpatterns,
]
