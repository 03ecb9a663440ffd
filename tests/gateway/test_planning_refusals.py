"""Never silently wrong: what the planner cannot fetch exactly is refused with PLAN_FAILED
naming the field, and what it fetches reaches the client whole (media + ratings fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.kernel.settings import Settings
from tests.gateway.federation import media, ratings
from tests.gateway.federation.harness import Federation, running_federation


@pytest.fixture
async def fed(settings: Settings) -> AsyncIterator[Federation]:
    schemas = {"media": media.schema, "ratings": ratings.schema}
    async with running_federation(settings, schemas=schemas) as federation:
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
