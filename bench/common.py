"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def free_port(start: int) -> int:
    """The first TCP port from `start` on that nothing listens on at 127.0.0.1."""
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def kepu_env(database_url: str | None, *, var_dir: str | None = None, settings: str = "kepu.settings",
             base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a `kepu` subprocess: production settings, this checkout, the database."""
    env = dict(base if base is not None else os.environ)
    env.pop("KEPU_DEBUG", None)  # measure what production runs
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["KEPU_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    if var_dir is not None:
        env["KEPU_VAR_DIR"] = var_dir
    if database_url:
        env["KEPU_DATABASE_URL"] = database_url
        for key in ("KEPU_SECRET_KEY", "KEPU_PII_KEY"):
            if len(env.get(key, "")) < 32:
                env[key] = secrets.token_urlsafe(40)
    else:
        env.pop("KEPU_DATABASE_URL", None)
    return env


def run_command(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command in the checkout; return (wall seconds, stdout); raise with its output on failure."""
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with status {proc.returncode}:\n"
                           + proc.stdout[-3000:] + proc.stderr[-3000:])
    return elapsed, proc.stdout


def django_setup() -> None:
    """Set Django up inside a benchmark subprocess (run with kepu_env's environment)."""
    import sys

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def database_version() -> str:
    """"PostgreSQL 15.x" or "SQLite 3.x": the database the benchmark ran on."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]
