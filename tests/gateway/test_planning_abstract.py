"""Abstract types across subgraphs: interface fields whose implementations are entities
another subgraph extends (media + notes fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.kernel.settings import Settings
from tests.gateway.federation import fixtures
from tests.gateway.federation.harness import Federation
from tests.gateway.test_planning import entity_batches

NAMES = ("media", "notes")


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def fed(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(settings, request.param, *NAMES) as federation:
        yield federation


async def test_an_interface_field_extended_on_each_implementation_elsewhere_is_joined_per_type(
    fed: Federation,
) -> None:
    body = await fed.gql("{ items { id notes } }")
    assert body == {
        "data": {
            "items": [
                {"id": "a1", "notes": ["Вивальди"]},
                {"id": "f1", "notes": ["Тарковский", "1972"]},
            ]
        }
    }
    # One request to notes, one _entities list per type.
    assert fed.counts() == {"media": 1, "notes": 1}
    assert entity_batches(fed, "notes") == [[{"id": "a1"}], [{"id": "f1"}]]


async def test_an_interface_field_under_a_type_condition_joins_that_type_only(
    fed: Federation,
) -> None:
    body = await fed.gql("{ items { __typename ... on Film { notes } } }")
    assert body["data"]["items"] == [
        {"__typename": "Album"},
        {"__typename": "Film", "notes": ["Тарковский", "1972"]},
    ]
    assert entity_batches(fed, "notes") == [[{"id": "f1"}]]


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def overridden(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(
        settings, request.param, *("media", "titles")
    ) as federation:
        yield federation


async def test_an_interface_field_overridden_on_one_implementation_comes_from_the_override(
    overridden: Federation,
) -> None:
    body = await overridden.gql("{ items { id title } latest { title } }")
    assert body == {
        "data": {
            "items": [
                {"id": "a1", "title": "Времена года (ремастер)"},
                {"id": "f1", "title": "Солярис"},
            ],
            "latest": {"title": "Ноктюрны (ремастер)"},
        }
    }
    assert overridden.counts() == {"media": 1, "titles": 1}
    # Albums only, both paths in one request to titles.
    assert entity_batches(overridden, "titles") == [[{"id": "a1"}], [{"id": "a2"}]]


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def coded(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(
        settings, request.param, *("media", "codes")
    ) as federation:
        yield federation


async def test_sibling_fragments_asking_a_field_of_different_nullability_are_aliased_apart(
    coded: Federation,
) -> None:
    body = await coded.gql("{ items { ... on Album { code } ... on Film { code } } }")
    assert body == {"data": {"items": [{"code": "LP-1"}, {"code": None}]}}
    (call,) = coded.requests("media")
    assert "_sgo_Album__code: code" in call and "_sgo_Film__code: code" in call
    assert coded.counts() == {"media": 1}
