"""Pages under /volunteers/ (namespace "volunteers"): staff pages and the volunteer's own pages."""

from .views import duties, imports, me, records, requests, roster, stats, teams

app_name = "volunteers"
urlpatterns = [*me.urlpatterns, *imports.urlpatterns, *stats.urlpatterns, *teams.urlpatterns, *records.urlpatterns,
               *requests.urlpatterns, *duties.urlpatterns, *roster.urlpatterns]
