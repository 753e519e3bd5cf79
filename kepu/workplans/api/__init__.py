"""/api/v1/ work plans, their tasks and the units' progress reports.

Every queryset starts from the model's policy (out of scope: 404, the same as "does not exist"):
region staff see the plans of their subtree with every task and report; a unit's staff see the
plans their unit is a member of, but of the tasks and reports only their unit's. The services check
what the caller may do (403) and answer a duplicate or an already decided report with 409. Staff
only: citizens and outsiders get 403.

Reporting periods are numbers (see kepu/workplans/periods.py), each shown with its `period_label`.
"""

from .views import PlanViewSet, ProgressReportViewSet, TaskViewSet

__all__ = ["PlanViewSet", "ProgressReportViewSet", "TaskViewSet"]
