"""Plans at run time: cached per normalised document and access, fetched concurrently, and
partial data with client paths when subgraphs fail (never a 500 from the gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.settings import Settings
from tests.gateway.conftest import principal_with
from tests.gateway.federation.harness import Federation, running_federation


@pytest.fixture
async def fed(settings: Settings) -> AsyncIterator[Federation]:
    async with running_federation(settings) as federation:
        yield federation


async def test_plan_is_cached_per_normalised_document(fed: Federation) -> None:
    plans = fed.gateway._plans
    first = await fed.gql("{ topProducts { name ... on Book { inStock } } }")
    assert len(plans) == 1
    (cached,) = plans.values()
    # The same document written differently is the same plan; the answer is the same too.
    again = await fed.gql("query {\n  topProducts {\n name\n ...on Book{inStock} } }")
    assert again == first
    assert list(plans.values()) == [cached]
    await fed.gql("{ topProducts { upc } }")
    assert len(plans) == 2


async def test_roles_with_different_access_do_not_share_a_plan(
    fed: Federation, token_for: Callable[[Principal], str]
) -> None:
    query = "{ me { name email } }"
    director = await fed.gql(query, token=token_for(principal_with(Role.DIRECTOR)))
    assert director == {"data": {"me": {"name": "Анна Ильина", "email": "anna@school.test"}}}
    teacher = await fed.gql(query, token=token_for(principal_with(Role.SUBJECT_TEACHER)))
    assert teacher["data"] == {"me": None}  # email is non-null: its null takes ``me`` along
    assert teacher["errors"][0]["path"] == ["me", "email"]
    assert teacher["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    director_call, teacher_call = fed.requests("accounts")
    assert "email" in director_call and "email" not in teacher_call
    assert len(fed.gateway._plans) == 2


async def test_fetches_of_one_stage_run_concurrently(fed: Federation) -> None:
    fed.transport.together = {"accounts.test", "products.test", "reviews.test"}
    body = await fed.gql("{ me { name } topProducts { name } reviews { id } }")
    assert "errors" not in body and fed.transport.met
    # Joins of one stage too: inventory and reviews both wait on the products answer.
    fed.transport.together, fed.transport.met = {"inventory.test", "reviews.test"}, False
    fed.transport._all_in.clear()
    body = await fed.gql("{ topProducts { ... on Book { inStock reviews { id } } } }")
    assert "errors" not in body and fed.transport.met


async def test_errors_inside_entity_joins_get_the_client_path(fed: Federation) -> None:
    body = await fed.gql("{ topProducts { upc ... on Book { reviews { id text: body } } } }")
    assert body["data"]["topProducts"][0]["reviews"] == [
        {"id": "r1", "text": "Классика."},
        {"id": "r3", "text": None},
    ]
    (error,) = body["errors"]
    assert error["path"] == ["topProducts", 0, "reviews", 1, "text"]
    assert error["extensions"]["code"] == "LOCKED"


@pytest.mark.parametrize("fault", ["refused", "timeout", "500", "garbage"])
async def test_a_failing_subgraph_gives_partial_data(fed: Federation, fault: str) -> None:
    fed.transport.faults["inventory.test"] = fault
    body = await fed.gql('{ book(upc: "b1") { name shippingEstimate } reviews { id } }')
    assert body["data"] == {
        "book": {"name": "Война и мир", "shippingEstimate": None},
        "reviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
    }
    (error,) = body["errors"]
    assert error["path"] == ["book", "shippingEstimate"]
    assert error["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    # A non-null field lost: null climbs to the nearest nullable parent, per the spec.
    body = await fed.gql('{ book(upc: "b1") { name inStock } reviews { id } }')
    assert body["data"] == {"book": None, "reviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}]}
    assert body["errors"][0]["path"] == ["book", "inStock"]
    # A root fetch lost: its fields are null, the other subgraph's stay.
    fed.transport.faults["products.test"] = fault
    body = await fed.gql('{ book(upc: "b1") { name } reviews { id } }')
    assert body["data"] == {"book": None, "reviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}]}
    assert body["errors"][0]["path"] == ["book"]
