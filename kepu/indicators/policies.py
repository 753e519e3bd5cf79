"""Who may do what with standards, assessments and submissions.

- Standards are visible to all staff; region admins keep those of their region (a copy for their
  own region is how a district adapts another's standard); platform admins keep all.
- Assessments are visible to staff over the region's subtree and to liaisons of the units
  responsible for any of its indicators. Region admins over the region create, refresh, submit and
  reopen them, write the report text, and unlock approved submissions; reviewers over the region
  (and region admins) approve or return submissions.
- Submissions: liaisons of a unit responsible for the indicator send them in for that unit, and
  change them (add or remove files, withdraw) until they are approved; region admins may do the
  same for any unit of the region.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy

from .models import Assessment, EvidenceFile, Responsibility, Standard, Submission

REVIEW_ROLES = REGION_WRITE_ROLES | {Role.REVIEWER}


class StandardPolicy(Policy):
    model = Standard

    def visible_to(self, user):
        if not scope_of(user).is_staff:
            return Standard.objects.none()
        return Standard.objects.all()

    def allows(self, scope, action, obj):
        if action == "view":
            return scope.is_staff
        if obj is None:  # may import or copy at all
            return action in ("add", "copy") and bool(scope.region_paths(REGION_WRITE_ROLES))
        if obj.region_id is None:  # platform-wide standards: copied by region admins, kept by platform admins
            return action == "copy" and bool(scope.region_paths(REGION_WRITE_ROLES))
        if action == "copy":
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        return scope.covers_path(obj.region.path, REGION_WRITE_ROLES)


class AssessmentPolicy(Policy):
    model = Assessment

    def visible_q(self, user) -> Q:
        scope = scope_of(user)
        q = scope.region_q("region_path")
        if q is None:
            return Q()
        units = scope.unit_ids(STAFF_ROLES)
        if units:
            q |= Q(Exists(Responsibility.objects.filter(assessment=OuterRef("pk"), unit_id__in=units)))
        return q

    def visible_to(self, user):
        return Assessment.objects.filter(self.visible_q(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES))
        roles = REVIEW_ROLES if action == "review" else REGION_WRITE_ROLES
        return scope.covers_path(obj.region_path, roles)


def responsible_unit_ids(user, assessment: Assessment, indicator) -> set[int]:
    """The user's liaison units that answer for `indicator` in `assessment`."""
    units = scope_of(user).unit_ids({Role.UNIT_LIAISON})
    if not units:
        return set()
    return set(Responsibility.objects.filter(assessment=assessment, indicator=indicator, unit_id__in=units)
               .values_list("unit_id", flat=True))


class SubmissionPolicy(Policy):
    """Actions: view, add (obj: an unsaved Submission with assessment, indicator and unit), change,
    review, unlock."""

    model = Submission

    def visible_to(self, user):
        return Submission.objects.filter(assessment__in=assessment_policy.visible_to(user))

    def allows(self, scope, action, obj):
        if obj is None:
            return bool(scope.region_paths(REGION_WRITE_ROLES) or scope.unit_ids({Role.UNIT_LIAISON}))
        path = obj.assessment.region_path
        if action == "review":
            return scope.covers_path(path, REVIEW_ROLES)
        if action == "unlock":
            return scope.covers_path(path, REGION_WRITE_ROLES)
        if scope.covers_path(path, REGION_WRITE_ROLES):
            return True
        if not (obj.unit_id and obj.unit_id in scope.unit_ids({Role.UNIT_LIAISON})):
            return False
        if action == "add":  # only for an indicator the unit answers for
            return Responsibility.objects.filter(assessment=obj.assessment, indicator=obj.indicator,
                                                 unit_id=obj.unit_id).exists()
        return True  # change: the liaisons of the unit that sent it in


class EvidenceFilePolicy(SubmissionPolicy):
    model = EvidenceFile

    def record_of(self, obj):  # what core.records.file_attach logs the file against
        return obj.submission

    def visible_to(self, user):
        return EvidenceFile.objects.filter(submission__assessment__in=assessment_policy.visible_to(user))

    def allows(self, scope, action, obj):
        return super().allows(scope, action, obj.submission if obj is not None else None)


standard_policy = StandardPolicy()
assessment_policy = AssessmentPolicy()
submission_policy = SubmissionPolicy()
evidence_file_policy = EvidenceFilePolicy()
