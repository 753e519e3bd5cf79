"""Test data for channels: outlets, columns, issues and 科普中国 figures, through the services."""

from __future__ import annotations

import datetime
import itertools

from kepu.regions.models import Region

from .. import services
from ..models import OutletKind

_serial = itertools.count(1)


def _region(region):
    return Region.objects.get(code=region) if isinstance(region, str) else region


def make_column(region="500118", outlet_name: str | None = None, name: str | None = None, **fields):
    region = _region(region)
    outlet = services.outlet_create(actor=None, region=region, name=outlet_name or f"测试媒体{next(_serial)}",
                                    kind=OutletKind.TV)
    return services.column_create(actor=None, outlet=outlet, name=name or "科普栏目", **fields)


def make_issue(column, date: datetime.date, title: str | None = None, **fields):
    return services.issue_create(actor=None, column=column, date=date, title=title or f"第{next(_serial)}期", **fields)


def set_info_officers(region, year: int, registered: int, active: int, shares: int = 0):
    return services.info_officers_set(actor=None, region=_region(region), year=year, registered=registered,
                                      active=active, shares=shares)
