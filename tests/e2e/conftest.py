"""One running system for all end-to-end tests: the processes `sgo up --demo` starts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from deploy.infra import Infrastructure
from deploy.provision import deprovision
from deploy.system import System
from tests.support import Infra, new_namespace, remove_dir, scratch_dir

DEMO_PASSWORD = "Perspektiva-2026!"


@dataclass
class Gateway:
    """A client of the gateway, as the web and mobile apps are."""

    url: str
    http: httpx.AsyncClient
    _tokens: dict[str, str] = field(default_factory=dict)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            self.url, json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()

    async def login(self, login: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        return await self.gql(
            "mutation($l: String!, $p: String!) { login(login: $l, password: $p) "
            "{ accessToken mustChangePassword } }",
            {"l": login, "p": password},
        )

    async def token(self, login: str) -> str:
        """A cached access token of a demo user."""
        if login not in self._tokens:
            result = await self.login(login)
            assert "errors" not in result, result
            self._tokens[login] = result["data"]["login"]["accessToken"]
        return self._tokens[login]

    async def as_user(
        self, login: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict:
        return await self.gql(query, variables, token=await self.token(login))


@asynccontextmanager
async def running_system(infra: Infra, name: str = "e2e") -> AsyncIterator[System]:
    """``sgo up --demo`` on the run's PostgreSQL and NATS, under databases of its own."""
    data_dir = scratch_dir(f"sgo-{name}-")
    prefix = f"{name}_{infra.run_id}"
    infrastructure = await Infrastructure.start(
        data_dir, admin_url=infra.database_url, nats_url=infra.nats_url, prefix=prefix
    )
    running = infrastructure.system(
        namespace=new_namespace(),
        demo=True,
        free_ports=True,
        extra_env={"SGO_DEMO_PASSWORD": DEMO_PASSWORD, "SGO_LOG_LEVEL": "WARNING"},
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await deprovision(infra.database_url, prefix=prefix)
        remove_dir(data_dir)


@pytest.fixture(scope="session")
async def system(infra: Infra) -> AsyncIterator[System]:
    async with running_system(infra) as running:
        yield running


@asynccontextmanager
async def demo_gateway(system: System) -> AsyncIterator[Gateway]:
    async with httpx.AsyncClient(timeout=30) as http:
        client = Gateway(url=system.graphql_url, http=http)
        await _wait_for_demo(client)
        yield client


@pytest.fixture(scope="session")
async def gateway(system: System) -> AsyncIterator[Gateway]:
    async with demo_gateway(system) as client:
        yield client


async def _wait_for_demo(client: Gateway, timeout: float = 120.0) -> None:
    """The demo school loads in the background; the journal's part follows people's events."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await client.login("teacher")
        if "errors" not in result:
            token = result["data"]["login"]["accessToken"]
            subjects = await client.gql("{ subjects { id name } }", token=token)
            if subjects.get("data") and subjects["data"]["subjects"]:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the demo school did not load: {result}")
        await asyncio.sleep(0.5)
