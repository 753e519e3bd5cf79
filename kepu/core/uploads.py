"""Uploaded evidence: the type is read from the content, not trusted from the name or browser."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


def sniff(head: bytes, data_for_zip: bytes | None = None) -> Sniffed | None:
    """The file's real type from its first bytes (and, for Office files, its zip directory)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "jpg")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "webp")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "pdf")
    if head.startswith(b"PK\x03\x04") and data_for_zip is not None:
        try:
            names = zipfile.ZipFile(io.BytesIO(data_for_zip)).namelist()
        except zipfile.BadZipFile:
            return None
        if any(n.startswith("word/") for n in names):
            return Sniffed("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
        if any(n.startswith("xl/") for n in names):
            return Sniffed("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
        if any(n.startswith("ppt/") for n in names):
            return Sniffed("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
    return None


def safe_filename(name: str, extension: str) -> str:
    """A display name without paths, control characters or a misleading extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "", stem).strip(" .")[:80] or "file"
    return f"{stem}.{extension}"


def check_upload(upload, *, allowed: set[str], max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[bytes, Sniffed, str]:
    """Read an uploaded file and check its size and real type; return (data, type, safe name)."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件“%(name)s”超过 %(mb)d MB。") % {"name": upload.name, "mb": max_bytes // (1024 * 1024)}
        )
    data = upload.read()
    kind = sniff(data[:16], data)
    if kind is None or kind.extension not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的内容不是允许的类型（%(allowed)s）。")
            % {"name": upload.name, "allowed": "、".join(sorted(allowed))}
        )
    return data, kind, safe_filename(upload.name, kind.extension)
