"""Shared fixtures: the reference data loaded once per test database, and the personas."""

import pytest
from django.test import Client

from kepu.accounts.models import Role
from kepu.accounts.tests.factories import UserFactory, grant
from kepu.core.reference import load_reference
from kepu.orgs.models import Unit
from kepu.regions.models import Region


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference tree (Chongqing, its districts, Yongchuan's towns, the units) in every test."""
    with django_db_blocker.unblock():
        load_reference()


@pytest.fixture
def chongqing(db):
    return Region.objects.get(code="500000")


@pytest.fixture
def yongchuan(db):
    return Region.objects.get(code="500118")


@pytest.fixture
def shapingba(db):
    return Region.objects.get(code="500106")


@pytest.fixture
def yc_town(db):
    return Region.objects.get(code="500118001")  # 中山路街道


@pytest.fixture
def yc_education(db):
    return Unit.objects.get(region__code="500118", name="区教委")


@pytest.fixture
def spb_education(db):
    return Unit.objects.get(region__code="500106", name="区教委")


class Personas:
    """The people of the permission matrix, created on first use."""

    def __init__(self):
        self._users = {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._users:
            self._users[name] = self._make(name)
        return self._users[name]

    def _make(self, name):
        user = UserFactory(username=name)
        if name == "platform_admin":
            grant(user, Role.PLATFORM_ADMIN)
        elif name == "city_admin":
            grant(user, Role.REGION_ADMIN, region="500000")
        elif name == "yc_admin":
            grant(user, Role.REGION_ADMIN, region="500118")
        elif name == "spb_admin":
            grant(user, Role.REGION_ADMIN, region="500106")
        elif name == "yc_reviewer":
            grant(user, Role.REVIEWER, region="500118")
        elif name == "yc_liaison":
            grant(user, Role.UNIT_LIAISON, unit=Unit.objects.get(region__code="500118", name="区教委"))
        elif name == "citizen":
            grant(user, Role.CITIZEN, region="500118")
        elif name == "outsider":
            pass
        else:
            raise AttributeError(name)
        return user


@pytest.fixture
def personas(db):
    return Personas()


@pytest.fixture
def client_for(personas):
    """A logged-in test client for a persona name ("anonymous" gets a plain client)."""

    def make(name: str) -> Client:
        client = Client()
        if name != "anonymous":
            client.force_login(getattr(personas, name))
        return client

    return make


@pytest.fixture
def api_for(personas):
    """An API client authenticated with a token, for a persona name or a user ("anonymous": none)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(name_or_user) -> APIClient:
        client = APIClient()
        if name_or_user != "anonymous":
            user = getattr(personas, name_or_user) if isinstance(name_or_user, str) else name_or_user
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the production hasher (see test_accounts); tests need not pay for it each time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
