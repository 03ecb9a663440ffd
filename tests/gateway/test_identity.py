"""Tokens, revoked sessions, and the HTTP surface."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from gateway.revocation import ACCOUNT_BLOCKED, SESSION_ENDED, RevocationList
from services.kernel.principal import Principal
from services.kernel.roles import Role
from tests.gateway.conftest import principal_with
from tests.gateway.subgraphs import Subgraph

Gql = Callable[..., Any]


async def test_invalid_token_is_unauthenticated_without_data(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ hello }"}, headers={"authorization": "Bearer nope"}
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_session_is_refused(
    gql: Gql, gateway: Any, token_for: Callable[[Principal], str]
) -> None:
    principal = principal_with(Role.STUDENT)
    token = token_for(principal)
    assert (await gql("{ me { id } }", token=token))["data"] == {"me": {"id": "1"}}
    gateway.revocations.apply_event(
        SESSION_ENDED, {"payload": {"session_id": str(principal.session_id)}}
    )
    body = await gql("{ hello }", token=token)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_logout_revokes_at_once(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.STUDENT))
    assert (await gql("mutation { logout }", token=token))["data"] == {"logout": True}
    body = await gql("{ hello }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_blocked_account_refuses_older_tokens() -> None:
    revocations = RevocationList()
    revocations.apply_event(
        ACCOUNT_BLOCKED,
        {"occurred_at": "2030-01-01T00:00:10+00:00", "payload": {"account_id": "a"}},
    )
    blocked_at = 1893456010
    assert revocations.is_revoked("s", "a", blocked_at - 60)
    assert not revocations.is_revoked("s", "a", blocked_at + 1)
    assert not revocations.is_revoked("s", "b", time.time())


async def test_get_queries_and_no_get_mutations(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ hello }"})
    assert response.json() == {"data": {"hello": "Привет, мир"}}
    assert response.headers["content-type"].startswith("application/json")
    response = await client.get("/graphql", params={"query": 'mutation { login(login: "x") }'})
    assert response.status_code == 405


async def test_console_for_browsers_and_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert 'id="login-form"' in response.text
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_graphql_response_json_and_validation_errors(client: httpx.AsyncClient) -> None:
    headers = {"accept": "application/graphql-response+json"}
    response = await client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_introspection_is_off_unless_enabled(client: httpx.AsyncClient, gateway: Any) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    body = (await client.post("/graphql", json=query)).json()
    assert body["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    gateway.introspection = True
    body = (await client.post("/graphql", json=query)).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_traceparent_is_forwarded(
    client: httpx.AsyncClient, subgraphs: dict[str, Subgraph]
) -> None:
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await client.post("/graphql", json={"query": "{ hello }"}, headers={"traceparent": trace})
    forwarded = subgraphs["people"].calls[-1].headers["traceparent"]
    # The same trace, with the fetch as its own child span.
    assert forwarded[:36] == trace[:36] and forwarded[-3:] == trace[-3:]
    assert forwarded[36:52] != trace[36:52]
