"""Subscriptions over graphql-transport-ws: the gateway and a live subgraph, both on ports.

The live subgraph is a small federation schema served by strawberry's own
graphql-transport-ws implementation, as the services serve theirs; its subscription yields
what the test puts on a queue, so nothing here waits on a clock. A second subgraph adds a
field to the same entity, joined into every event over HTTP. (A real notice, from an ОТ
mark in journal to a parent's open subscription: tests/e2e/test_notice_subscription.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
import strawberry
from fastapi import FastAPI
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.app import create_app
from gateway.engine import Gateway
from services.kernel.principal import PRINCIPAL_HEADER, Principal, decode_principal_header
from services.kernel.roles import Role
from services.kernel.settings import Settings
from services.kernel.tokens import generate_keypair, issue_access_token
from tests.gateway.conftest import principal_with
from tests.support import serving

SECRET = "test-internal-secret"


@dataclass
class Live:
    """What the subgraph saw, and the queue its subscription yields from."""

    principals: list[Principal] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    events: asyncio.Queue[int | None] = field(default_factory=asyncio.Queue)


LIVE = Live()


@strawberry.federation.type(authenticated=True, keys=["n"])
class Tick:
    n: int = strawberry.federation.field(authenticated=True)
    secret: str = strawberry.federation.field(requires_scopes=[["role:director"]])


@strawberry.type
class Query:
    @strawberry.federation.field(authenticated=True)
    def hello(self) -> str:
        return "Привет"


@strawberry.type
class Subscription:
    @strawberry.federation.field(authenticated=True, is_subscription=True)
    async def ticks(self, info: strawberry.Info, start: int = 0) -> AsyncGenerator[Tick, None]:
        LIVE.principals.append(info.context["principal"])
        LIVE.subscribed.set()
        try:
            while (n := await LIVE.events.get()) is not None:
                yield Tick(n=start + n, secret="тайна")
        finally:
            LIVE.finished.set()


SCHEMA = strawberry.federation.Schema(
    query=Query, subscription=Subscription, types=[Tick], federation_version="2.7"
)


WORDS = ("ноль", "один", "два", "три")


@strawberry.federation.type(name="Tick", authenticated=True, keys=["n"])
class WordTick:
    """The same entity in a second subgraph: each event's ``word`` is joined from here."""

    n: int = strawberry.federation.field(authenticated=True)
    word: str = strawberry.federation.field(authenticated=True)

    @classmethod
    def resolve_reference(cls, n: int) -> WordTick:
        return cls(n=n, word=WORDS[n])


@strawberry.type
class WordsQuery:
    @strawberry.federation.field(authenticated=True)
    def word_count(self) -> int:
        return len(WORDS)


WORDS_SCHEMA = strawberry.federation.Schema(
    query=WordsQuery, types=[WordTick], federation_version="2.7"
)


def subgraph_app(schema: strawberry.federation.Schema) -> FastAPI:
    async def context(request: HTTPConnection) -> dict[str, Any]:
        principal = decode_principal_header(request.headers.get(PRINCIPAL_HEADER), SECRET)
        return {"principal": principal}

    app = FastAPI()
    router: GraphQLRouter[Any, None] = GraphQLRouter(
        schema, context_getter=context, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
    )
    app.include_router(router, prefix="/graphql")
    return app


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture(scope="module")
async def system(keys: tuple[str, str]) -> AsyncIterator[tuple[str, Gateway]]:
    async with serving(subgraph_app(SCHEMA)) as live, serving(subgraph_app(WORDS_SCHEMA)) as words:
        settings = Settings(internal_secret=SECRET, jwt_public_key=keys[1], demo=False)
        urls = {"live": f"http://{live}/graphql", "words": f"http://{words}/graphql"}
        app = create_app(urls, settings=settings, follow_events=False)
        async with serving(app) as gateway:
            yield f"ws://{gateway}/graphql", app.state.gateway


@pytest.fixture(autouse=True)
def fresh_live() -> None:
    global LIVE
    LIVE = Live()


@pytest.fixture
def token(keys: tuple[str, str]) -> Callable[[Principal], str]:
    return lambda principal: issue_access_token(principal, keys[0], 900).token


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(10):
        return orjson.loads(await ws.recv())


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


@contextlib.asynccontextmanager
async def socket(url: str, token: str | None) -> AsyncIterator[ClientConnection]:
    """A connection acknowledged by the gateway."""
    async with connect(url, subprotocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert await receive(ws) == {"type": "connection_ack"}
        yield ws


async def closed_with(ws: ClientConnection) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    frame = closed.value.rcvd
    return (frame.code, frame.reason) if frame else (None, None)


TICKS = "subscription($start: Int!) { ticks(start: $start) { n } }"
SUBSCRIBE_TICKS = {
    "id": "a",
    "type": "subscribe",
    "payload": {"query": "subscription { ticks { n } }"},
}


async def test_events_flow_and_the_subgraph_sees_the_signed_principal(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    who = principal_with(Role.PARENT)
    async with socket(url, token(who)) as ws:
        await send(ws, {"type": "ping"})
        assert await receive(ws) == {"type": "pong"}
        payload = {"query": TICKS, "variables": {"start": 10}}
        await send(ws, {"id": "a", "type": "subscribe", "payload": payload})
        await asyncio.wait_for(LIVE.subscribed.wait(), 10)
        for n in (1, 2):
            LIVE.events.put_nowait(n)
            assert await receive(ws) == {
                "id": "a",
                "type": "next",
                "payload": {"data": {"ticks": {"n": 10 + n}}},
            }
        LIVE.events.put_nowait(None)  # the subgraph completes the stream
        assert await receive(ws) == {"id": "a", "type": "complete"}
    assert LIVE.principals[0].person_id == who.person_id
    assert LIVE.principals[0].scopes == frozenset({"role:parent"})


async def test_each_event_is_joined_with_fields_of_another_subgraph(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    async with socket(url, token(principal_with(Role.PARENT))) as ws:
        payload = {"query": "subscription { ticks { n word } }"}
        await send(ws, {"id": "w", "type": "subscribe", "payload": payload})
        await asyncio.wait_for(LIVE.subscribed.wait(), 10)
        for n in (1, 3):
            LIVE.events.put_nowait(n)
            message = await receive(ws)
            assert message["payload"] == {"data": {"ticks": {"n": n, "word": WORDS[n]}}}


async def test_client_complete_ends_the_upstream_subscription(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    async with socket(url, token(principal_with(Role.PARENT))) as ws:
        await send(ws, SUBSCRIBE_TICKS)
        await asyncio.wait_for(LIVE.subscribed.wait(), 10)
        await send(ws, {"id": "a", "type": "complete"})
        await asyncio.wait_for(LIVE.finished.wait(), 10)


async def test_a_forbidden_field_is_refused_before_any_upstream_subscription(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    async with socket(url, token(principal_with(Role.PARENT))) as ws:
        query = "subscription { ticks { n secret } }"
        await send(ws, {"id": "s", "type": "subscribe", "payload": {"query": query}})
        assert await receive(ws) == {
            "id": "s",
            "type": "error",
            "payload": [
                {
                    "message": "Недостаточно прав для поля «Tick.secret».",
                    "path": ["ticks", "secret"],
                    "extensions": {"code": "FORBIDDEN"},
                }
            ],
        }
        # The socket stays usable and the subgraph never heard of the refused operation.
        await send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "{ hello }"}})
        assert await receive(ws) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"hello": "Привет"}},
        }
        assert await receive(ws) == {"id": "q", "type": "complete"}
    assert LIVE.principals == []


async def test_the_allowed_role_gets_the_same_field(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    async with socket(url, token(principal_with(Role.DIRECTOR))) as ws:
        query = "subscription { ticks { n secret } }"
        await send(ws, {"id": "s", "type": "subscribe", "payload": {"query": query}})
        await asyncio.wait_for(LIVE.subscribed.wait(), 10)
        LIVE.events.put_nowait(1)
        message = await receive(ws)
        assert message["payload"] == {"data": {"ticks": {"n": 1, "secret": "тайна"}}}


@pytest.mark.parametrize(
    "payload",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}],
    ids=["no-token", "bad-token", "not-bearer"],
)
async def test_an_unauthenticated_connection_init_is_closed_with_4403(
    system: tuple[str, Gateway], payload: dict[str, Any]
) -> None:
    url, _ = system
    async with connect(url, subprotocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": payload})
        code, _reason = await closed_with(ws)
    assert code == 4403


async def test_subscribe_before_init_and_duplicate_ids_close_the_socket(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, _ = system
    async with connect(url, subprotocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, SUBSCRIBE_TICKS)
        assert (await closed_with(ws))[0] == 4401
    async with socket(url, token(principal_with(Role.PARENT))) as ws:
        await send(ws, SUBSCRIBE_TICKS)
        await send(ws, SUBSCRIBE_TICKS)
        assert (await closed_with(ws))[0] == 4409


async def test_a_logged_out_session_has_its_subscriptions_completed_and_closed(
    system: tuple[str, Gateway], token: Callable[[Principal], str]
) -> None:
    url, gateway = system
    who = principal_with(Role.PARENT)
    other = principal_with(Role.PARENT)
    async with socket(url, token(who)) as ws, socket(url, token(other)) as bystander:
        await send(ws, SUBSCRIBE_TICKS)
        await asyncio.wait_for(LIVE.subscribed.wait(), 10)
        gateway.revocations.revoke_session(str(who.session_id))
        assert await receive(ws) == {"id": "a", "type": "complete"}
        code, reason = await closed_with(ws)
        assert (code, reason) == (4403, "Сеанс завершён. Войдите снова.")
        await asyncio.wait_for(LIVE.finished.wait(), 10)  # the upstream was let go too
        # Another person's socket is untouched.
        await send(bystander, {"type": "ping"})
        assert await receive(bystander) == {"type": "pong"}
        # The revoked token cannot open a new one.
        async with connect(url, subprotocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL]) as again:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {token(who)}"}
            await send(again, {"type": "connection_init", "payload": init})
            assert (await closed_with(again))[0] == 4403


async def test_a_socket_without_the_protocol_is_refused(system: tuple[str, Gateway]) -> None:
    url, _ = system
    async with connect(url) as ws:
        assert (await closed_with(ws))[0] == 4406
