"""Routing, entity joins, batching and GraphQL features through the gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.kernel.principal import Principal
from services.kernel.roles import Role
from tests.gateway.conftest import principal_with
from tests.gateway.subgraphs import RoutingTransport, Subgraph

Gql = Callable[..., Any]


def _entity_calls(subgraph: Subgraph) -> list[str]:
    return [q for q in subgraph.queries() if "_entities" in q]


async def test_root_fields_of_two_subgraphs(gql: Gql, subgraphs: dict[str, Subgraph]) -> None:
    body = await gql("{ hello journalHello }")
    assert body == {"data": {"hello": "Привет, мир", "journalHello": "журнал"}}
    assert len(subgraphs["people"].queries()) == 1
    assert len(subgraphs["journal"].queries()) == 1


async def test_root_fetches_run_concurrently(gateway: Any) -> None:
    from gateway.operation import normalize
    from gateway.planner import build_plan

    document = gateway.documents.get("{ hello journalHello subjects { title } }")
    normalized = normalize(
        gateway.supergraph, document, document.operation(None), {}, principal_with()
    )
    plan = build_plan(gateway.supergraph, normalized)
    assert len(plan.stages) == 1
    assert sorted(g.subgraph for g in plan.stages[0]) == ["catalog", "journal", "people"]


async def test_list_join_is_one_entities_call(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ people { id name marks { value } } }", token=token)
    people = body["data"]["people"]
    assert [p["name"] for p in people] == ["Анна", "Борис", "Вера"]
    assert people[0]["marks"] == [{"value": 5}, {"value": 4}]
    assert people[2]["marks"] == []
    entity_calls = _entity_calls(subgraphs["journal"])
    assert len(entity_calls) == 1
    assert len(subgraphs["journal"].calls[-1].variables["_sgo_r0"]) == 3


async def test_nested_join_through_a_stub_entity(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql(
        '{ person(id: "1") { name marks { value subject { id title } } } }', token=token
    )
    assert body["data"]["person"] == {
        "name": "Анна",
        "marks": [
            {"value": 5, "subject": {"id": "m", "title": "Математика"}},
            {"value": 4, "subject": {"id": "r", "title": "Русский язык"}},
        ],
    }
    assert len(_entity_calls(subgraphs["journal"])) == 1
    assert len(_entity_calls(subgraphs["catalog"])) == 1


async def test_join_starting_in_another_subgraph(
    gql: Gql, token_for: Callable[[Principal], str]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ bestStudent { id name marks { value } } }", token=token)
    assert body["data"]["bestStudent"]["name"] == "Анна"


async def test_fragments_aliases_variables_and_directives(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    query = """
      query Q($id: ID!, $who: String!, $withMarks: Boolean!, $skipName: Boolean!) {
        greeting: hello(name: $who)
        first: person(id: $id) { ...Card marks @include(if: $withMarks) { grade: value } }
        again: person(id: "2") { id name @skip(if: $skipName) }
      }
      fragment Card on Person { who: name ... on Person { id } }
    """
    variables = {"id": "1", "who": "Вера", "withMarks": True, "skipName": True}
    body = await gql(query, variables, token=token, operationName="Q")
    assert body["data"] == {
        "greeting": "Привет, Вера",
        "first": {"who": "Анна", "id": "1", "marks": [{"grade": 5}, {"grade": 4}]},
        "again": {"id": "2"},
    }
    variables |= {"withMarks": False}
    body = await gql(query, variables, token=token, operationName="Q")
    assert "marks" not in body["data"]["first"]


async def test_typename_is_served(gql: Gql, token_for: Callable[[Principal], str]) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ __typename me { __typename id } }", token=token)
    assert body["data"] == {"__typename": "Query", "me": {"__typename": "Person", "id": "1"}}


async def test_entity_error_paths_are_rewritten(
    gql: Gql, token_for: Callable[[Principal], str]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ people { name absences } }", token=token)
    assert [p["absences"] for p in body["data"]["people"]] == [0, None, 0]
    (error,) = body["errors"]
    assert error["path"] == ["people", 1, "absences"]
    assert error["extensions"]["code"] == "LOCKED"
    assert error["message"] == "Журнал закрыт."


async def test_non_null_error_propagates_to_nullable_parent(
    gql: Gql, token_for: Callable[[Principal], str], transport: RoutingTransport
) -> None:
    transport.down.add("journal.test")
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ hello people { name marks { value } } }", token=token)
    # marks is [Mark!]! in a [Person!]! list: the nulls climb up to data itself.
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["people", 0, "marks"]


async def test_root_error_paths_and_masking(gql: Gql) -> None:
    body = await gql("{ hello broken leaky }")
    assert body["data"] == {"hello": "Привет, мир", "broken": None, "leaky": None}
    by_path = {tuple(e["path"]): e for e in body["errors"]}
    assert by_path[("broken",)]["extensions"]["code"] == "NOT_FOUND"
    leaky = by_path[("leaky",)]
    assert leaky["extensions"] == {"code": "INTERNAL"}
    assert "db-host" not in str(body) and "SELECT" not in str(body)


async def test_subgraph_down_gives_partial_data(
    gql: Gql, transport: RoutingTransport, token_for: Callable[[Principal], str]
) -> None:
    transport.down.add("journal.test")
    body = await gql("{ hello journalHello }")
    assert body["data"] is None or body["data"].get("hello") == "Привет, мир"
    assert any(e["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE" for e in body["errors"])
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql('{ hello person(id: "1") { name marks { value } } }', token=token)
    assert body["data"] == {"hello": "Привет, мир", "person": None}
    assert body["errors"][0]["path"] == ["person", "marks"]
    assert body["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"


async def test_nullable_root_survives_down_subgraph(gql: Gql, transport: RoutingTransport) -> None:
    transport.down.add("catalog.test")
    body = await gql("{ hello subjects { title } }")
    # subjects is non-null, so data would be null; hello survives only if the root is nullable.
    assert body["errors"][0]["path"] == ["subjects"]
