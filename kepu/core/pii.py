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


# --- resident ID numbers (GB 11643-1999) ----------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class InvalidResidentId(ValueError):
    """Why an ID number is wrong, in words for the person who typed it."""


def normalize_id(value: str) -> str:
    return "".join(str(value).split()).upper().replace("x", "X")


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_resident_id(value: str):
    """The birth date and gender ("male"/"female") an 18-digit resident ID number encodes.

    Raises InvalidResidentId (a translated message) for a wrong length or character, an
    impossible birth date, or a wrong check digit.
    """
    import datetime

    from django.utils.translation import gettext as _

    number = normalize_id(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidResidentId(_("身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X"))
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId(_("身份证号码中的出生日期 %(d)s 不存在") % {"d": number[6:14]}) from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise InvalidResidentId(_("身份证号码中的出生日期 %(d)s 不合理") % {"d": number[6:14]})
    if id_check_digit(number[:17]) != number[17]:
        raise InvalidResidentId(_("身份证号码校验位错误"))
    return birth, ("male" if int(number[16]) % 2 else "female")


def mask_id(value: str) -> str:
    """5001**********1234: the first four and last four characters."""
    number = normalize_id(value)
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "****"
