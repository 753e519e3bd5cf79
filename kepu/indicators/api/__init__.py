"""/api/v1/ indicator standards, assessments with their computed results, evidence and its review, reports.

Standards are read-only here: they are written by importing their YAML (`kepu import standard`, or
the staff page). Assessments start from assessment_policy.visible_to(user) (out of scope: 404, the
same as "does not exist"); everything below an assessment (its evidence, a submission, a file, a
report) is looked up through it. The services check what the caller may do (403) and answer a
duplicate with 409. Staff only: citizens and outsiders get 403.

Numbers: measure values, targets, numerators and denominators are decimal strings ("0.0125"),
rounded to 6 decimal places; counts (met, total, by_status) are JSON numbers.
"""

from .serializers import decimal_text
from .views import (
           AssessmentViewSet,
           EvidenceZipView,
           ReportDocxView,
           ScorecardXlsxView,
           StandardViewSet,
)

__all__ = ["AssessmentViewSet", "EvidenceZipView", "ReportDocxView", "ScorecardXlsxView", "StandardViewSet",
           "decimal_text"]
