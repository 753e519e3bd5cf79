"""Fixtures the page tests of work plans share: a 永川区 quarterly plan since the start of last year
(its earlier quarters are due) with two tasks of 区教委 and 区科协, and media in a temporary folder."""

import datetime

import pytest
from django.utils import timezone

from .factories import make_plan


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db):
    year = timezone.localdate().year
    return make_plan(starts_on=datetime.date(year - 1, 1, 1), ends_on=datetime.date(year, 12, 31), tasks=2,
                     units=("区教委", "区科协"))


@pytest.fixture
def task(plan):
    return plan.tasks.get(number="1")
