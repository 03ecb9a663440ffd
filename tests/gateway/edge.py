"""Helpers for the gateway's edge tests: an app with its own settings, the real supergraph."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.compose import SubgraphSchema, compose
from gateway.supergraph import Supergraph
from services.kernel.settings import Settings
from tests.gateway.conftest import URLS
from tests.gateway.subgraphs import SECRET, RoutingTransport


@asynccontextmanager
async def serve(
    transport: RoutingTransport, **settings: Any
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The gateway over the test subgraphs, with these settings, and a client for it."""
    introspection = settings.pop("introspection", None)
    app = create_app(
        URLS,
        settings=Settings(internal_secret=SECRET, **settings),
        http_client=httpx.AsyncClient(transport=transport),
        follow_events=False,
        introspection=introspection,
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client:
            yield app, client


@cache
def real_supergraph() -> Supergraph:
    """The four services' subgraphs composed offline (their SDL needs no database)."""
    schemas = []
    for name in ("people", "journal", "messaging", "reports"):
        module = importlib.import_module(f"services.{name}.schema")
        result = module.schema.execute_sync("{ _service { sdl } }")
        assert result.errors is None, result.errors
        sdl = result.data["_service"]["sdl"]  # type: ignore[index]
        schemas.append(SubgraphSchema(name, f"http://{name}.test/graphql", sdl))
    return compose(schemas)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
