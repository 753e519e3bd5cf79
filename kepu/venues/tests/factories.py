"""Test data for venues: villages (the reference tree stops at towns), venues, certifications, officers.

Other test modules import these; keep the API stable. Writes go through the services (actor None =
the system), so region paths and audit entries are as in production.
"""

from __future__ import annotations

import itertools

from kepu.regions.models import Kind, Level, Region
from kepu.regions.services import region_create

from .. import services
from ..models import Level as CertLevel
from ..models import VenueType
from ..officers import village_officer_appoint

_serial = itertools.count(1)


def make_village(town: Region | str = "500118001", *, rural: bool = True, name: str | None = None) -> Region:
    """A village (class 220) or community (class 111) under the town, with a fresh 12-digit code."""
    if isinstance(town, str):
        town = Region.objects.get(code=town)
    n = next(_serial)
    code = f"{town.code}{200 + n % 800:03d}"
    while Region.objects.filter(code=code).exists():
        n = next(_serial)
        code = f"{town.code}{200 + n % 800:03d}"
    return region_create(actor=None, parent=town, code=code, name=name or f"测试{'村' if rural else '社区'}{n}",
                         level=Level.VILLAGE, kind=Kind.VILLAGE if rural else Kind.COMMUNITY,
                         urban_rural_code="220" if rural else "111")


def make_venue(region: Region | str = "500118", type: str = VenueType.EDUCATION_BASE, **fields):
    if isinstance(region, str):
        region = Region.objects.get(code=region)
    fields.setdefault("name", f"测试阵地{next(_serial)}")
    return services.venue_create(actor=None, region=region, type=type, **fields)


def make_certification(venue, level: str = CertLevel.MUNICIPAL, year: int = 2022, **fields):
    fields.setdefault("body", "重庆市科协")
    return services.certification_create(actor=None, venue=venue, level=level, year=year, **fields)


def appoint_officer(village: Region, phone: str | None = None, name: str = "测试科普员"):
    phone = phone or f"137{next(_serial) % 100_000_000:08d}"
    return village_officer_appoint(actor=None, village=village, name=name, phone=phone)


def equip_village(village: Region, *, station: bool = True, board: bool = True, officer: bool = True) -> None:
    """Give a village any of the three things of 站栏员 coverage."""
    if station:
        make_venue(village, VenueType.ACTIVITY_ROOM, name=f"{village.name}科普活动室")
    if board:
        make_venue(village, VenueType.GALLERY, name=f"{village.name}科普画廊")
    if officer:
        appoint_officer(village)
