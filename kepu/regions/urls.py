from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
    path("<str:code>/edit/", views.edit, name="edit"),
    path("<str:code>/new/", views.create_child, name="create_child"),
    path("<str:code>/population/", views.set_population, name="set_population"),
]
