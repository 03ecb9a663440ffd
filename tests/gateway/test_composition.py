"""Composition of the test subgraphs: ownership, keys, the API schema, access coverage."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import print_schema

from gateway.access import undeclared_fields
from gateway.app import create_app
from gateway.compose import SubgraphSchema, compose
from gateway.engine import Gateway
from gateway.supergraph import CompositionError
from services.kernel.settings import Settings
from tests.gateway.subgraphs import RoutingTransport


def test_fields_are_routed_to_their_owners(gateway: Gateway) -> None:
    sg = gateway.supergraph
    assert sg.field("Query", "people").resolvers == ["people"]  # type: ignore[union-attr]
    assert sg.field("Query", "journalHello").resolvers == ["journal"]  # type: ignore[union-attr]
    assert sg.field("Person", "marks").resolvers == ["journal"]  # type: ignore[union-attr]
    assert sorted(sg.field("Person", "id").resolvers) == ["journal", "people"]  # type: ignore[union-attr]
    assert sg.mutation_type == "Mutation"  # PeopleMutation renamed to the canonical root
    assert [k.resolvable for k in sg.types["Subject"].keys["journal"]] == [False]
    assert [k.resolvable for k in sg.types["Subject"].keys["catalog"]] == [True]


def test_api_schema_has_no_federation_internals(gateway: Gateway) -> None:
    sdl = print_schema(gateway.supergraph.api_schema)
    for internal in ("_entities", "_service", "_Any", "_Entity", "@key", "@authenticated"):
        assert internal not in sdl
    assert "marks: [Mark!]!" in sdl
    assert "type Mutation" in sdl


def test_every_field_declares_access(gateway: Gateway) -> None:
    assert undeclared_fields(gateway.supergraph) == []


def test_supergraph_sdl_round_trips(gateway: Gateway) -> None:
    from gateway.joinspec import load_supergraph, print_api_schema, print_supergraph

    sg = gateway.supergraph
    sdl = print_supergraph(sg)
    assert '@join__type(graph: JOURNAL, key: "id", resolvable: false)' in sdl
    assert "@join__field(graph: JOURNAL)" in sdl
    loaded = load_supergraph(sdl)
    assert print_api_schema(loaded) == print_api_schema(sg)
    assert loaded.urls == sg.urls
    assert loaded.field("Person", "marks").resolvers == ["journal"]  # type: ignore[union-attr]
    assert undeclared_fields(loaded) == []
    assert loaded.access_rule("Person", "phone") == sg.access_rule("Person", "phone")


async def test_serving_from_a_supergraph_file(
    gateway: Gateway, tmp_path: Path, settings: Settings, transport: RoutingTransport, capsys: Any
) -> None:
    from gateway.cli import main
    from gateway.joinspec import print_supergraph

    path = tmp_path / "supergraph.graphql"
    path.write_text(print_supergraph(gateway.supergraph), encoding="utf-8")
    app = create_app(
        supergraph_file=str(path),
        settings=settings,
        http_client=httpx.AsyncClient(transport=transport),
        follow_events=False,
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as http:
            response = await http.post("/graphql", json={"query": "{ hello subjects { id } }"})
    assert response.json()["data"]["subjects"] == [{"id": "m"}, {"id": "r"}]
    # The CLI runs its own event loop, so it gets a thread of its own here.
    await asyncio.to_thread(main, ["--print", "api", "--supergraph", str(path)])
    assert "type Query" in capsys.readouterr().out


_SHOP = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.8",
  import: ["@key", "@requires", "@external", "@override", "@context", "@fromContext"])
type Query { product(id: ID!): Product }
type Product @key(fields: "id") {
  id: ID!
  price(currency: String): Int @external
  tax: Int @requires(fields: "price")
  name: String
}
"""


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('requires(fields: "price")', 'requires(fields: "price(currency: $c)")',
         "variables in field sets"),
        ('key(fields: "id")', 'key(fields: "id(x: 1)")', "arguments in field sets"),
        ('key(fields: "id")', 'key(fields: "... on Product { id }")', "type conditions"),
        ("name: String", 'name: String @override(from: "old", label: "percent(5)")',
         "progressive @override"),
        ("product(id: ID!)", 'product(id: ID! @fromContext(field: "$c { id }"))', "@fromContext"),
        ('Product @key(fields: "id")', 'Product @key(fields: "id") @context(name: "c")',
         "@context"),
    ],
)  # fmt: skip
def test_subgraph_features_the_gateway_would_ignore_are_refused(
    old: str, new: str, reason: str
) -> None:
    sdl = _SHOP.replace(old, new)
    assert sdl != _SHOP
    with pytest.raises(CompositionError, match=re.escape(reason)):
        compose([SubgraphSchema("shop", "http://shop.test/graphql", sdl)])
    compose([SubgraphSchema("shop", "http://shop.test/graphql", _SHOP)])
