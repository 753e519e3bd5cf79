from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("logout/", views.logout_view, name="logout"),
    path("scope/", views.switch_scope, name="switch_scope"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:pk>/revoke/", views.revoke, name="revoke"),
]
