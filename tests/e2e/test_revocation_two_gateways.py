"""Every way a session ends is refused by the gateway that served it before the reply leaves,
and by every other gateway instance within a second (two gateways in front of one system)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from deploy.system import System
from gateway.app import create_app
from services.kernel.settings import Settings
from tests.e2e.conftest import Gateway
from tests.e2e.test_accounts_gateway import CHANGE, codes, new_employee

pytestmark = pytest.mark.e2e

ME = "{ mySessions { id current } }"
PASSWORD = "Sosna-Kedr-7"
OTHER_GATEWAY_BOUND = 1.0  # seconds: what the architecture promises other instances
Answer = dict[str, Any]


@asynccontextmanager
async def instance(system: System, *, follow_events: bool) -> AsyncIterator[Gateway]:
    """Another gateway instance in front of the same subgraphs."""
    settings = Settings(
        nats_url=system.nats_url,
        namespace=system.namespace,
        jwt_public_key=system.public_key,
        internal_secret=system.internal_secret,
        **{f"{name}_url": f"{system.service_url(name)}/graphql" for name in system.services},
    )
    app = create_app(settings=settings, follow_events=follow_events)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=30
        ) as http:
            yield Gateway(url="http://gateway/graphql", http=http)


@pytest.fixture(scope="module")
async def serving(system: System, gateway: Gateway) -> AsyncIterator[Gateway]:
    """Deaf to NATS: whatever it refuses at once, it learnt from the mutation's own reply."""
    async with instance(system, follow_events=False) as deaf:
        yield deaf


@pytest.fixture(scope="module")
async def other(system: System, gateway: Gateway) -> AsyncIterator[Gateway]:
    """Learns revocations from people's events only."""
    async with instance(system, follow_events=True) as listening:
        yield listening


async def signed_in_employee(gateway: Gateway) -> tuple[str, str, str]:
    """(person id, login, access token) of a new employee with a password of their own."""
    person_id, login, once = await new_employee(gateway)
    token = (await gateway.login(login, once))["data"]["login"]["accessToken"]
    assert (await gateway.gql(CHANGE, {"old": once, "new": PASSWORD}, token=token))["data"]
    fresh = (await gateway.login(login, PASSWORD))["data"]["login"]["accessToken"]
    return person_id, login, fresh


async def end_my_session(
    gateway: Gateway, person_id: str, login: str, token: str
) -> dict[str, Any]:
    sessions = (await gateway.gql(ME, token=token))["data"]["mySessions"]
    current = next(s["id"] for s in sessions if s["current"])
    return await gateway.gql("mutation($id: ID!) { endMySession(id: $id) }", {"id": current},
                             token=token)  # fmt: skip


async def end_sessions(gateway: Gateway, person_id: str, login: str, token: str) -> Answer:
    return await gateway.as_user(
        "admin", "mutation($id: ID!) { endSessions(personId: $id) }", {"id": person_id}
    )


async def block_account(gateway: Gateway, person_id: str, login: str, token: str) -> Answer:
    return await gateway.as_user(
        "admin", "mutation($id: ID!) { blockAccount(personId: $id) { login } }", {"id": person_id}
    )


async def withdraw_role(gateway: Gateway, person_id: str, login: str, token: str) -> Answer:
    role = {"input": {"personId": person_id, "role": "SUBJECT_TEACHER"}}
    granted = await gateway.as_user(
        "admin", "mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }", role
    )
    assert "errors" not in granted, granted
    return await gateway.as_user(
        "admin", "mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }", role
    )


async def change_password(
    gateway: Gateway, person_id: str, login: str, token: str
) -> dict[str, Any]:
    # Another device changes the password: this one's session ends with it.
    other = (await gateway.login(login, PASSWORD))["data"]["login"]["accessToken"]
    return await gateway.gql(CHANGE, {"old": PASSWORD, "new": "Kedr-Sosna-8"}, token=other)


Ending = Callable[[Gateway, str, str, str], Awaitable[Answer]]


@pytest.mark.parametrize(
    "ending", [end_my_session, end_sessions, block_account, withdraw_role, change_password]
)
async def test_an_ended_session_is_refused_at_once_here_and_within_a_second_elsewhere(
    gateway: Gateway, serving: Gateway, other: Gateway, ending: Ending
) -> None:
    person_id, login, token = await signed_in_employee(gateway)
    for instance in (serving, other):
        assert "errors" not in await instance.gql(ME, token=token)

    answer = await ending(serving, person_id, login, token)
    assert "errors" not in answer, answer
    # No waiting: the reply has left, so the gateway that served it refuses the token already.
    refused = await serving.gql(ME, token=token)
    assert codes(refused) == ["UNAUTHENTICATED"], refused

    loop = asyncio.get_running_loop()
    deadline = loop.time() + OTHER_GATEWAY_BOUND
    while codes(await other.gql(ME, token=token)) != ["UNAUTHENTICATED"]:
        assert loop.time() < deadline, "the other gateway still serves the ended session"
        await asyncio.sleep(0.02)
