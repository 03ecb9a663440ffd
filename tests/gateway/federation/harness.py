"""The four test subgraphs behind one gateway, with faults and a concurrency probe on the wire."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.compose import SubgraphSchema, compose
from gateway.engine import Gateway
from gateway.supergraph import Supergraph
from services.kernel.settings import Settings
from tests.gateway.federation import accounts, inventory, pricing, products, reviews
from tests.gateway.subgraphs import RoutingTransport, Subgraph

SCHEMAS = {
    "accounts": accounts.schema,
    "products": products.schema,
    "inventory": inventory.schema,
    "reviews": reviews.schema,
    "pricing": pricing.schema,
}
URLS = {name: f"http://{name}.test/graphql" for name in SCHEMAS}


def subgraph_schemas(schemas: dict[str, Any] = SCHEMAS) -> list[SubgraphSchema]:
    """Each subgraph's SDL as it answers ``_service { sdl }``."""
    result = []
    for name, schema in schemas.items():
        sdl = schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
        result.append(SubgraphSchema(name, f"http://{name}.test/graphql", sdl))
    return result


def sgo_subgraph_schemas() -> list[SubgraphSchema]:
    """What each sgo service answers to ``_service { sdl }``."""
    result = []
    for name in ("people", "journal", "messaging", "reports"):
        schema = importlib.import_module(f"services.{name}.schema").schema
        sdl = schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
        result.append(SubgraphSchema(name, f"http://{name}.test/graphql", sdl))
    return result


@cache
def supergraph() -> Supergraph:
    return compose(subgraph_schemas())


class WireTransport(RoutingTransport):
    """Routes to the in-process subgraphs; can break a host, and can hold requests to a set
    of hosts until all of them are in flight at once (which proves they run concurrently)."""

    def __init__(self, apps: dict[str, Starlette]) -> None:
        super().__init__(apps)
        self.faults: dict[str, str] = {}  # host -> refused | timeout | 500 | garbage
        self.together: set[str] = set()
        self.in_flight: set[str] = set()
        self.met = False
        self._all_in = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        fault = self.faults.get(host)
        if fault == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "500":
            return httpx.Response(500, content=b"Internal Server Error", request=request)
        if fault == "garbage":
            return httpx.Response(200, content=b'{"data": {', request=request)
        if host in self.together:
            self.in_flight.add(host)
            if self.in_flight >= self.together:
                self.met = True
                self._all_in.set()
            # Bounded only so that sequential fetches fail the test instead of hanging it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_in.wait(), 5)
        return await super().handle_async_request(request)


@dataclass
class Federation:
    app: Starlette
    subgraphs: dict[str, Subgraph]
    transport: WireTransport
    http: httpx.AsyncClient = field(init=False)

    @property
    def gateway(self) -> Gateway:
        return self.app.state.gateway

    def requests(self, name: str) -> list[str]:
        return self.subgraphs[name].queries()

    def counts(self) -> dict[str, int]:
        return {name: len(sg.queries()) for name, sg in self.subgraphs.items() if sg.queries()}

    def reset(self) -> None:
        for subgraph in self.subgraphs.values():
            subgraph.calls.clear()

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@contextlib.asynccontextmanager
async def running_federation(
    settings: Settings, graph: Supergraph | None = None, schemas: dict[str, Any] | None = None
) -> AsyncIterator[Federation]:
    """The gateway over ``schemas`` (the five above unless given), composed by the gateway
    unless ``graph`` is given."""
    if schemas is not None and graph is None:
        graph = compose(subgraph_schemas(schemas))
    schemas = SCHEMAS if schemas is None else schemas
    subgraphs = {name: Subgraph(name, schema) for name, schema in schemas.items()}
    transport = WireTransport({f"{name}.test": sg.app() for name, sg in subgraphs.items()})
    app = create_app(
        {name: f"http://{name}.test/graphql" for name in schemas},
        settings=settings,
        http_client=httpx.AsyncClient(transport=transport),
        supergraph=graph or supergraph(),
        follow_events=False,
    )
    federation = Federation(app, subgraphs, transport)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as http:
            federation.http = http
            yield federation
