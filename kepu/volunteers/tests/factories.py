"""Test data for volunteers: valid resident ID numbers, volunteers, teams, records, requests.

Other test modules import these; keep the API stable. Everything goes through the services, so
the stored numbers are encrypted, hashed and masked exactly as in production.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from kepu.core.pii import id_check_digit
from kepu.orgs.models import Unit
from kepu.regions.models import Region

from .. import services
from ..models import Gender, Membership, Team, Volunteer

_serial = itertools.count(1)


def make_id_number(birth: datetime.date = datetime.date(1990, 5, 17), gender: str = Gender.MALE,
                   area: str = "500118", serial: int | None = None) -> str:
    """A valid 18-digit resident ID number; the sequence code's last digit is odd for men."""
    serial = next(_serial) if serial is None else serial
    seq = (serial * 2 + (1 if gender == Gender.MALE else 0)) % 1000
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def make_phone(serial: int | None = None) -> str:
    serial = next(_serial) if serial is None else serial
    return f"139{serial % 100_000_000:08d}"


def yc_association() -> Unit:
    return Unit.objects.get(region__code="500118", name="区科协")


def _region(region) -> Region:
    return Region.objects.get(code=region) if isinstance(region, str) else region


def make_volunteer(*, actor=None, name: str = "张三", gender: str = Gender.MALE,
                   birth_date: datetime.date = datetime.date(1990, 5, 17), region="500118", unit=None,
                   id_number: str | None = None, phone: str | None = None, user=None, teams=(), **extra) -> Volunteer:
    """A registered adult volunteer of 永川区 (through volunteer_register)."""
    region = _region(region)
    serial = next(_serial)
    return services.volunteer_register(
        actor=actor if user is None else user, name=name, gender=gender, birth_date=birth_date,
        id_number=id_number or make_id_number(birth_date, gender, serial=serial),
        phone=phone or make_phone(serial), region=region, unit=unit, user=user, teams=teams, **extra)


def make_team(*, actor=None, name: str | None = None, region="500118", unit=None, parent=None, **extra) -> Team:
    region = _region(region)
    unit = unit or (yc_association() if region.code.startswith("500118") else
                    Unit.objects.filter(region=region).first() or Unit.objects.filter(region__code="500000").first())
    return services.team_create(actor=actor, name=name or f"测试科技志愿服务队{next(_serial)}", region=region,
                                unit=unit, parent=parent, **extra)


def add_member(team: Team, volunteer: Volunteer, *, leader: bool = False) -> Membership:
    """Add to the team; a leader without an account gets one (leaders must be able to sign in)."""
    if leader and not volunteer.user_id:
        from django.contrib.auth import get_user_model

        volunteer.user = get_user_model().objects.create_user(username=f"leader-{volunteer.number}", password="x")
        volunteer.save(update_fields=["user"])
    return services.membership_add(actor=None, team=team, volunteer=volunteer,
                                   role=Membership.Role.LEADER if leader else Membership.Role.MEMBER)


def make_record(volunteer: Volunteer, *, team: Team | None = None, hours="2", date=None, verify: bool = True,
                **extra):
    """A record (verified by default); with a team, the volunteer is made a member first if needed."""
    if team is not None:
        Membership.objects.get_or_create(team=team, volunteer=volunteer,
                                         defaults={"joined_on": timezone.localdate()})
    return services.record_create(actor=None, volunteer=volunteer, team=team, hours=Decimal(str(hours)),
                                  date=date or timezone.localdate() - datetime.timedelta(days=1),
                                  content=extra.pop("content", "科普讲解"), verify=verify, **extra)


def make_request(*, region="500118", topic: str = "社区老年人防诈骗科普讲座", **extra):
    today = timezone.localdate()
    fields = {"audience": "社区老年人", "requester_name": "中山路街道某社区", "contact_name": "李主任",
                  "contact_phone": "13911112222", "place": "社区活动室", "window_start": today,
                  "window_end": today + datetime.timedelta(days=30), "expected_size": 40}
    fields.update(extra)
    return services.request_create(actor=None, topic=topic, region=_region(region), **fields)
