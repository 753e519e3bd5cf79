"""Writes to school profiles, 农技协 and funding records: scope-checked and audited."""

from __future__ import annotations

from django.db import transaction

from kepu.core.records import file_attach, file_remove, record_create, record_delete, record_update

from .models import FundingDocument, FundingRecord, RuralTechAssociation, SchoolProfile
from .policies import (
    funding_document_policy,
    funding_policy,
    rural_association_policy,
    school_profile_policy,
)

SCHOOL_PROFILE_FIELDS = ("district_run", "science_teachers", "tutors_full_time", "tutors_part_time", "has_tech_room",
                         "feature_level", "note")
ASSOCIATION_FIELDS = ("name", "region", "unit", "founded_on", "dissolved_on", "members", "on_smart_platform",
                      "industry", "contact_name")
FUNDING_FIELDS = ("region", "unit", "year", "source", "use", "budgeted", "received", "purpose", "document_number",
                  "note")


@transaction.atomic
def school_profile_set(*, actor, unit, year: int, unchanged_since=None, is_demo: bool = False,
                       **fields) -> SchoolProfile:
    """Enter or correct a school's profile for a year (one per school and year)."""
    type(unit).objects.select_for_update().filter(pk=unit.pk).first()  # one writer per school at a time
    existing = SchoolProfile.objects.filter(unit=unit, year=year).first()
    if existing is None:
        return record_create(actor=actor, policy=school_profile_policy,
                             obj=SchoolProfile(unit=unit, year=year, is_demo=is_demo, **fields),
                             action="school_profile", logged=("unit", "year", *fields))
    return record_update(actor=actor, policy=school_profile_policy, obj=existing, fields=fields,
                         editable=SCHOOL_PROFILE_FIELDS, action="school_profile", unchanged_since=unchanged_since)


def school_profile_delete(*, actor, profile: SchoolProfile) -> None:
    record_delete(actor=actor, policy=school_profile_policy, obj=profile, action="school_profile")


def association_create(*, actor, is_demo: bool = False, **fields) -> RuralTechAssociation:
    return record_create(actor=actor, policy=rural_association_policy,
                         obj=RuralTechAssociation(is_demo=is_demo, **fields), action="rural_association",
                         logged=("name", "region", "founded_on"))


def association_update(*, actor, association: RuralTechAssociation, unchanged_since=None,
                       **fields) -> RuralTechAssociation:
    return record_update(actor=actor, policy=rural_association_policy, obj=association, fields=fields,
                         editable=ASSOCIATION_FIELDS, action="rural_association", unchanged_since=unchanged_since)


def association_delete(*, actor, association: RuralTechAssociation) -> None:
    record_delete(actor=actor, policy=rural_association_policy, obj=association, action="rural_association")


def funding_create(*, actor, is_demo: bool = False, **fields) -> FundingRecord:
    return record_create(actor=actor, policy=funding_policy, obj=FundingRecord(is_demo=is_demo, **fields),
                         action="funding", logged=("region", "unit", "year", "source", "budgeted", "received"))


def funding_update(*, actor, record: FundingRecord, unchanged_since=None, **fields) -> FundingRecord:
    return record_update(actor=actor, policy=funding_policy, obj=record, fields=fields, editable=FUNDING_FIELDS,
                         action="funding", unchanged_since=unchanged_since)


def funding_delete(*, actor, record: FundingRecord) -> None:
    record_delete(actor=actor, policy=funding_policy, obj=record, action="funding")


def funding_document_add(*, actor, record: FundingRecord, upload, description: str = "") -> FundingDocument:
    return file_attach(actor=actor, policy=funding_document_policy,
                       file=FundingDocument(record=record, description=description), upload=upload, action="funding")


def funding_document_remove(*, actor, document: FundingDocument) -> None:
    file_remove(actor=actor, policy=funding_document_policy, file=document, action="funding")
