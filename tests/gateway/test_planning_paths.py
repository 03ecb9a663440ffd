"""Entity paths: key chains over several subgraphs, nested composite keys, and keyless value
types reached through their parent entity (shelf + catalogue + loans fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.kernel.settings import Settings
from tests.gateway.federation import fixtures
from tests.gateway.federation.harness import Federation
from tests.gateway.test_planning import entity_batches

NAMES = ("shelf", "catalogue", "loans")


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def fed(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(settings, request.param, *NAMES) as federation:
        yield federation


async def test_a_key_chain_reaches_a_subgraph_the_first_one_has_no_key_for(
    fed: Federation,
) -> None:
    body = await fed.gql("{ shelf { title loans } }")
    assert body == {
        "data": {"shelf": [{"title": "Мёртвые души", "loans": 7}, {"title": "Обломов", "loans": 2}]}
    }
    # shelf gives upc; catalogue turns it into id and the edition; loans takes those.
    assert fed.counts() == {"shelf": 1, "catalogue": 1, "loans": 1}
    assert entity_batches(fed, "catalogue") == [[{"upc": "u1"}, {"upc": "u2"}]]
    assert entity_batches(fed, "loans") == [
        [
            {"id": "B-1", "edition": {"number": 1, "tag": "first"}},
            {"id": "B-2", "edition": {"number": 3, "tag": "reprint"}},
        ]
    ]


async def test_a_keyless_value_type_gets_its_other_fields_through_the_parent_entity(
    fed: Federation,
) -> None:
    body = await fed.gql("{ shelf { edition { number printRun tag } } }")
    assert body["data"]["shelf"] == [
        {"edition": {"number": 1, "printRun": 5000, "tag": "first"}},
        {"edition": {"number": 3, "printRun": 1200, "tag": "reprint"}},
    ]
    assert "errors" not in body
    assert fed.counts() == {"shelf": 1, "catalogue": 1, "loans": 1}
    (call,) = fed.requests("loans")
    assert "printRun" in call and "number" not in call  # loans asked only what it adds


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def weather(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(
        settings, request.param, *("sky", "wind", "rain")
    ) as federation:
        yield federation


async def test_a_shared_root_field_on_a_keyless_type_is_split_over_its_subgraphs(
    weather: Federation,
) -> None:
    query = '{ weather(city: "Томск") { city clouds speed rain } }'
    body = await weather.gql(query)
    assert body == {
        "data": {"weather": {"city": "Томск", "clouds": "Облачно", "speed": 7, "rain": 0}}
    }
    # One root request to each, all in the first stage, each asked only what it adds.
    assert weather.counts() == {"sky": 1, "wind": 1, "rain": 1}
    assert "speed" not in weather.requests("sky")[0] + weather.requests("rain")[0]
    weather.reset()
    body = await weather.gql('{ weather(city: "Томск") { city } }')
    assert body["data"]["weather"] == {"city": "Томск"}
    assert sum(weather.counts().values()) == 1
