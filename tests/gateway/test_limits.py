"""Depth, alias, token and cost limits: refused before any fetch, with a stable code."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from gateway.compose import SubgraphSchema, compose
from gateway.limits import Limits, OperationLimits, _Static
from gateway.operation import DocumentCache, RequestError
from tests.gateway.edge import codes, real_supergraph, serve
from tests.gateway.subgraphs import RoutingTransport, Subgraph

COST_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
                    import: ["@key", "@cost", "@listSize", "@policy"])
type Query {
  books(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
  authors(first: Int = 4): [Book!]! @listSize(slicingArguments: ["first"])
  recent(first: Int): [Book!]!
    @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
  shelves: [Shelf!]! @listSize(assumedSize: 3)
  feed(first: Int!): BookConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
  heavy: Int @cost(weight: 50)
  tags: [String!]!
}
type Book @cost(weight: 2) { id: ID! title: String! }
type Shelf { books: [Book!]! }
type BookConnection { edges: [Book!]! total: Int }
type Mutation { addBook(title: String!): Book }
"""


@pytest.fixture(scope="module")
def cost_limits() -> tuple[OperationLimits, DocumentCache]:
    graph = compose([SubgraphSchema("books", "http://books.test/graphql", COST_SDL)])
    return OperationLimits(graph, Limits()), DocumentCache(graph.api_schema)


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("{ books(first: 5) { title } }", {}, 10),  # slicing argument x @cost of Book
        ("{ authors { title } }", {}, 8),  # the argument's default value
        ("{ recent { title } }", {}, 20),  # no argument, none required: default size (10)
        ("query($n: Int) { books(first: $n) { id } }", {"n": 7}, 14),
        ("query($n: Int) { books(first: $n) { id } }", {"n": 100}, 200),
        ("{ shelves { books { id } } }", {}, 3 * (1 + 10 * 2)),  # assumedSize, nested
        ("{ feed(first: 4) { total edges { id } } }", {}, 1 + 4 * 2),  # sizedFields
        ("{ heavy tags }", {}, 50),  # field @cost; scalars cost nothing
        ("{ ...F ...F } fragment F on Query { heavy }", {}, 100),
        ("query($s: Boolean!) { heavy @skip(if: $s) }", {"s": True}, 0),
        ('mutation { addBook(title: "x") { id } }', {}, 10),  # a mutation field weighs 10
    ],
)
def test_cost_follows_the_directives(
    cost_limits: tuple[OperationLimits, DocumentCache],
    query: str,
    variables: dict[str, Any],
    cost: float,
) -> None:
    limits, documents = cost_limits
    document = documents.get(query)
    operation = document.operation(None)
    assert limits.estimate(document, operation, variables) == cost
    # The cached path (same document, other variables) agrees with a fresh estimate.
    limits.check_operation(document, operation, None, variables)
    limits.check_operation(document, operation, None, variables)


def test_cost_cache_tracks_slicing_variables(
    cost_limits: tuple[OperationLimits, DocumentCache],
) -> None:
    graph = compose([SubgraphSchema("books", "http://books.test/graphql", COST_SDL)])
    limits = OperationLimits(graph, Limits(max_cost=100))
    document = cost_limits[1].get("query($n: Int) { books(first: $n) { id } }")
    operation = document.operation(None)
    limits.check_operation(document, operation, None, {"n": 50})  # 100: allowed
    with pytest.raises(RequestError) as refused:
        limits.check_operation(document, operation, None, {"n": 51})  # 102: refused
    assert refused.value.errors[0]["extensions"]["limit"] == "cost"
    limits.check_operation(document, operation, None, {"n": 50})


@pytest.mark.parametrize("query", ["{ books(first: 1, last: 2) { id } }", "{ books { id } }"])
def test_exactly_one_slicing_argument_is_required(
    cost_limits: tuple[OperationLimits, DocumentCache], query: str
) -> None:
    limits, documents = cost_limits
    document = documents.get(query)
    with pytest.raises(RequestError) as refused:
        limits.check_operation(document, document.operation(None), None, {})
    assert refused.value.errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_fragments_are_measured_once_each() -> None:
    # 60 fragments, each spreading the next twice: 2**60 aliased fields once expanded.
    parts = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60)]
    parts.append("fragment F60 on Query { a: hello }")
    document = parse("query { ...F0 } " + " ".join(parts))
    fragments = {d.name.value: d for d in document.definitions[1:]}  # type: ignore[attr-defined]
    depth, aliases = _Static(fragments).measure(document.definitions[0].selection_set, True)  # type: ignore[attr-defined]
    assert (depth, aliases) == (1, 2**60)


# The demo's heaviest screens: a class journal for a month, a pupil's diary, the profile.
HEAVY_QUERIES = {
    "class journal": """query Journal($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
      classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
        schoolClass { id name }
        subject { id name }
        students { id fullName }
        lessons {
          id date number topic homework
          teacher { id fullName }
          marks { id value weight comment createdAt student { id fullName } }
          attendance { id code label student { id fullName } }
        }
      }
    }""",
    "diary": """query Diary($id: ID!, $from: Date!, $to: Date!) {
      diary(studentId: $id, from: $from, to: $to) {
        date
        lessons {
          id number topic homework subject { name } teacher { fullName }
          marks { id value weight comment } attendance { code label }
        }
      }
    }""",
    "profile": """{
      me { account { login } person { id fullName }
           roles { role label schoolClass { id name } } }
    }""",
}


@pytest.mark.parametrize("name", sorted(HEAVY_QUERIES))
def test_the_demos_heaviest_queries_pass_the_defaults(name: str) -> None:
    graph = real_supergraph()
    limits = OperationLimits(graph, Limits())
    query = HEAVY_QUERIES[name]
    limits.check_source(query)
    document = DocumentCache(graph.api_schema).get(query)
    limits.check_operation(document, document.operation(None), None, {})
    assert limits.estimate(document, document.operation(None), {}) < Limits().max_cost / 4


DEEP = '{ person(id: "1") { marks { subject { title } } } }'  # depth 4


@pytest.mark.parametrize(
    ("settings", "query", "limit"),
    [
        ({"gateway_max_depth": 3}, DEEP, "depth"),
        ({"gateway_max_aliases": 2}, "{ a: hello b: hello c: hello }", "aliases"),
        ({"gateway_max_tokens": 20}, "{ " + "hello " * 30 + "}", "tokens"),
        ({"gateway_max_cost": 5}, "{ people { marks { value } } }", "cost"),
    ],
)
async def test_limits_refuse_before_any_fetch(
    transport: RoutingTransport,
    subgraphs: dict[str, Subgraph],
    settings: dict[str, Any],
    query: str,
    limit: str,
) -> None:
    async with serve(transport, **settings) as (_, client):
        headers = {"accept": "application/graphql-response+json"}
        response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["limit"] == limit
    assert all(not sg.queries() for sg in subgraphs.values())


async def test_within_limits_runs(transport: RoutingTransport) -> None:
    async with serve(transport, gateway_max_depth=4, gateway_max_aliases=3) as (_, client):
        response = await client.post("/graphql", json={"query": "{ a: hello b: hello c: hello }"})
    assert response.json()["data"] == {"a": "Привет, мир", "b": "Привет, мир", "c": "Привет, мир"}
