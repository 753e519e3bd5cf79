import io

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token

from kepu.accounts.models import LoginThrottle, Role, RoleAssignment, User
from kepu.accounts.services import role_grant, user_create
from kepu.accounts.tests.factories import PASSWORD
from kepu.core.errors import Conflict
from kepu.core.models import AuditEntry


def test_production_hasher_is_argon2():
    from kepu import settings as kepu_settings

    assert kepu_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_login_with_username_or_phone(client, personas):
    user = personas.citizen
    user.phone = "13800000009"
    user.save()
    response = client.post("/accounts/login/", {"login": "13800000009", "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": user.username.upper(), "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_wrong_password_says_so_in_chinese(client, personas):
    personas.yc_admin  # noqa: B018
    response = client.post("/accounts/login/", {"login": "yc_admin", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名（或手机号）或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failures_lock_the_login(client, personas, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    user = personas.yc_admin
    user.email = "yc@example.org"
    user.save()
    settings.KEPU_LOGIN_MAX_FAILURES = 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post("/accounts/login/", {"login": "yc_admin", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "yc_admin", "password": PASSWORD})
    assert "已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="user.login_locked").exists()
    assert len(mail.outbox) == 1 and "锁定" in mail.outbox[0].subject  # the background task ran


@pytest.mark.django_db
def test_success_clears_earlier_failures(client, personas):
    personas.yc_admin  # noqa: B018
    client.post("/accounts/login/", {"login": "yc_admin", "password": "wrong"})
    client.post("/accounts/login/", {"login": "yc_admin", "password": PASSWORD})
    assert not LoginThrottle.objects.exists()


@pytest.mark.django_db
def test_login_page_refuses_an_offsite_next(client, personas):
    personas.yc_admin  # noqa: B018
    response = client.post("/accounts/login/", {"login": "yc_admin", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_logout_needs_post(client_for):
    client = client_for("yc_admin")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_phone_must_be_a_mainland_mobile_number():
    with pytest.raises(Exception) as info:
        user_create(actor=None, username="x", password=PASSWORD, phone="12345")
    assert "手机号码" in str(info.value)


@pytest.mark.django_db
def test_grant_is_audited_and_unique(personas, yongchuan):
    target = personas.outsider
    role_grant(actor=personas.city_admin, user=target, role=Role.REVIEWER, region=yongchuan)
    with pytest.raises(Conflict):
        role_grant(actor=personas.city_admin, user=target, role=Role.REVIEWER, region=yongchuan)
    assert AuditEntry.objects.filter(action="role.granted").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_an_assignment_without_a_target(personas):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=personas.outsider, role=Role.REGION_ADMIN)


@pytest.mark.django_db
def test_roles_page_grants_and_revokes(client_for, personas):
    personas.outsider  # noqa: B018
    client = client_for("yc_admin")
    response = client.post("/accounts/roles/", {"username": "outsider", "role": "reviewer", "region": "500106"})
    assert "不在您的管理范围内" in response.content.decode()
    response = client.post("/accounts/roles/", {"username": "outsider", "role": "reviewer", "region": "500118001"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="outsider")
    client.post(f"/accounts/roles/{assignment.pk}/revoke/")
    assert not RoleAssignment.objects.filter(user__username="outsider").exists()


@pytest.mark.django_db
def test_switching_scope_changes_the_home_page(client_for, personas, chongqing):
    role_grant(actor=None, user=personas.yc_admin, role=Role.REVIEWER, region=chongqing)
    client = client_for("yc_admin")
    assert "永川区" in client.get("/").content.decode()
    reviewer = RoleAssignment.objects.get(user=personas.yc_admin, role=Role.REVIEWER)
    client.post("/accounts/scope/", {"grant": reviewer.pk, "next": "/"})
    page = client.get("/").content.decode()
    assert "<h1 class=\"h4 mb-0\">重庆市</h1>" in page
    response = client.post("/accounts/scope/", {"grant": "999999", "next": "/"}, follow=True)
    assert "无效的工作范围" in response.content.decode()


@pytest.mark.django_db
def test_users_me(client_for):
    body = client_for("yc_liaison").get("/api/v1/users/me/").json()
    assert body["username"] == "yc_liaison"
    assert body["roles"][0]["role"] == "unit_liaison" and body["roles"][0]["unit_name"] == "区教委"


@pytest.mark.django_db
def test_token_grant_and_revoke_commands(capsys, personas):
    personas.outsider  # noqa: B018
    call_command("token", "outsider")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user__username="outsider").key == key
    call_command("grant", "outsider", "region_admin", "--region", "500118")
    assert RoleAssignment.objects.filter(user__username="outsider", region__code="500118").exists()
    call_command("revoke", "outsider", "region_admin", "--region", "500118")
    assert not RoleAssignment.objects.filter(user__username="outsider").exists()
    with pytest.raises(CommandError) as info:
        call_command("grant", "nobody", "reviewer", "--region", "500118")
    assert info.value.returncode == 2


@pytest.mark.django_db
def test_token_authenticates_the_api(client, personas):
    personas.yc_admin  # noqa: B018
    call_command("token", "yc_admin", stdout=io.StringIO())
    key = Token.objects.get(user=personas.yc_admin).key
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {key}").json()["username"] == "yc_admin"


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},
                   TASKS_MODE="database")
def test_queued_tasks_run_in_the_worker(personas, transactional_db):
    from kepu.accounts.tasks import notify_login_locked

    user = User.objects.create(username="mailme", email="m@example.org", password=make_password(PASSWORD))
    result = notify_login_locked.enqueue(user.pk, 15)
    assert len(mail.outbox) == 0
    call_command("worker", "--batch", verbosity=0)
    assert len(mail.outbox) == 1
    result.refresh()
    assert result.return_value is True
