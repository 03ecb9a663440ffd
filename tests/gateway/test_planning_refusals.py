"""Never silently wrong: what the planner cannot fetch exactly is refused with PLAN_FAILED
naming the field, and what it fetches reaches the client whole (media + ratings fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.compose import SubgraphSchema, compose
from services.kernel.settings import Settings
from tests.gateway.federation import fixtures, media, ratings
from tests.gateway.federation.harness import Federation, running_federation, subgraph_schemas
from tests.gateway.test_planning import entity_batches


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def fed(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    """Over the gateway's own composition and over The Guild composer's supergraph."""
    async with fixtures.fixture_federation(
        settings, request.param, *("media", "ratings")
    ) as federation:
        yield federation


async def test_a_field_selected_again_under_a_fragment_keeps_both_selections(
    fed: Federation,
) -> None:
    body = await fed.gql("{ items { owner { name } ... on Album { owner { city } } } }")
    assert body == {
        "data": {
            "items": [
                {"owner": {"name": "Фонотека", "city": "Томск"}},
                {"owner": {"name": "Фонотека"}},
            ]
        }
    }


async def test_an_alias_taking_a_join_key_name_is_refused_naming_it(fed: Federation) -> None:
    body = await fed.gql("{ items { _sgo_id: title stars } }")
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "PLAN_FAILED"
    assert "_sgo_id" in error["message"] and "title" in error["message"]
    assert fed.counts() == {}  # refused before anything was fetched
    # The same alias with nothing to join is no clash.
    body = await fed.gql("{ items { _sgo_id: title } }")
    assert body["data"]["items"][0] == {"_sgo_id": "Времена года"}


async def test_interface_object_answers_get_their_concrete_type_from_the_interface_owner(
    fed: Federation,
) -> None:
    query = "{ topRated { __typename id title stars ... on Album { tracks } } }"
    body = await fed.gql(query)
    assert body == {
        "data": {
            "topRated": [
                {"__typename": "Album", "id": "a1", "title": "Времена года", "stars": 5,
                 "tracks": 12},
                {"__typename": "Film", "id": "f1", "title": "Солярис", "stars": 4},
            ]
        }
    }  # fmt: skip
    # ratings first, then one join to media on the interface that answers each type.
    assert fed.counts() == {"ratings": 1, "media": 1}
    assert entity_batches(fed, "media") == [[{"id": "a1"}, {"id": "f1"}]]


async def test_interface_object_answers_stay_in_one_request_when_nothing_else_is_asked(
    fed: Federation,
) -> None:
    body = await fed.gql("{ topRated { id stars } }")
    assert body["data"]["topRated"] == [{"id": "a1", "stars": 5}, {"id": "f1", "stars": 4}]
    assert fed.counts() == {"ratings": 1}


async def test_type_conditions_under_an_interface_object_field_reached_by_a_join(
    fed: Federation,
) -> None:
    query = "{ items { similar { __typename ... on Film { minutes } } } }"
    body = await fed.gql(query)
    assert body["data"]["items"] == [
        {"similar": [{"__typename": "Film", "minutes": 169}]},
        {"similar": [{"__typename": "Album"}]},
    ]
    assert fed.counts() == {"media": 2, "ratings": 1}


async def test_an_interface_object_without_a_resolvable_owner_is_refused(
    settings: Settings,
) -> None:
    sdls = subgraph_schemas({"media": media.schema, "ratings": ratings.schema})
    owner = sdls[0]
    sdl = owner.sdl.replace('interface Item @key(fields: "id")',
                            'interface Item @key(fields: "id", resolvable: false)')  # fmt: skip
    assert sdl != owner.sdl
    graph = compose([SubgraphSchema(owner.name, owner.url, sdl), sdls[1]])
    schemas = {"media": media.schema, "ratings": ratings.schema}
    async with running_federation(settings, graph, schemas) as fed:
        body = await fed.gql("{ topRated { __typename stars } }")
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "PLAN_FAILED"
        assert "Query.topRated" in error["message"] and "Item" in error["message"]
        assert fed.counts() == {}
        body = await fed.gql("{ topRated { stars } }")  # nothing concrete asked: answered
        assert body["data"]["topRated"] == [{"stars": 5}, {"stars": 4}]


async def test_a_null_in_a_non_null_field_is_reported_not_just_propagated(
    fed: Federation,
) -> None:
    # ratings knows no a2 and answers a null entity without an error: stars is Int!.
    body = await fed.gql("{ latest { title stars } }")
    assert body["data"] == {"latest": None}
    (error,) = body["errors"]
    assert error["path"] == ["latest", "stars"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "latest.stars" in error["message"]


async def test_an_inaccessible_enum_value_is_nulled_with_an_error(fed: Federation) -> None:
    body = await fed.gql("{ items { ... on Album { format } } latest { ... on Album { format } } }")
    assert body["data"] == {"items": [{"format": "VINYL"}, {}], "latest": {"format": None}}
    (error,) = body["errors"]
    assert error["path"] == ["latest", "format"] and "TAPE" not in error["message"]
