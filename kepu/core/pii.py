"""Personal data: phone and ID numbers stored encrypted, found by a keyed hash, shown masked.

The key comes from KEPU_PII_KEY (32+ characters) or, in the embedded mode, from a random key kept
in var/pii_key. Encryption is Fernet (AES-128-CBC + HMAC-SHA256); the lookup hash is HMAC-SHA256
under a key derived separately, so the hash of a phone number cannot be reversed by trying all
mobile numbers without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _keys() -> tuple[Fernet, bytes]:
    master = settings.PII_KEY.encode()
    enc = hashlib.sha256(b"kepu-pii-encrypt:" + master).digest()
    mac = hashlib.sha256(b"kepu-pii-lookup:" + master).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def normalize_phone(phone: str) -> str:
    return "".join(ch for ch in str(phone) if ch.isdigit())


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(value: str) -> str:
    """The keyed hash used for uniqueness and search (never the value itself)."""
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    phone = normalize_phone(phone)
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
