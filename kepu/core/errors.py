"""The one error type services raise for refusals that are not field validation."""

from __future__ import annotations

from typing import Any


class KepuError(Exception):
    """A refusal with a Chinese message for people and a stable code for programs."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.extra = extra or {}


class Conflict(KepuError):
    status = 409
