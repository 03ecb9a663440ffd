"""Homework files: where their bytes live, and the short-lived signed links that fetch them.

Two stores behind one protocol: local files under the data directory (the default) and any
S3-compatible object store (signed with AWS Signature V4 over plain httpx). Objects are keyed
by school, lesson and file id; a teacher's file name never reaches the disk.

A download link is ``/files/<token>`` on the gateway: the token carries the file id and an
expiry, signed with a key derived from the internal secret, so whoever read the lesson can
fetch its files for a few minutes and nobody can forge a link to another file.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import struct
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit
from uuid import UUID

import httpx

from services.kernel.settings import Settings

CHUNK = 64 * 1024


class FileStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; FileNotFoundError when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""
        ...


class LocalFileStore:
    """Files under one directory; a key is a relative path of safe parts only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(p in ("", ".", "..") or "\\" in p for p in parts):
            raise ValueError(f"unsafe storage key {key!r}")
        return self.root.joinpath(*parts)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)  # readers never see half a file

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)


class S3FileStore:
    """An S3-compatible bucket (AWS, MinIO, Yandex Object Storage …), path-style requests."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        timeout: float = 30.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.timeout = timeout

    def _url(self, key: str | None) -> str:
        path = f"/{self.bucket}" + (f"/{key}" if key else "")
        return self.endpoint + quote(path, safe="/-_.~")

    def _signed(self, method: str, url: str, payload: bytes, extra: dict[str, str]) -> dict:
        return sign_v4(method, url, payload, extra, self.region, self.access_key, self.secret_key)

    async def ensure_bucket(self) -> None:
        url = self._url(None)
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            response = await http.put(url, headers=self._signed("PUT", url, b"", {}))
        if response.status_code not in (200, 409):
            raise OSError(f"bucket {self.bucket}: HTTP {response.status_code}")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        url = self._url(key)
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            headers = self._signed("PUT", url, data, {"content-type": content_type})
            response = await http.put(url, content=data, headers=headers)
            if response.status_code == 404 and b"NoSuchBucket" in response.content:
                await self.ensure_bucket()  # a fresh installation: the bucket comes on first use
                headers = self._signed("PUT", url, data, {"content-type": content_type})
                response = await http.put(url, content=data, headers=headers)
        if response.status_code != 200:
            raise OSError(f"object store PUT: HTTP {response.status_code}")

    async def open(self, key: str) -> AsyncIterator[bytes]:
        url = self._url(key)
        async with (
            httpx.AsyncClient(timeout=self.timeout) as http,
            http.stream("GET", url, headers=self._signed("GET", url, b"", {})) as response,
        ):
            if response.status_code == 404:
                raise FileNotFoundError(key)
            if response.status_code != 200:
                raise OSError(f"object store GET: HTTP {response.status_code}")
            async for chunk in response.aiter_bytes(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        url = self._url(key)
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            response = await http.delete(url, headers=self._signed("DELETE", url, b"", {}))
        if response.status_code not in (200, 204, 404):
            raise OSError(f"object store DELETE: HTTP {response.status_code}")


def sign_v4(
    method: str,
    url: str,
    payload: bytes,
    headers: dict[str, str],
    region: str,
    access_key: str,
    secret_key: str,
    service: str = "s3",
    now: datetime | None = None,
) -> dict[str, str]:
    """The request's headers with an AWS Signature V4 ``Authorization`` (no query string)."""
    parts = urlsplit(url)
    moment = now or datetime.now(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload_hash = hashlib.sha256(payload).hexdigest()
    signed = {
        **{k.lower(): v.strip() for k, v in headers.items()},
        "host": parts.netloc,
        "x-amz-content-sha256": payload_hash,
        "x-amz-date": amz_date,
    }
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            parts.path or "/",
            parts.query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names),
            payload_hash,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    del signed["host"]  # httpx sends the same value itself
    return signed


def store_from_settings(settings: Settings) -> FileStore:
    if settings.files_s3_endpoint:
        return S3FileStore(
            settings.files_s3_endpoint,
            settings.files_s3_bucket,
            settings.files_s3_region,
            settings.files_s3_access_key,
            settings.files_s3_secret_key,
        )
    return LocalFileStore(settings.files_dir or settings.data_dir / "files")


def storage_key(school_id: UUID, lesson_id: UUID, file_id: UUID) -> str:
    return f"{school_id}/{lesson_id}/{file_id}"


# --- signed download links ---------------------------------------------------------------------

LINK_PREFIX = "/files/"


def _link_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"sgo:journal:homework-file-link", hashlib.sha256).digest()


def sign_link(file_id: UUID, secret: str, ttl_seconds: int, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    body = file_id.bytes + struct.pack(">Q", expires)
    mac = hmac.new(_link_key(secret), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")


class LinkRefused(Exception):
    """A forged, malformed or expired download link."""


def verify_link(token: str, secret: str, now: float | None = None) -> UUID:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkRefused("malformed") from None
    if len(raw) != 16 + 8 + 32:
        raise LinkRefused("malformed")
    body, mac = raw[:24], raw[24:]
    if not hmac.compare_digest(mac, hmac.new(_link_key(secret), body, hashlib.sha256).digest()):
        raise LinkRefused("forged")
    (expires,) = struct.unpack(">Q", body[16:])
    if (now if now is not None else time.time()) > expires:
        raise LinkRefused("expired")
    return UUID(bytes=body[:16])


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Russian) name in ``filename*``."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_store(runtime: object) -> FileStore:
    """The service's one store, made on first use from its settings."""
    extras: dict[str, object] = runtime.extras  # type: ignore[attr-defined]
    if "files" not in extras:
        extras["files"] = store_from_settings(runtime.settings)  # type: ignore[attr-defined]
    return extras["files"]  # type: ignore[return-value]
