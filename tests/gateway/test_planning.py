"""Query planning over the accounts/products/inventory/reviews federation, through the gateway.

Every test counts the requests each subgraph received: joins are batched (one request per
subgraph per stage, never one per row) and nothing is fetched that the plan does not need.
Each runs twice: on the gateway's own composition and on the standard composer's supergraph.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.joinspec import load_supergraph
from services.kernel.settings import Settings
from tests.gateway.federation import node_composer
from tests.gateway.federation.harness import Federation, running_federation


@pytest.fixture(params=["own", "standard"])
async def fed(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    """The gateway on its own composition, and on the standard composer's supergraph file."""
    graph = None
    if request.param == "standard":
        graph = load_supergraph(node_composer.standard().federation)
    async with running_federation(settings, graph) as federation:
        yield federation


def entity_batches(fed: Federation, name: str) -> list[list[dict]]:
    """The representations of every ``_entities`` list sent to ``name``, request by request
    (without ``__typename``: the subgraph consumes it as it resolves them)."""
    batches = []
    for call in fed.subgraphs[name].calls:
        batches.extend(v for k, v in sorted(call.variables.items()) if k.startswith("_sgo_r"))
    return batches


async def test_list_join_is_batched_into_one_request(fed: Federation) -> None:
    body = await fed.gql("{ reviews { id subject { ... on Book { upc reviews { id } } } } }")
    assert "errors" not in body
    assert fed.counts() == {"reviews": 1}  # Book.reviews lives where the reviews come from
    body = await fed.gql("{ topProducts { upc name ... on Book { reviews { id body } } } }")
    assert [p["upc"] for p in body["data"]["topProducts"]] == ["b1", "f1", "b2"]
    assert body["data"]["topProducts"][0]["reviews"][0] == {"id": "r1", "body": "Классика."}
    assert body["data"]["topProducts"][2]["reviews"] == []
    assert fed.counts() == {"reviews": 2, "products": 1}
    # Two books, one request, the furniture never sent to a Book join.
    assert entity_batches(fed, "reviews")[-1] == [
        {"upc": "b1"},
        {"upc": "b2"},
    ]


async def test_nested_joins_take_one_request_per_subgraph_per_stage(fed: Federation) -> None:
    query = """{ users { name reviews { body author { name }
                  subject { ... on Book { name inStock } ... on Furniture { name } } } } }"""
    body = await fed.gql(query)
    anna, boris = body["data"]["users"]
    assert anna == {
        "name": "Анна Ильина",
        "reviews": [
            {"body": "Классика.", "author": {"name": "Анна Ильина"},
             "subject": {"name": "Война и мир", "inStock": True}},
        ],
    }  # fmt: skip
    assert [r["subject"]["name"] for r in boris["reviews"]] == ["Парта", "Война и мир"]
    # accounts (users) -> reviews (User.reviews) -> accounts (author.name) + products (names)
    # -> inventory (Book.inStock): every subgraph once per stage it takes part in.
    assert fed.counts() == {"accounts": 2, "reviews": 1, "products": 1, "inventory": 1}
    products_call = fed.subgraphs["products"].calls[0]
    # Book and Furniture joins share one request: two _entities fields under aliases.
    assert products_call.query.count("_entities") == 2
    # b1 is reviewed by both users and asked for once.
    assert sorted(map(str, entity_batches(fed, "products"))) == [
        "[{'upc': 'b1'}]",
        "[{'upc': 'f1'}]",
    ]


async def test_compound_and_multiple_keys(fed: Federation) -> None:
    # restock comes from inventory, which knows Furniture only by "sku vendor { id }".
    body = await fed.gql("{ restock { name price inStock } }")
    assert body == {"data": {"restock": [{"name": "Парта", "price": 4000, "inStock": True}]}}
    (batch,) = entity_batches(fed, "products")
    assert batch == [{"sku": "P-1", "vendor": {"id": "v1"}}]
    # From products, inventory is reached through the same compound key (products has both).
    fed.reset()
    body = await fed.gql("{ topProducts { ... on Furniture { inStock } } }")
    assert body["data"]["topProducts"] == [{}, {"inStock": True}, {}]
    (batch,) = entity_batches(fed, "inventory")
    assert batch == [{"sku": "P-1", "vendor": {"id": "v1"}}]
    # From reviews, products is reached through "upc", the key reviews can give.
    fed.reset()
    body = await fed.gql("{ reviews { subject { ... on Furniture { name } } } }")
    assert body["data"]["reviews"][1] == {"subject": {"name": "Парта"}}
    assert entity_batches(fed, "products") == [[{"upc": "f1"}]]


async def test_shareable_fields_come_from_the_subgraph_already_asked(fed: Federation) -> None:
    body = await fed.gql("{ restock { vendor { id name } } catalogVersion }")
    assert body["data"] == {
        "restock": [{"vendor": {"id": "v1", "name": "Фабрика «Школьник»"}}],
        "catalogVersion": "inventory-v1",
    }
    assert fed.counts() == {"inventory": 1}
    fed.reset()
    body = await fed.gql("{ catalogVersion topProducts { name } }")
    assert body["data"]["catalogVersion"] == "products-v1"
    assert fed.counts() == {"products": 1}


async def test_requires_fetches_the_required_fields_first(fed: Federation) -> None:
    # From products: price and weight are local, so they ride along in the first request.
    body = await fed.gql('{ book(upc: "b2") { name shippingEstimate } }')
    assert body == {"data": {"book": {"name": "Азбука", "shippingEstimate": 40}}}
    assert entity_batches(fed, "inventory") == [[{"upc": "b2", "price": 300, "weight": 400}]]
    # From reviews: a products join for price and weight, then the inventory join with them.
    fed.reset()
    body = await fed.gql("{ reviews { subject { ... on Book { shippingEstimate } } } }")
    assert [r["subject"] for r in body["data"]["reviews"]] == [
        {"shippingEstimate": 0},
        {},
        {"shippingEstimate": 0},
    ]
    assert fed.counts() == {"reviews": 1, "products": 1, "inventory": 1}
    assert entity_batches(fed, "inventory") == [[{"upc": "b1", "price": 900, "weight": 1200}]]


async def test_provides_avoids_a_join(fed: Federation) -> None:
    body = await fed.gql("{ reviews { author { username } } }")
    assert [r["author"]["username"] for r in body["data"]["reviews"]] == ["anna", "boris", "boris"]
    assert fed.counts() == {"reviews": 1}
    # Off the provided path (and for fields not provided) the join is back.
    body = await fed.gql("{ reviews { author { username name } } }")
    assert body["data"]["reviews"][0]["author"] == {"username": "anna", "name": "Анна Ильина"}
    assert fed.counts() == {"reviews": 2, "accounts": 1}
    assert "username" not in fed.requests("accounts")[0]


async def test_inaccessible_fields_are_hidden_but_serve_keys_and_requires(
    fed: Federation,
) -> None:
    from graphql import print_schema

    sdl = print_schema(fed.gateway.supergraph.api_schema)
    for hidden in ("weight", "sku", "birthYear", "archived"):
        assert hidden not in sdl
    refused = (
        "{ me { birthYear } }",
        '{ book(upc: "b1") { weight } }',
        "{ users(archived: true) { id } }",
    )
    for query in refused:
        body = await fed.gql(query)
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert fed.counts() == {}
    # weight (inaccessible) is still fetched for @requires, sku for the compound key.
    body = await fed.gql('{ book(upc: "b1") { shippingEstimate } restock { name } }')
    assert body["data"] == {"book": {"shippingEstimate": 0}, "restock": [{"name": "Парта"}]}


async def test_override_routes_to_the_overriding_subgraph(fed: Federation) -> None:
    assert fed.gateway.supergraph.field("Book", "inStock").resolvers == ["inventory"]  # type: ignore[union-attr]
    body = await fed.gql('{ book(upc: "b1") { name inStock } }')
    assert body["data"]["book"] == {"name": "Война и мир", "inStock": True}
    assert "inStock" not in fed.requests("products")[0]
    assert fed.counts() == {"products": 1, "inventory": 1}


async def test_interface_with_typename_and_type_conditions_across_subgraphs(
    fed: Federation,
) -> None:
    query = """{ topProducts { __typename upc name
                  ... on Book { shippingEstimate reviews { author { username } } }
                  ... on Furniture { vendor { name } inStock } } }"""
    body = await fed.gql(query)
    book, desk, primer = body["data"]["topProducts"]
    assert book == {
        "__typename": "Book", "upc": "b1", "name": "Война и мир", "shippingEstimate": 0,
        "reviews": [{"author": {"username": "anna"}}, {"author": {"username": "boris"}}],
    }  # fmt: skip
    assert desk == {
        "__typename": "Furniture", "upc": "f1", "name": "Парта",
        "vendor": {"name": "Фабрика «Школьник»"}, "inStock": True,
    }  # fmt: skip
    assert primer["shippingEstimate"] == 40 and primer["reviews"] == []
    # products, then reviews and inventory (Book and Furniture joins in one request).
    assert fed.counts() == {"products": 1, "reviews": 1, "inventory": 1}
    assert fed.requests("inventory")[0].count("_entities") == 2


async def test_union_members_and_interface_conditions_unknown_to_the_subgraph(
    fed: Federation,
) -> None:
    # reviews has no Product interface: "... on Product" is sent as its concrete members.
    query = "{ reviews { subject { __typename ... on Product { name price } } } }"
    body = await fed.gql(query)
    assert body["data"]["reviews"] == [
        {"subject": {"__typename": "Book", "name": "Война и мир", "price": 900}},
        {"subject": {"__typename": "Furniture", "name": "Парта", "price": 4000}},
        {"subject": {"__typename": "Book", "name": "Война и мир", "price": 900}},
    ]
    assert "Product" not in fed.requests("reviews")[0]
    assert fed.counts() == {"reviews": 1, "products": 1}


async def test_interface_object_fields_are_joined_on_the_interface(fed: Federation) -> None:
    # pricing knows Product only as an @interfaceObject: representations say "Product" (it
    # would refuse "Book"), and the answer's __typename must not replace the runtime type.
    body = await fed.gql("{ topProducts { __typename discount } }")
    assert body["data"]["topProducts"] == [
        {"__typename": "Book", "discount": 10},
        {"__typename": "Furniture", "discount": 0},
        {"__typename": "Book", "discount": 5},
    ]
    assert fed.counts() == {"products": 1, "pricing": 1}
    assert entity_batches(fed, "pricing") == [[{"upc": "b1"}, {"upc": "f1"}, {"upc": "b2"}]]
    # From reviews, which has Book but no Product: joined for books only, still as Product.
    fed.reset()
    body = await fed.gql("{ reviews { subject { ... on Book { discount } } } }")
    assert [r["subject"] for r in body["data"]["reviews"]] == [
        {"discount": 10}, {}, {"discount": 10}
    ]  # fmt: skip
    assert fed.counts() == {"reviews": 1, "pricing": 1}
