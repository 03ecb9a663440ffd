"""``@requires`` chains and required fields in a third subgraph (parcels + customs +
delivery fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.kernel.settings import Settings
from tests.gateway.federation import fixtures
from tests.gateway.federation.harness import Federation
from tests.gateway.test_planning import entity_batches

NAMES = ("parcels", "customs", "delivery")


@pytest.fixture(params=fixtures.COMPOSITIONS)
async def fed(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Federation]:
    async with fixtures.fixture_federation(settings, request.param, *NAMES) as federation:
        yield federation


async def test_a_required_field_with_its_own_requires_gets_what_it_needs_first(
    fed: Federation,
) -> None:
    # price needs duty and declared (customs); duty needs weight (parcels).
    body = await fed.gql("{ parcels { id price } }")
    assert body == {"data": {"parcels": [{"id": "p1", "price": 21}, {"id": "p2", "price": 309}]}}
    assert fed.counts() == {"parcels": 1, "customs": 1, "delivery": 1}
    assert entity_batches(fed, "customs") == [
        [{"id": "p1", "weight": 2}, {"id": "p2", "weight": 30}]
    ]
    assert entity_batches(fed, "delivery") == [
        [{"id": "p1", "duty": 20, "declared": 100}, {"id": "p2", "duty": 300, "declared": 900}]
    ]
    # What was required for the join is not in the answer.
    assert "duty" not in body["data"]["parcels"][0]


async def test_required_fields_asked_by_the_client_too_are_answered_once(fed: Federation) -> None:
    body = await fed.gql("{ parcels { duty price } }")
    assert body["data"]["parcels"] == [{"duty": 20, "price": 21}, {"duty": 300, "price": 309}]
    assert fed.counts() == {"parcels": 1, "customs": 1, "delivery": 1}


async def test_a_required_field_with_arguments_is_fetched_with_them(fed: Federation) -> None:
    body = await fed.gql('{ parcels { insurance fee(currency: "RUB") } }')
    # fee in euro: 1 per kg (2 and 30 kg); insurance is three times that.
    assert body == {
        "data": {"parcels": [{"insurance": 6, "fee": 200}, {"insurance": 90, "fee": 3000}]}
    }
    (call,) = fed.requests("parcels")
    assert 'fee(currency: "EUR")' in call and 'fee(currency: "RUB")' in call
    assert entity_batches(fed, "delivery") == [[{"id": "p1", "fee": 2}, {"id": "p2", "fee": 30}]]
