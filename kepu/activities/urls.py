"""Staff pages under /activities/ (namespace "activities"); public pages under /events/ ("public")."""

from .views import checkin, imports, reports, staff, stats

app_name = "activities"
urlpatterns = [*stats.urlpatterns, *imports.urlpatterns, *checkin.urlpatterns, *reports.urlpatterns,
               *staff.urlpatterns]
