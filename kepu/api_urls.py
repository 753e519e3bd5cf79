from rest_framework.routers import DefaultRouter

from kepu.accounts.api import MeView, RoleAssignmentViewSet
from kepu.activities.api import ActivityViewSet, CheckinView, ThemeDayViewSet
from kepu.orgs.api import UnitViewSet
from kepu.regions.api import RegionViewSet
from kepu.volunteers.api import RecordViewSet, RequestViewSet, TeamViewSet, VolunteerViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("role-assignments", RoleAssignmentViewSet, basename="role-assignment")
router.register("activities", ActivityViewSet, basename="activity")
router.register("theme-days", ThemeDayViewSet, basename="theme-day")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("volunteer-teams", TeamViewSet, basename="volunteer-team")
router.register("service-records", RecordViewSet, basename="service-record")
router.register("service-requests", RequestViewSet, basename="service-request")

from django.urls import path  # noqa: E402

urlpatterns = [
    path("users/me/", MeView.as_view(), name="users-me"),
    path("checkins/", CheckinView.as_view(), name="checkins"),
    *router.urls,
]
