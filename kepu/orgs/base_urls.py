from django.urls import path

from . import base_import_pages
from . import base_views as views

app_name = "basedata"

urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("agri-towns/", views.agri_town_list, name="agri_towns"),
    path("funding/", views.funding_list, name="funding"),
    *views.urlpatterns,
    *base_import_pages.urlpatterns,
]
