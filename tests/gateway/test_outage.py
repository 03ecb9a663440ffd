"""A subgraph that is down, or whose database is, answers a retryable error with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from services.kernel.errors import Unavailable
from services.kernel.settings import Settings
from tests.gateway.conftest import URLS
from tests.gateway.subgraphs import RoutingTransport


class DatabaseAway(httpx.AsyncBaseTransport):
    """Hosts in ``away`` answer as a service does while its database restarts."""

    def __init__(self, inner: RoutingTransport) -> None:
        self.inner = inner
        self.away: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.away:
            error = {"message": Unavailable.default_message, "extensions": {"code": "UNAVAILABLE"}}
            return httpx.Response(200, json={"data": None, "errors": [error]})
        return await self.inner.handle_async_request(request)


@pytest.fixture
def outage(transport: RoutingTransport) -> DatabaseAway:
    return DatabaseAway(transport)


@pytest.fixture
async def client(settings: Settings, outage: DatabaseAway) -> AsyncIterator[httpx.AsyncClient]:
    http_client = httpx.AsyncClient(transport=outage)
    app: Starlette = create_app(
        URLS, settings=settings, http_client=http_client, follow_events=False
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http,
    ):
        yield http


def _codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_a_subgraph_that_is_down_answers_subgraph_unavailable_with_retry_after(
    client: httpx.AsyncClient, transport: RoutingTransport
) -> None:
    fine = await client.post("/graphql", json={"query": "{ hello }"})
    assert "retry-after" not in fine.headers

    transport.down.add("journal.test")
    down = await client.post("/graphql", json={"query": "{ hello journalHello }"})
    assert _codes(down.json()) == ["SUBGRAPH_UNAVAILABLE"]
    assert down.headers["retry-after"] == str(Unavailable.retry_after_seconds)

    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["subgraphs"]["journal"] is False


async def test_a_subgraphs_database_outage_reaches_the_client_as_unavailable_with_retry_after(
    client: httpx.AsyncClient, outage: DatabaseAway
) -> None:
    outage.away.add("journal.test")
    response = await client.post("/graphql", json={"query": "{ hello journalHello }"})
    body = response.json()
    assert _codes(body) == ["UNAVAILABLE"]
    assert body["errors"][0]["message"] == Unavailable.default_message
    assert response.headers["retry-after"] == str(Unavailable.retry_after_seconds)
