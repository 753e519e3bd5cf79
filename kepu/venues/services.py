"""Writes to venues, their certifications, visitor figures and photos: scope-checked and audited."""

from __future__ import annotations

from django.db import transaction

from kepu.core.records import (
    PHOTO_TYPES,
    file_attach,
    file_remove,
    record_create,
    record_delete,
    record_update,
)

from .models import Certification, Venue, VenuePhoto, VisitorFigure
from .policies import certification_policy, venue_photo_policy, venue_policy, visitor_figure_policy

VENUE_FIELDS = ("name", "type", "region", "unit", "address", "longitude", "latitude", "opening_hours", "floor_area",
                "exhibition_area", "capacity", "is_public", "opened_on", "closed_on", "description")
CERTIFICATION_FIELDS = ("level", "title", "body", "year", "valid_until", "review_on", "document_number",
                        "revoked_on")


def venue_create(*, actor, is_demo: bool = False, **fields) -> Venue:
    return record_create(actor=actor, policy=venue_policy, obj=Venue(is_demo=is_demo, **fields), action="venue",
                         logged=("name", "type", "region"))


def venue_update(*, actor, venue: Venue, unchanged_since=None, **fields) -> Venue:
    return record_update(actor=actor, policy=venue_policy, obj=venue, fields=fields, editable=VENUE_FIELDS,
                         action="venue", unchanged_since=unchanged_since)


def venue_delete(*, actor, venue: Venue) -> None:
    record_delete(actor=actor, policy=venue_policy, obj=venue, action="venue")


def certification_create(*, actor, venue: Venue, **fields) -> Certification:
    return record_create(actor=actor, policy=certification_policy, obj=Certification(venue=venue, **fields),
                         action="venue_certification", logged=("venue", "level", "year", "valid_until"))


def certification_update(*, actor, certification: Certification, unchanged_since=None, **fields) -> Certification:
    if any(name in fields and fields[name] != getattr(certification, name)
           for name in ("valid_until", "review_on", "revoked_on")):
        fields.setdefault("reminded_days", None)  # a renewed or revoked title starts its reminders afresh
    return record_update(actor=actor, policy=certification_policy, obj=certification, fields=fields,
                         editable=(*CERTIFICATION_FIELDS, "reminded_days"), action="venue_certification",
                         unchanged_since=unchanged_since)


def certification_delete(*, actor, certification: Certification) -> None:
    record_delete(actor=actor, policy=certification_policy, obj=certification, action="venue_certification")


@transaction.atomic
def visitors_set(*, actor, venue: Venue, year: int, month: int, visitors: int, note: str = "") -> VisitorFigure:
    """Enter or correct a month's visitors (one row per venue and month; the venue row is locked)."""
    Venue.objects.select_for_update(of=("self",)).filter(pk=venue.pk).first()
    existing = VisitorFigure.objects.filter(venue=venue, year=year, month=month).first()
    if existing is None:
        return record_create(actor=actor, policy=visitor_figure_policy,
                             obj=VisitorFigure(venue=venue, year=year, month=month, visitors=visitors, note=note),
                             action="venue_visitors", logged=("year", "month", "visitors"))
    return record_update(actor=actor, policy=visitor_figure_policy, obj=existing,
                         fields={"visitors": visitors, "note": note}, editable=("visitors", "note"),
                         action="venue_visitors")


def photo_add(*, actor, venue: Venue, upload, description: str = "") -> VenuePhoto:
    return file_attach(actor=actor, policy=venue_photo_policy, file=VenuePhoto(venue=venue, description=description),
                       upload=upload, action="venue", allowed=PHOTO_TYPES)


def photo_remove(*, actor, photo: VenuePhoto) -> None:
    file_remove(actor=actor, policy=venue_photo_policy, file=photo, action="venue")
