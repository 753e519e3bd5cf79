from rest_framework.routers import DefaultRouter

from kepu.accounts.api import MeView, RoleAssignmentViewSet
from kepu.activities.api import ActivityViewSet, CheckinView, ThemeDayViewSet
from kepu.channels.api import (
    AccountViewSet,
    AccountYearViewSet,
    ColumnViewSet,
    InfoOfficerViewSet,
    IssueViewSet,
    OutletViewSet,
)
from kepu.indicators.api import (
    AssessmentViewSet,
    EvidenceZipView,
    ReportDocxView,
    ScorecardXlsxView,
    StandardViewSet,
)
from kepu.orgs.api import UnitViewSet
from kepu.orgs.base_api import AssociationViewSet, FundingViewSet, SchoolProfileViewSet
from kepu.regions.api import RegionViewSet
from kepu.venues.api import (
    CertificationViewSet,
    VenueViewSet,
    VillageOfficerViewSet,
    VisitorFigureViewSet,
)
from kepu.volunteers.api import RecordViewSet, RequestViewSet, TeamViewSet, VolunteerViewSet
from kepu.workplans.api import PlanViewSet, ProgressReportViewSet, TaskViewSet

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
router.register("venues", VenueViewSet, basename="venue")
router.register("venue-certifications", CertificationViewSet, basename="venue-certification")
router.register("visitor-figures", VisitorFigureViewSet, basename="visitor-figure")
router.register("village-officers", VillageOfficerViewSet, basename="village-officer")
router.register("school-profiles", SchoolProfileViewSet, basename="school-profile")
router.register("rural-associations", AssociationViewSet, basename="rural-association")
router.register("funding-records", FundingViewSet, basename="funding-record")
router.register("media-outlets", OutletViewSet, basename="media-outlet")
router.register("media-columns", ColumnViewSet, basename="media-column")
router.register("column-issues", IssueViewSet, basename="column-issue")
router.register("media-accounts", AccountViewSet, basename="media-account")
router.register("media-account-years", AccountYearViewSet, basename="media-account-year")
router.register("info-officer-figures", InfoOfficerViewSet, basename="info-officer-figure")
router.register("standards", StandardViewSet, basename="standard")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("plans", PlanViewSet, basename="plan")
router.register("tasks", TaskViewSet, basename="task")
router.register("progress-reports", ProgressReportViewSet, basename="progress-report")

from django.urls import path  # noqa: E402

urlpatterns = [
    path("users/me/", MeView.as_view(), name="users-me"),
    path("checkins/", CheckinView.as_view(), name="checkins"),
    # The reports of an assessment, named by their file (no trailing slash).
    path("assessments/<int:pk>/report.docx", ReportDocxView.as_view(), name="assessment-report-docx"),
    path("assessments/<int:pk>/scorecard.xlsx", ScorecardXlsxView.as_view(), name="assessment-scorecard-xlsx"),
    path("assessments/<int:pk>/evidence.zip", EvidenceZipView.as_view(), name="assessment-evidence-zip"),
    *router.urls,
]
