"""Signed download links for reports' files: an ordered report or an archived sheet.

A link is ``/report-files/<token>`` on the gateway, proxied to reports' ``/files/<token>``.
The token carries what it opens (a kind byte and the row's id) and an expiry, signed with a
key derived from the internal secret for this purpose only: a homework link opens no report,
and nobody can forge a link to another file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
from enum import IntEnum
from urllib.parse import quote
from uuid import UUID

LINK_PREFIX = "/report-files/"


class FileKind(IntEnum):
    REPORT = 1  # report_file: a job's result
    ARCHIVED_SHEET = 2  # archived_sheet: the PDF/A of a closed year


class LinkRefused(Exception):
    """A forged, malformed or expired link."""


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"sgo:reports:file-link", hashlib.sha256).digest()


def sign_link(
    kind: FileKind, file_id: UUID, secret: str, ttl_seconds: int, now: float | None = None
) -> str:
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    body = bytes([kind]) + file_id.bytes + struct.pack(">Q", expires)
    mac = hmac.new(_key(secret), body, hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(body + mac).decode().rstrip("=")
    return f"{LINK_PREFIX}{token}"


def verify_link(token: str, secret: str, now: float | None = None) -> tuple[FileKind, UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkRefused("malformed") from None
    if len(raw) != 1 + 16 + 8 + 32:
        raise LinkRefused("malformed")
    body, mac = raw[:25], raw[25:]
    if not hmac.compare_digest(mac, hmac.new(_key(secret), body, hashlib.sha256).digest()):
        raise LinkRefused("forged")
    (expires,) = struct.unpack(">Q", body[17:])
    if (now if now is not None else time.time()) > expires:
        raise LinkRefused("expired")
    try:
        kind = FileKind(body[0])
    except ValueError:
        raise LinkRefused("malformed") from None
    return kind, UUID(bytes=body[1:17])


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Russian) name in ``filename*``."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
