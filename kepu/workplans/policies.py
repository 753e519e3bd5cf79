"""Who may do what with plans, tasks, progress reports and meetings.

- Plans: staff over the plan's region subtree see them; the region's admins own them (create, edit,
  map unit names, hold meetings, issue bulletins). Liaisons of a member unit see the plan, but of its
  tasks only those their unit answers for, and of the reports only their unit's.
- Progress reports: the liaisons of the assigned unit send them in and change them until they are
  decided; the plan's owners may report for any unit. Owners and reviewers over the plan's region
  accept or return them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy

from .models import (
    Assignment,
    Deliverable,
    DeliverableFile,
    Meeting,
    Plan,
    PlanMember,
    ProgressReport,
    ReportFile,
    Task,
)

REVIEW_ROLES = REGION_WRITE_ROLES | {Role.REVIEWER}


def _unit_ids(user, roles=STAFF_ROLES) -> set[int]:
    return scope_of(user).unit_ids(roles)


class PlanPolicy(Policy):
    """Actions: view, add (obj None), change (edit, map names, meetings, bulletins), review."""

    model = Plan

    def visible_q(self, user, prefix: str = "") -> Q:
        if user is None:  # the system itself (commands, reminders, benchmarks)
            return Q()
        q = scope_of(user).region_q(f"{prefix}region_path")
        if q is None:
            return Q()
        units = _unit_ids(user)
        if units:
            plan = OuterRef(prefix.rstrip("_") + "_id" if prefix else "pk")
            q |= Q(Exists(PlanMember.objects.filter(plan=plan, unit_id__in=units)))
        return q

    def visible_to(self, user):
        return Plan.objects.filter(self.visible_q(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        return scope.covers_path(obj.region_path, REVIEW_ROLES if action == "review" else REGION_WRITE_ROLES)

    def owns(self, user, plan: Plan) -> bool:
        return self.can(user, "change", plan)


class TaskPolicy(Policy):
    """Region staff see every task of the plans of their subtree; a unit's staff only the tasks the
    unit answers for. Tasks are changed by the plan's owners."""

    model = Task

    def visible_q(self, user) -> Q:
        if user is None:
            return Q()
        q = scope_of(user).region_q("plan__region_path")
        if q is None:
            return Q()
        units = _unit_ids(user)
        if units:
            q |= Q(Exists(Assignment.objects.filter(task=OuterRef("pk"), unit_id__in=units)))
        return q

    def visible_to(self, user):
        return Task.objects.filter(self.visible_q(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        return scope.covers_path(obj.plan.region_path, REGION_WRITE_ROLES)


class AssignmentPolicy(Policy):
    """Action `report`: send in progress for the assignment (its unit's liaisons, the plan's owners)."""

    model = Assignment

    def visible_q(self, user, prefix: str = "") -> Q:
        if user is None:
            return Q()
        q = scope_of(user).region_q(f"{prefix}task__plan__region_path")
        if q is None:
            return Q()
        units = _unit_ids(user)
        if units:
            q |= Q(**{f"{prefix}unit_id__in": units})
        return q

    def visible_to(self, user):
        return Assignment.objects.filter(self.visible_q(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES) or scope.unit_ids({Role.UNIT_LIAISON}))
        if scope.covers_path(obj.task.plan.region_path, REGION_WRITE_ROLES):
            return True
        return action == "report" and obj.unit_id in scope.unit_ids({Role.UNIT_LIAISON})


class ReportPolicy(Policy):
    """Actions: view, add (obj: an unsaved report with its assignment), change (edit, files,
    withdraw), review."""

    model = ProgressReport

    def visible_to(self, user):
        return ProgressReport.objects.filter(assignment_policy.visible_q(user, prefix="assignment__"))

    def allows(self, scope, action, obj):
        if obj is None:
            return assignment_policy.allows(scope, "report", None)
        if action == "review":
            return scope.covers_path(obj.assignment.task.plan.region_path, REVIEW_ROLES)
        return assignment_policy.allows(scope, "report", obj.assignment)


class ReportFilePolicy(ReportPolicy):
    model = ReportFile

    def record_of(self, obj):  # what core.records.file_attach logs the file against
        return obj.report

    def visible_to(self, user):
        return ReportFile.objects.filter(report__in=report_policy.visible_to(user))

    def allows(self, scope, action, obj):
        return super().allows(scope, action, obj.report if obj is not None else None)


class DeliverablePolicy(Policy):
    """Visible with the task; marked done (with evidence) by the liaisons of a unit assigned to the
    task, or by the plan's owners; reopened by the owners."""

    model = Deliverable

    def visible_to(self, user):
        return Deliverable.objects.filter(task__in=task_policy.visible_to(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        if scope.covers_path(obj.task.plan.region_path, REGION_WRITE_ROLES):
            return True
        if action != "complete":
            return False
        units = scope.unit_ids({Role.UNIT_LIAISON})
        return bool(units) and Assignment.objects.filter(task_id=obj.task_id, unit_id__in=units).exists()


class DeliverableFilePolicy(DeliverablePolicy):
    model = DeliverableFile

    def record_of(self, obj):
        return obj.deliverable

    def visible_to(self, user):
        return DeliverableFile.objects.filter(deliverable__in=deliverable_policy.visible_to(user))

    def allows(self, scope, action, obj):
        # Adding evidence is part of completing the deliverable.
        return super().allows(scope, "complete", obj.deliverable if obj is not None else None)


class MeetingPolicy(Policy):
    """Meetings are seen by whoever sees their plan, and kept by the plan's owners."""

    model = Meeting

    def visible_to(self, user):
        return Meeting.objects.filter(plan_policy.visible_q(user, prefix="plan__"))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        return scope.covers_path(obj.plan.region_path, REGION_WRITE_ROLES)


plan_policy = PlanPolicy()
task_policy = TaskPolicy()
assignment_policy = AssignmentPolicy()
report_policy = ReportPolicy()
report_file_policy = ReportFilePolicy()
deliverable_policy = DeliverablePolicy()
deliverable_file_policy = DeliverableFilePolicy()
meeting_policy = MeetingPolicy()
