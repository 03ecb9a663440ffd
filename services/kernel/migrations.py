"""Alembic per service: applied at start-up under an advisory lock, so replicas may race."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

_LOCK_KEY = 0x5600_0001


def alembic_config(migrations_dir: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    return cfg


def _upgrade(connection: Connection, cfg: Config) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(url: str, migrations_dir: Path) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, alembic_config(migrations_dir))
    finally:
        await engine.dispose()


def _current_heads(connection: Connection, cfg: Config) -> bool:
    context = MigrationContext.configure(connection)
    return set(context.get_current_heads()) == set(ScriptDirectory.from_config(cfg).get_heads())


async def is_current(url: str, migrations_dir: Path) -> bool:
    """For /readyz: the database is at the head revision of this code."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current_heads, alembic_config(migrations_dir))
    finally:
        await engine.dispose()


def run_env(target_metadata: MetaData) -> None:
    """Body of each service's ``migrations/env.py``: run on the connection we were handed."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through services.kernel.migrations.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def _autogenerate(connection: Connection, cfg: Config, message: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")
    command.revision(cfg, message=message, autogenerate=True)


async def revision(url: str, migrations_dir: Path, message: str) -> None:
    """Write a new revision from the difference between the models and a scratch database."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_autogenerate, alembic_config(migrations_dir), message)
    finally:
        await engine.dispose()


if __name__ == "__main__":  # python -m services.kernel.migrations <service> <scratch-db-url> <msg>
    import asyncio
    import importlib

    service, url, message = sys.argv[1:4]
    package = importlib.import_module(f"services.{service}")
    asyncio.run(revision(url, Path(package.__file__).parent / "migrations", message))
