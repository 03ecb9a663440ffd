"""Provisioning gives each service its own database and role, and is safe to repeat."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import asyncpg
import pytest

from deploy.embedded_postgres import EmbeddedPostgres
from deploy.provision import deprovision, ensure_keys, provision


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_provision_is_idempotent_and_isolates_services(
    embedded_pg: EmbeddedPostgres, data_dir: Path
) -> None:
    services = ("people", "journal")
    first = await provision(embedded_pg.admin_dsn, data_dir, services, prefix="p1")
    second = await provision(embedded_pg.admin_dsn, data_dir, services, prefix="p1")
    assert first == second
    assert set(first) == set(services)

    secrets_file = data_dir / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert set(json.loads(secrets_file.read_text())["database_passwords"]) == {
        "p1_people",
        "p1_journal",
    }

    # Its own database: the role owns it and may create tables there.
    conn = await asyncpg.connect(_dsn(first["people"]))
    try:
        assert await conn.fetchval("SELECT current_database()") == "p1_people"
        await conn.execute("CREATE TABLE person (id int)")
    finally:
        await conn.close()

    # Another service's database: refused at connect time.
    foreign = _dsn(first["people"]).rsplit("/", 1)[0] + "/p1_journal"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(foreign)

    await deprovision(embedded_pg.admin_dsn, services, prefix="p1")
    admin = await asyncpg.connect(embedded_pg.admin_dsn)
    try:
        left = await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'p1\\_%'"
        ) + await admin.fetchval("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'p1\\_%'")
    finally:
        await admin.close()
    assert left == 0


def test_keys_are_made_once_and_private(tmp_path: Path) -> None:
    first = ensure_keys(tmp_path)
    assert first == ensure_keys(tmp_path)
    private, public, secret = first
    assert "PRIVATE KEY" in private and "PUBLIC KEY" in public and len(secret) >= 32
    for path in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
