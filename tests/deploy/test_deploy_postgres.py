"""The embedded PostgreSQL starts, answers queries over TCP with a password, and stops."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from deploy._os import free_port, port_open
from deploy.embedded_postgres import EmbeddedPostgres


async def test_query_runs(embedded_pg: EmbeddedPostgres) -> None:
    conn = await asyncpg.connect(embedded_pg.admin_dsn)
    try:
        assert await conn.fetchval("SELECT upper('ёлка')") == "ЁЛКА"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        assert await conn.fetchval("SHOW max_connections") == "200"
        assert await conn.fetchval("SHOW fsync") == "off"
    finally:
        await conn.close()


async def test_tcp_requires_the_password(embedded_pg: EmbeddedPostgres) -> None:
    dsn = f"postgresql://postgres:wrong@127.0.0.1:{embedded_pg.port}/postgres"
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(dsn)


async def test_stop_and_start_keep_data(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", port=free_port())
    pg.start()
    try:
        assert "initdb" in pg.timings
        conn = await asyncpg.connect(pg.admin_dsn)
        await conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
        await conn.close()
        assert await _fetch_sync_commit(pg) == "on"  # durable unless fast=True

        pg.stop()
        assert not port_open("127.0.0.1", pg.port)

        again = EmbeddedPostgres(tmp_path / "pg", port=pg.port)
        again.start()  # no second initdb: the cluster is reused
        pg = again
        assert "initdb" not in again.timings
        conn = await asyncpg.connect(again.admin_dsn)
        assert await conn.fetchval("SELECT x FROM kept") == 7
        await conn.close()
    finally:
        pg.stop()


async def _fetch_sync_commit(pg: EmbeddedPostgres) -> str:
    conn = await asyncpg.connect(pg.admin_dsn)
    try:
        return str(await conn.fetchval("SHOW synchronous_commit"))
    finally:
        await conn.close()
