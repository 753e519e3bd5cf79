"""Bad configuration fails at start with a message naming the variable."""

import os
import subprocess
import sys

import pytest


def start(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KEPU_")}
    return subprocess.run([sys.executable, "-m", "kepu", "check"], env={**base, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("env", "named"), [
    ({"KEPU_DEBUG": "maybe"}, "KEPU_DEBUG"),
    ({"KEPU_DATABASE_URL": "mysql://x@y/z"}, "KEPU_DATABASE_URL"),
    ({"KEPU_DATABASE_URL": "postgres://u@localhost/kepu"}, "KEPU_SECRET_KEY"),
    ({"KEPU_DATABASE_URL": "postgres://u@localhost/kepu", "KEPU_SECRET_KEY": "k" * 40}, "KEPU_PII_KEY"),
    ({"KEPU_SECRET_KEY": "short"}, "KEPU_SECRET_KEY"),
    ({"KEPU_REDIS_URL": "http://localhost"}, "KEPU_REDIS_URL"),
    ({"KEPU_TASKS": "celery"}, "KEPU_TASKS"),
    ({"KEPU_CSRF_TRUSTED_ORIGINS": "example.org"}, "KEPU_CSRF_TRUSTED_ORIGINS"),
])
def test_bad_configuration_names_the_variable(tmp_path, env, named):
    result = start({"KEPU_VAR_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_embedded_mode_generates_and_keeps_a_secret_key(tmp_path):
    assert start({"KEPU_VAR_DIR": str(tmp_path)}).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert start({"KEPU_VAR_DIR": str(tmp_path)}).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_sqlite_takes_the_write_lock_up_front():
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] >= 5
