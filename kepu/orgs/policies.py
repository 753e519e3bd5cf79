from __future__ import annotations

from django.db.models import Q

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.core.policies import Policy
from kepu.core.records import RecordPolicy
from kepu.regions.querysets import subtree_q

from .models import FundingDocument, FundingRecord, RuralTechAssociation, SchoolProfile, Unit

# What a unit's own liaison may change; the rest (name, type, region, parent) is the region's.
LIAISON_FIELDS = frozenset({"contact_name", "contact_phone", "email", "address"})


class UnitPolicy(Policy):
    """Staff see units in their region subtrees; liaisons see their unit and the units under it."""

    model = Unit

    def visible_to(self, user):
        scope = scope_of(user)
        qs = Unit.objects.all()
        if scope.platform_admin:
            return qs
        own = scope.unit_ids(STAFF_ROLES)
        q = subtree_q(scope.region_paths(STAFF_ROLES), field="region__path")
        if own:
            q |= Q(pk__in=own) | Q(parent_id__in=own)
        return qs.filter(q)

    def allows(self, scope, action, obj):
        if action == "add":  # obj is the region the unit would belong to
            return obj is not None and scope.covers_path(obj.path, REGION_WRITE_ROLES)
        if action == "change":
            return obj is not None and (
                scope.covers_path(obj.region.path, REGION_WRITE_ROLES)
                or obj.pk in scope.unit_ids({Role.UNIT_LIAISON})
            )
        return False

    def changeable_fields(self, user, unit: Unit) -> frozenset[str] | None:
        """None means every field; a liaison gets only the contact fields."""
        scope = scope_of(user)
        if user is None or scope.platform_admin or scope.covers_path(unit.region.path, REGION_WRITE_ROLES):
            return None
        return LIAISON_FIELDS


unit_policy = UnitPolicy()


class SchoolProfilePolicy(RecordPolicy):
    """Region admins over the school's region and the school's own liaison keep its profiles."""

    model = SchoolProfile


class RuralAssociationPolicy(RecordPolicy):
    model = RuralTechAssociation


class FundingPolicy(RecordPolicy):
    model = FundingRecord


class FundingDocumentPolicy(RecordPolicy):
    model = FundingDocument
    through = "record"


school_profile_policy = SchoolProfilePolicy()
rural_association_policy = RuralAssociationPolicy()
funding_policy = FundingPolicy()
funding_document_policy = FundingDocumentPolicy()
