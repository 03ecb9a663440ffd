"""A supergraph composed by a standard composer (The Guild's) is one our gateway serves alike.

sgo's four subgraphs composed with ``@theguild/federation-composition`` must compose without
errors and give the same API and the same access rules as the gateway's own composition; the
``sgo gateway --supergraph FILE`` command serves such a file and answers cross-subgraph queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
from graphql import lexicographic_sort_schema, print_schema
from starlette.applications import Starlette
from starlette.routing import Mount

from deploy._os import free_port
from gateway.access import undeclared_fields
from gateway.compose import compose
from gateway.joinspec import load_supergraph
from gateway.supergraph import Supergraph
from tests.gateway.federation import node_composer
from tests.gateway.federation.harness import SCHEMAS, sgo_subgraph_schemas, subgraph_schemas
from tests.gateway.subgraphs import SECRET, Subgraph
from tests.support import eventually


def assert_same_graph(ours: Supergraph, theirs: Supergraph) -> None:
    def api(graph: Supergraph) -> str:
        return print_schema(lexicographic_sort_schema(graph.api_schema))

    assert api(theirs) == api(ours)  # types, fields, arguments, descriptions, defaults
    assert theirs.urls == ours.urls
    for type_name, type_def in ours.types.items():
        for field_name, field_def in type_def.fields.items():
            where = f"{type_name}.{field_name}"
            assert theirs.access_rule(type_name, field_name) == ours.access_rule(
                type_name, field_name
            ), where
            theirs_field = theirs.field(type_name, field_name)
            assert theirs_field is not None, where
            assert sorted(theirs_field.resolvers) == sorted(field_def.resolvers), where


def test_sgo_subgraphs_compose_alike() -> None:
    theirs = load_supergraph(node_composer.standard().sgo)
    assert_same_graph(compose(sgo_subgraph_schemas()), theirs)
    assert undeclared_fields(theirs) == []


def test_federation_directives_compose_alike() -> None:
    theirs = load_supergraph(node_composer.standard().federation)
    assert_same_graph(compose(subgraph_schemas()), theirs)
    # The directives the planner relies on arrived from the standard form.
    book = theirs.types["Book"]
    assert book.fields["shippingEstimate"].placements["inventory"].requires == "price weight"
    assert book.fields["inStock"].resolvers == ["inventory"]
    assert book.fields["weight"].inaccessible
    assert theirs.types["Review"].fields["author"].placements["reviews"].provides == "username"
    assert [k.fields for k in theirs.types["Furniture"].keys["products"]] == [
        "upc",
        "sku vendor { id }",
    ]
    assert theirs.types["Book"].implements == {"products": ["Product"]}
    assert theirs.types["Reviewable"].union_members == {"reviews": ["Book", "Furniture"]}
    assert theirs.types["Product"].interface_object_in == {"pricing"}
    assert theirs.field("Book", "discount").resolvers == []  # type: ignore[union-attr]


@contextlib.asynccontextmanager
async def serving(app: Starlette, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, server.started))
        yield
    finally:
        server.should_exit = True
        await task


async def test_gateway_command_serves_a_standard_supergraph(tmp_path: Path) -> None:
    sdl = node_composer.standard().federation
    port = free_port()
    for name in SCHEMAS:  # the same supergraph, pointed at where the subgraphs listen now
        sdl = sdl.replace(f"http://{name}.test/graphql", f"http://127.0.0.1:{port}/{name}/graphql")
    path = tmp_path / "supergraph.graphql"
    path.write_text(sdl, encoding="utf-8")
    subgraphs = Starlette(
        routes=[
            Mount(f"/{name}", app=Subgraph(name, schema).app()) for name, schema in SCHEMAS.items()
        ]
    )
    gateway_port = free_port()
    env = {**os.environ, "SGO_INTERNAL_SECRET": SECRET, "SGO_NATS_URL": "nats://127.0.0.1:1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "--supergraph", str(path), "--port", str(gateway_port),
        env=env,
    )  # fmt: skip
    try:
        async with serving(subgraphs, port), httpx.AsyncClient() as http:
            url = f"http://127.0.0.1:{gateway_port}"

            async def healthy() -> bool:
                with contextlib.suppress(httpx.TransportError):
                    return (await http.get(f"{url}/healthz")).status_code == 200
                return False

            await eventually(healthy, timeout=60, interval=0.1)
            query = "{ reviews { author { name } subject { ... on Book { name inStock } } } }"
            response = await http.post(f"{url}/graphql", json={"query": query})
    finally:
        process.terminate()
        await process.wait()
    assert response.status_code == 200
    assert response.json()["data"]["reviews"][0] == {
        "author": {"name": "Анна Ильина"},
        "subject": {"name": "Война и мир", "inStock": True},
    }
