"""`sgo backup` and `sgo restore`: the same rows come back, owned by their service."""

from __future__ import annotations

import asyncio
import datetime
import importlib
import json
import secrets
import uuid
from pathlib import Path

import asyncpg
import pytest

from deploy import cli
from deploy.backup import REPLAY_MARGIN, read_manifest, restore, settle_seconds
from deploy.provision import SERVICES, deprovision, provision
from services.kernel import migrations
from services.kernel.db import Database
from services.kernel.nats import DUPLICATE_WINDOW_SECONDS, connect, ensure_streams, stream_name
from services.kernel.relay import OutboxRelay
from services.kernel.uow import OutboxSignal
from services.people.region import create_regional_administrator
from tests.support import Infra, asyncpg_dsn, new_namespace

OUTBOX_INSERT = (
    "INSERT INTO outbox (id, subject, aggregate, envelope, created_at, published_at)"
    " VALUES ($1, $2, 'a', $3::jsonb, $4, $5)"
)


async def _contents(url: str) -> dict[str, list[str]]:
    """Every row of every table of one database, as text, in a stable order."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        found = {}
        for (table,) in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{table}" t ORDER BY 1')
            found[table] = [r["row"] for r in rows]
        return found
    finally:
        await conn.close()


async def _small_system(urls: dict[str, str], namespace: str) -> datetime.datetime:
    """Migrated databases, a person in people and outbox rows in every state in each."""
    for service, url in urls.items():
        package = importlib.import_module(f"services.{service}")
        await migrations.upgrade(url, Path(package.__file__).parent / "migrations")
    db = Database.connect(urls["people"])
    try:
        await create_regional_administrator(
            db, login="region", last_name="Иванова", first_name="Ольга", middle_name=None
        )
    finally:
        await db.dispose()
    now = datetime.datetime.now(datetime.UTC)
    long_ago = now - REPLAY_MARGIN - datetime.timedelta(hours=1)
    for service, url in urls.items():
        conn = await asyncpg.connect(asyncpg_dsn(url))  # as the service's own role
        try:
            for published in (long_ago, now, None):  # sent long ago, just sent, not yet sent
                envelope = json.dumps({"service": service, "text": "оценка \u00ab5\u00bb"})
                subject = f"{namespace}.{service}.counted"
                await conn.execute(
                    OUTBOX_INSERT, uuid.uuid4(), subject, envelope, long_ago, published
                )
        finally:
            await conn.close()
    return long_ago


async def test_backup_destroy_restore_reads_the_same_rows(infra: Infra, tmp_path: Path) -> None:
    admin = asyncpg_dsn(infra.database_url)
    prefix = f"bk{secrets.token_hex(3)}"
    data_dir = tmp_path / "sgo"
    try:
        urls = await provision(admin, data_dir, SERVICES, prefix=prefix)
        namespace = new_namespace()
        long_ago = await _small_system(urls, namespace)
        before = {service: await _contents(url) for service, url in urls.items()}

        # `sgo backup DIR` (the command runs its own event loop: off this one's thread).
        command = ["backup", str(tmp_path / "backup"), "--admin-url", admin, "--prefix", prefix]
        assert await asyncio.to_thread(cli.main, command) == 0
        manifest = read_manifest(tmp_path / "backup")
        assert manifest["prefix"] == prefix
        assert set(manifest["databases"]) == set(SERVICES)  # type: ignore[arg-type]
        finished = datetime.datetime.fromisoformat(str(manifest["finished_at"]))
        assert settle_seconds(manifest, finished) == DUPLICATE_WINDOW_SECONDS
        assert settle_seconds(manifest, finished + datetime.timedelta(minutes=3)) == 0

        # Disaster: the databases, their roles and the passwords are gone.
        await deprovision(admin, SERVICES, prefix=prefix)
        (data_dir / "secrets.json").unlink()

        restored = await restore(admin, tmp_path / "backup", data_dir)
        urls = await provision(admin, data_dir, SERVICES, prefix=prefix)  # the new passwords
        for item in restored:
            # The row sent just before the backup goes again (its consumer's dump may lack
            # it); the one sent long before does not; the unsent one stays unsent.
            assert (item.republished, item.unpublished) == (1, 1), item

        for service, url in urls.items():
            after = await _contents(url)  # read as the service's role: it owns what came back
            assert set(after) == set(before[service])
            for table, rows in before[service].items():
                if table != "outbox":
                    assert after[table] == rows, (service, table)
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                outbox = await conn.fetch("SELECT published_at FROM outbox ORDER BY seq")
                await conn.execute(OUTBOX_INSERT, uuid.uuid4(), "x", "{}", long_ago, long_ago)
            finally:
                await conn.close()
            assert [r["published_at"] for r in outbox] == [long_ago, None, None]
        people = before["people"]
        assert any("region" in row for rows in people.values() for row in rows)

        # The relay sends what the restore queued, once; restored again inside JetStream's
        # duplicate window, the same events are sent again and JetStream keeps one of each.
        assert await _relay_all(urls, infra.nats_url, namespace) == dict.fromkeys(SERVICES, 2)
        await restore(admin, tmp_path / "backup", data_dir)
        urls = await provision(admin, data_dir, SERVICES, prefix=prefix)
        assert await _relay_all(urls, infra.nats_url, namespace) == dict.fromkeys(SERVICES, 2)
        for url in urls.values():
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                assert (
                    await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    == 0
                )
            finally:
                await conn.close()
    finally:
        await deprovision(admin, SERVICES, prefix=prefix)


async def _relay_all(urls: dict[str, str], nats_url: str, namespace: str) -> dict[str, int]:
    """Run each database's outbox relay until nothing is left; the messages in each stream."""
    nc = await connect(nats_url, name="backup-test")
    try:
        js = nc.jetstream()
        await ensure_streams(js, namespace)
        for url in urls.values():
            db = Database.connect(url)
            try:
                relay = OutboxRelay(db, js, signal=OutboxSignal(), namespace=namespace)
                while await relay.flush():
                    pass
            finally:
                await db.dispose()
        return {
            service: (await js.stream_info(stream_name(namespace, service))).state.messages
            for service in urls
        }
    finally:
        await nc.close()


async def test_restore_refuses_what_is_not_a_backup(infra: Infra, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an sgo backup"):
        await restore(asyncpg_dsn(infra.database_url), tmp_path, tmp_path / "sgo")
    (tmp_path / "manifest.json").write_text('{"format": 99}')
    with pytest.raises(ValueError, match="format"):
        read_manifest(tmp_path)
