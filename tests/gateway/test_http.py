"""GraphQL over HTTP at the gateway: methods, media types, status codes, batches, masking."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from gateway.app import GRAPHQL_RESPONSE, JSON, negotiate
from tests.gateway.edge import codes, serve
from tests.gateway.subgraphs import RoutingTransport, Subgraph

GRAPHQL = {"accept": GRAPHQL_RESPONSE}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
        ("text/html", None),
        ("application/json;q=0", None),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


async def test_status_codes_follow_the_media_type(client: httpx.AsyncClient) -> None:
    for body, code in (
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    ):
        strict = await client.post("/graphql", json=body, headers=GRAPHQL)
        assert strict.status_code == 400 and codes(strict.json()) == [code]
        assert "data" not in strict.json()
        legacy = await client.post("/graphql", json=body, headers={"accept": JSON})
        assert legacy.status_code == 200 and codes(legacy.json()) == [code]
    coercion = {"query": "query($id: ID!) { person(id: $id) { id } }", "variables": {}}
    assert (await client.post("/graphql", json=coercion, headers=GRAPHQL)).status_code == 400


async def test_malformed_requests_are_400_for_everyone(client: httpx.AsyncClient) -> None:
    for headers in (GRAPHQL, {"accept": JSON}):
        for content in (
            b"",
            b"{not json",
            b'{"query": 1}',
            b'{"query": "{ hello }", "variables": []}',
            b'{"notquery": "{ hello }"}',
            b'"text"',
        ):
            response = await client.post(
                "/graphql", content=content, headers={**headers, "content-type": JSON}
            )
            assert response.status_code == 400, content
            assert codes(response.json()) == ["BAD_REQUEST"]


async def test_content_types_and_accept(client: httpx.AsyncClient) -> None:
    query = b'{"query": "{ hello }"}'
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
    ):
        response = await client.post(
            "/graphql", content=query, headers={"content-type": content_type}
        )
        assert response.status_code == 415, content_type
    missing = await client.post("/graphql", content=query)
    assert missing.status_code == 415
    utf8 = await client.post(
        "/graphql", content=query, headers={"content-type": "application/json; charset=UTF-8"}
    )
    assert utf8.json() == {"data": {"hello": "Привет, мир"}}
    refused = await client.post(
        "/graphql", json={"query": "{ hello }"}, headers={"accept": "text/xml"}
    )
    assert refused.status_code == 406


async def test_mutations_over_get_are_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": 'mutation { login(login: "x") }'}, headers=GRAPHQL
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    query = await client.get(
        "/graphql",
        params={"query": "query($n: String) { hello(name: $n) }", "variables": '{"n": "Ира"}'},
        headers=GRAPHQL,
    )
    assert query.status_code == 200
    assert query.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert query.json() == {"data": {"hello": "Привет, Ира"}}


async def test_a_bad_token_is_401_under_graphql_response_json(client: httpx.AsyncClient) -> None:
    headers = {**GRAPHQL, "authorization": "Bearer nope"}
    response = await client.post("/graphql", json={"query": "{ hello }"}, headers=headers)
    assert response.status_code == 401
    assert codes(response.json()) == ["UNAUTHENTICATED"]


async def test_body_size_limit(transport: RoutingTransport) -> None:
    async with serve(transport, gateway_max_body_bytes=1000) as (_, client):
        small = await client.post("/graphql", json={"query": "{ hello }"})
        assert small.json() == {"data": {"hello": "Привет, мир"}}
        big = {"query": "{ hello }", "variables": {"file": "x" * 2000}}
        response = await client.post("/graphql", json=big)
        assert response.status_code == 413
        assert codes(response.json()) == ["PAYLOAD_TOO_LARGE"]

        async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
            for _ in range(20):
                yield b" " * 100

        streamed = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413


async def test_batches_are_off_by_default_and_bounded(
    client: httpx.AsyncClient, transport: RoutingTransport
) -> None:
    batch = [{"query": "{ hello }"}, {"query": "{ journalHello }"}]
    off = await client.post("/graphql", json=batch)
    assert off.status_code == 400 and codes(off.json()) == ["BATCHING_DISABLED"]
    async with serve(transport, gateway_batch_max=2) as (_, batching):
        response = await batching.post("/graphql", json=batch)
        assert response.json() == [
            {"data": {"hello": "Привет, мир"}},
            {"data": {"journalHello": "журнал"}},
        ]
        mixed = await batching.post(
            "/graphql", json=[{"query": "{ nope }"}, {"query": "{ hello }"}]
        )
        assert codes(mixed.json()[0]) == ["GRAPHQL_VALIDATION_FAILED"]
        assert mixed.json()[1] == {"data": {"hello": "Привет, мир"}}
        too_many = await batching.post("/graphql", json=[*batch, *batch])
        assert too_many.status_code == 400 and codes(too_many.json()) == ["BATCH_TOO_LARGE"]


async def test_no_field_suggestions(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ helo }"})
    message = response.json()["errors"][0]["message"]
    assert "helo" in message
    assert "Did you mean" not in message and "hello" not in message.replace("helo", "")


INTERNALS = ("Traceback", "SELECT", "db-host", "5432", ".test", "RuntimeError", "ConnectError")


async def test_errors_are_masked(client: httpx.AsyncClient, transport: RoutingTransport) -> None:
    leaky = await client.post("/graphql", json={"query": "{ leaky hello }"})
    transport.down.add("journal.test")
    down = await client.post("/graphql", json={"query": "{ hello journalHello }"})
    for response in (leaky, down):
        assert not any(secret in response.text for secret in INTERNALS), response.text
    assert codes(leaky.json()) == ["INTERNAL"]
    assert leaky.json()["data"]["hello"] == "Привет, мир"
    assert codes(down.json()) == ["SUBGRAPH_UNAVAILABLE"]
    assert down.json()["data"] is None  # journalHello is String!: null bubbles to the root


class Hanging(httpx.AsyncBaseTransport):
    """Hosts in ``hang`` never answer; the rest go to the test subgraphs."""

    def __init__(self, inner: RoutingTransport, hang: set[str]) -> None:
        self.inner, self.hang = inner, hang

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.hang:
            await asyncio.Event().wait()
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"gateway_subgraph_timeout_seconds": 0.05}, "SUBGRAPH_UNAVAILABLE"),
        ({"gateway_request_timeout_seconds": 0.05}, "TIMEOUT"),
    ],
)
async def test_timeouts_give_partial_data(
    transport: RoutingTransport,
    subgraphs: dict[str, Subgraph],
    settings: dict[str, Any],
    code: str,
) -> None:
    hanging = Hanging(transport, set())
    async with serve(transport, **settings) as (app, client):
        app.state.gateway.client.http = httpx.AsyncClient(transport=hanging)
        hanging.hang.add("people.test")
        response = await client.post("/graphql", json={"query": "{ leaky journalHello }"})
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"leaky": None, "journalHello": "журнал"}
    assert codes(body) == [code]
