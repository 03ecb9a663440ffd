"""Test harness: one PostgreSQL and one NATS per run, template databases, in-process services."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import nats
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from services.kernel import migrations
from services.kernel.events import stream_name
from services.kernel.nats import CONTEXTS
from services.kernel.principal import (
    ANONYMOUS,
    PRINCIPAL_HEADER,
    Principal,
    encode_principal_header,
)
from services.kernel.settings import Settings
from services.kernel.tokens import generate_keypair

_counter = itertools.count(1)
# Every namespace handed out this run: its streams are deleted at the end, so a long-lived
# NATS server (the machine's, in CI) does not collect thousands of dead streams.
_namespaces: set[str] = set()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@dataclass
class Infra:
    """The PostgreSQL server and NATS server of this test run."""

    database_url: str  # postgresql+asyncpg://superuser@host:port/postgres
    nats_url: str
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    internal_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    keys: tuple[str, str] = field(default_factory=generate_keypair)
    _templates: dict[str, str] = field(default_factory=dict)
    _created: list[str] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(self.database_url))

    async def template(self, service: str) -> str:
        """A database migrated once per run; every test copies it (``CREATE … TEMPLATE``)."""
        async with self._lock:
            if service not in self._templates:
                name = f"sgo_tpl_{service}_{self.run_id}"
                await self._create(name)
                package = importlib.import_module(f"services.{service}")
                await migrations.upgrade(
                    with_database(self.database_url, name),
                    Path(package.__file__).parent / "migrations",
                )
                self._templates[service] = name
            return self._templates[service]

    async def _create(self, name: str, template: str | None = None) -> str:
        conn = await self._admin()
        try:
            copy = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{copy}')
        finally:
            await conn.close()
        self._created.append(name)
        return with_database(self.database_url, name)

    async def empty_database(self) -> str:
        return await self._create(f"sgo_t_scratch_{self.run_id}_{next(_counter)}")

    async def fresh_database(self, service: str) -> str:
        template = await self.template(service)
        return await self._create(f"sgo_t_{service}_{self.run_id}_{next(_counter)}", template)

    async def drop_all(self) -> None:
        conn = await self._admin()
        try:
            for name in reversed(self._created):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        await self.delete_streams()

    async def delete_streams(self) -> None:
        client = await nats.connect(self.nats_url)
        try:
            js = client.jetstream()
            for namespace in sorted(_namespaces):
                for context in (*CONTEXTS, "dlq"):
                    try:
                        await js.delete_stream(stream_name(namespace, context))
                    except NotFoundError:
                        pass
        finally:
            await client.close()

    def settings(self, *, database_url: str, namespace: str, **overrides: Any) -> Settings:
        private, public = self.keys
        return Settings(
            database_url=database_url,
            nats_url=self.nats_url,
            namespace=namespace,
            jwt_private_key=private,
            jwt_public_key=public,
            internal_secret=self.internal_secret,
            relay_poll_seconds=0.05,
            **overrides,
        )


def new_namespace() -> str:
    namespace = f"t{secrets.token_hex(4)}"
    _namespaces.add(namespace)
    return namespace


@dataclass
class ServiceClient:
    """A service running in-process, called as the gateway would call it."""

    app: FastAPI
    settings: Settings
    http: httpx.AsyncClient

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def background(self) -> Any:
        return self.app.state.background

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        principal: Principal = ANONYMOUS,
    ) -> dict[str, Any]:
        headers = {
            PRINCIPAL_HEADER: encode_principal_header(principal, self.settings.internal_secret)
        }
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()


@asynccontextmanager
async def running_service(
    infra: Infra,
    service: str,
    *,
    namespace: str,
    database_url: str | None = None,
    **overrides: Any,
) -> AsyncIterator[ServiceClient]:
    database_url = database_url or await infra.fresh_database(service)
    settings = infra.settings(database_url=database_url, namespace=namespace, **overrides)
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create(settings)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.background.nats_ready.wait(), 30)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield ServiceClient(app=app, settings=settings, http=http)


async def eventually(check: Any, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async check until it returns a truthy value: events arrive asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


def scratch_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    return path


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def env_infra() -> Infra | None:
    db = os.environ.get("SGO_TEST_DATABASE_URL")
    nats_url = os.environ.get("SGO_TEST_NATS_URL")
    if db and nats_url:
        return Infra(database_url=db, nats_url=nats_url)
    return None


@asynccontextmanager
async def serving(app: Any, *, lifespan: str = "on") -> AsyncIterator[str]:
    """The app on a free local port (WebSocket clients need one); yields ``host:port``."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
