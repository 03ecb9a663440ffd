"""Per-service databases, roles and secrets: created once, reused on every later start."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg

SERVICES: tuple[str, ...] = ("people", "journal", "messaging", "reports")


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read; created 0600 so it is never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def _load_secrets(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {str(k): str(v) for k, v in data.get("database_passwords", {}).items()}


def _asyncpg_dsn(url: str) -> str:
    # Accept SQLAlchemy spellings too (postgresql+asyncpg://): asyncpg wants plain libpq ones.
    scheme, sep, rest = url.partition("://")
    return ("postgresql" + sep + rest) if "+" in scheme else url


def _service_url(admin_dsn: str, database: str, user: str, password: str) -> str:
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:  # an IPv6 literal goes back in brackets
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"postgresql+asyncpg://{auth}@{host}{port}/{database}{query}"


def _ident(name: str) -> str:
    # Names are ours (prefix + service), but quote anyway: they end up in DDL.
    return '"' + name.replace('"', '""') + '"'


async def provision(
    admin_dsn: str,
    data_dir: Path,
    services: Iterable[str] = SERVICES,
    *,
    prefix: str = "sgo",
) -> dict[str, str]:
    """Ensure database ``<prefix>_<svc>`` owned by login role ``<prefix>_<svc>`` for each service.

    Passwords are generated once and kept in ``<data_dir>/secrets.json`` (0600). CONNECT is
    revoked from PUBLIC, so a service's role reaches only its own database. Safe to re-run.
    Returns ``{service: "postgresql+asyncpg://role:password@host:port/db"}``.
    """
    data_dir = Path(data_dir)
    secrets_path = data_dir / "secrets.json"
    passwords = _load_secrets(secrets_path)
    services = tuple(services)
    changed = False
    for service in services:
        name = f"{prefix}_{service}"
        if name not in passwords:
            passwords[name] = secrets.token_urlsafe(24)
            changed = True
    if changed or not secrets_path.exists():
        # Saved before touching the server: a crash in between must not orphan a password.
        existing = json.loads(secrets_path.read_text()) if secrets_path.exists() else {}
        existing["database_passwords"] = passwords
        _write_private(secrets_path, json.dumps(existing, indent=2) + "\n")

    urls: dict[str, str] = {}
    conn = await asyncpg.connect(_asyncpg_dsn(admin_dsn))
    try:
        for service in services:
            name = f"{prefix}_{service}"
            password = passwords[name]
            ident = _ident(name)
            role_exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
            # DDL takes no bind parameters; the password is our own url-safe token.
            verb = "ALTER" if role_exists else "CREATE"
            # ALTER on every start keeps the role in step with secrets.json if either was reset.
            await conn.execute(f"{verb} ROLE {ident} LOGIN PASSWORD '{password}'")
            db_exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not db_exists:
                # CREATE DATABASE cannot run inside a transaction block; asyncpg autocommits.
                await conn.execute(f"CREATE DATABASE {ident} OWNER {ident} ENCODING 'UTF8'")
            else:
                await conn.execute(f"ALTER DATABASE {ident} OWNER TO {ident}")
            await conn.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {ident} FROM PUBLIC")
            urls[service] = _service_url(admin_dsn, name, name, password)
    finally:
        await conn.close()
    return urls


def ensure_keys(data_dir: Path) -> tuple[str, str, str]:
    """Token signing keys and the gateway's internal secret, generated once into ``keys/``.

    Returns ``(private_pem, public_pem, internal_secret)``.
    """
    keys = Path(data_dir) / "keys"
    private_path = keys / "jwt_private.pem"
    public_path = keys / "jwt_public.pem"
    secret_path = keys / "internal_secret"
    if not (private_path.exists() and public_path.exists()):
        from services.kernel.tokens import generate_keypair

        private, public = generate_keypair()
        # Public key first: a crash after it leaves no private key, so both are made again.
        _write_private(public_path, public)
        _write_private(private_path, private)
    if not secret_path.exists():
        _write_private(secret_path, secrets.token_urlsafe(32) + "\n")
    keys.chmod(0o700)
    return (
        private_path.read_text(),
        public_path.read_text(),
        secret_path.read_text().strip(),
    )


async def deprovision(admin_dsn: str, services: Iterable[str] = SERVICES, *, prefix: str) -> None:
    """Drop what `provision` made for ``prefix`` (test runs on a shared server clean up)."""
    conn = await asyncpg.connect(_asyncpg_dsn(admin_dsn))
    try:
        for service in services:
            ident = _ident(f"{prefix}_{service}")
            # FORCE ends sessions a crashed run may have left; roles go after their database.
            await conn.execute(f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)")
            await conn.execute(f"DROP ROLE IF EXISTS {ident}")
    finally:
        await conn.close()
