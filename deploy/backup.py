"""``sgo backup DIR`` and ``sgo restore DIR``: every service database, consistent with the outbox.

A backup is one ``pg_dump --format=custom`` file per service database and ``manifest.json``
(when it started, by the server's clock, and what each file holds). Each dump is one snapshot
of its database, but the four are taken one after another: an event published while they run
may be in its producer's dump as published and missing from its consumer's dump as handled.
So a restore puts back into the outbox every event published from ``REPLAY_MARGIN`` before the
backup started: the relay sends them again under their own ids; JetStream drops a re-send
inside its duplicate window (the original is still in the stream), and each consumer's inbox
drops an event it had already handled. Events not yet published at backup time stay
unpublished and go out after the restore. Nothing is lost and nothing is applied twice.

The client binaries are the operator's when ``SGO_PG_BIN`` names their directory, else those of
the server's major version where Debian and Ubuntu put them (``/usr/lib/postgresql/N/bin``),
else the embedded server's own (``deploy.embedded_postgres``): a newer pg_restore writes
settings an older server refuses.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from deploy.embedded_postgres import postgres_bin_dir
from deploy.provision import SERVICES, _asyncpg_dsn, _ident, provision
from services.kernel.nats import DUPLICATE_WINDOW_SECONDS

MANIFEST = "manifest.json"
FORMAT = 1
# Longer than any consumer lags behind its stream in normal running (seconds, usually).
REPLAY_MARGIN = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Restored:
    """What a restore did to one database."""

    service: str
    republished: int  # outbox rows put back to be sent again
    unpublished: int  # outbox rows not yet sent at backup time


def pg_bin_dir(server_major: int) -> Path:
    chosen = os.environ.get("SGO_PG_BIN")
    if chosen:
        return Path(chosen)
    packaged = Path(f"/usr/lib/postgresql/{server_major}/bin")
    if (packaged / "pg_restore").exists():
        return packaged
    return postgres_bin_dir()


def database_dsn(admin_dsn: str, database: str) -> str:
    """The admin DSN (libpq spelling) pointed at another database."""
    parts = urlsplit(_asyncpg_dsn(admin_dsn))
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


async def backup(
    admin_dsn: str, target: Path, services: Iterable[str] = SERVICES, *, prefix: str = "sgo"
) -> dict[str, object]:
    """Dump every service database into ``target``; returns the manifest it wrote."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    conn = await asyncpg.connect(_asyncpg_dsn(admin_dsn))
    try:
        started: datetime.datetime = await conn.fetchval("SELECT now()")
        binaries = pg_bin_dir(conn.get_server_version().major)
    finally:
        await conn.close()
    databases: dict[str, dict[str, object]] = {}
    for service in services:
        name = f"{prefix}_{service}"
        path = target / f"{name}.dump"
        # Owners and grants stay out: a restore gives everything to the service's role.
        _run(
            [
                str(binaries / "pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={path}",
                f"--dbname={database_dsn(admin_dsn, name)}",
            ]
        )
        databases[service] = {"database": name, "file": path.name, "bytes": path.stat().st_size}
    conn = await asyncpg.connect(_asyncpg_dsn(admin_dsn))
    try:
        finished: datetime.datetime = await conn.fetchval("SELECT now()")
    finally:
        await conn.close()
    manifest: dict[str, object] = {
        "format": FORMAT,
        "prefix": prefix,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "databases": databases,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(source: Path) -> dict[str, object]:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise ValueError(f"{source}: not an sgo backup (no {MANIFEST})")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{source}: backup format {manifest.get('format')!r} is not {FORMAT}")
    return manifest


def settle_seconds(manifest: dict[str, object], now: datetime.datetime) -> float:
    """How long to wait before re-sending, so JetStream cannot take a re-send for a duplicate.

    An event unsent in its dump may have gone out just before the disaster and been handled by
    a consumer whose restored inbox no longer has it: its re-send must be a new message.
    """
    finished = datetime.datetime.fromisoformat(str(manifest["finished_at"]))
    ready = finished + datetime.timedelta(seconds=DUPLICATE_WINDOW_SECONDS)
    return max(0.0, (ready - now).total_seconds())


async def restore(
    admin_dsn: str, source: Path, data_dir: Path, *, prefix: str | None = None
) -> list[Restored]:
    """Replace every service database with its dump, then queue the outbox for re-sending.

    The services must be stopped, and stay stopped for ``settle_seconds`` after the backup
    finished (``sgo restore`` waits). Roles and databases are made as ``sgo up`` makes them
    (passwords from ``data_dir/secrets.json``, new ones if it is gone).
    """
    source = Path(source)
    manifest = read_manifest(source)
    prefix = prefix or str(manifest["prefix"])
    databases: dict[str, dict[str, object]] = manifest["databases"]  # type: ignore[assignment]
    started = datetime.datetime.fromisoformat(str(manifest["started_at"]))
    services = tuple(databases)
    conn = await asyncpg.connect(_asyncpg_dsn(admin_dsn))
    try:
        binaries = pg_bin_dir(conn.get_server_version().major)
        for service in services:
            await conn.execute(
                f"DROP DATABASE IF EXISTS {_ident(f'{prefix}_{service}')} WITH (FORCE)"
            )
    finally:
        await conn.close()
    await provision(admin_dsn, data_dir, services, prefix=prefix)
    results = []
    for service in services:
        name = f"{prefix}_{service}"
        _run(
            [
                str(binaries / "pg_restore"),
                "--no-owner",
                "--no-privileges",
                f"--role={name}",  # everything restored belongs to the service's own role
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={database_dsn(admin_dsn, name)}",
                str(source / str(databases[service]["file"])),
            ]
        )
        results.append(await _requeue(database_dsn(admin_dsn, name), service, started))
    return results


async def _requeue(dsn: str, service: str, started: datetime.datetime) -> Restored:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            republished = await conn.fetchval(
                "WITH sent AS (UPDATE outbox SET published_at = NULL"
                " WHERE published_at >= $1 RETURNING 1) SELECT count(*) FROM sent",
                started - REPLAY_MARGIN,
            )
            unpublished = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            )
    finally:
        await conn.close()
    return Restored(service, int(republished), int(unpublished) - int(republished))
