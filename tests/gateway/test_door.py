"""Limits at the door: rates per address, account and login, CORS, security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.door import RateLimit, is_login
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.settings import Settings
from tests.gateway.conftest import principal_with
from tests.gateway.edge import codes, serve
from tests.gateway.subgraphs import RoutingTransport

QUERY = {"query": "{ __typename }"}
LOGIN = {
    "query": "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { __typename } }",
    "variables": {"l": "anna", "p": "нет"},
}
OFF = {"gateway_rate_address_per_minute": 0, "gateway_rate_account_per_minute": 0}


@asynccontextmanager
async def door(
    transport: RoutingTransport, **settings: Any
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    async with serve(transport, **settings) as (app, client):
        yield app, client


def from_address(app: Starlette, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert codes(response.json()) == ["RATE_LIMITED"]
    assert "Слишком много запросов" in response.json()["errors"][0]["message"]


def test_bucket_refills_at_its_rate() -> None:
    limit = RateLimit(per_minute=60, burst=2)
    assert limit.take("a", 0.0) == 0 and limit.take("a", 0.0) == 0
    assert limit.take("a", 0.0) == 1.0  # one a second: the next token in a second
    assert limit.take("b", 0.0) == 0  # each key its own bucket
    assert limit.take("a", 1.0) == 0
    assert RateLimit(per_minute=0, burst=0).take("a", 0.0) == 0  # 0 is off


async def test_address_limit_refuses_with_429_and_spares_others(
    transport: RoutingTransport,
) -> None:
    settings = {"gateway_rate_address_per_minute": 1, "gateway_rate_address_burst": 3}
    async with door(transport, **settings) as (app, _):
        async with from_address(app, "10.0.0.1") as one, from_address(app, "10.0.0.2") as two:
            for _ in range(3):
                assert (await one.post("/graphql", json=QUERY)).status_code == 200
            refused = await one.post("/graphql", json=QUERY)
            assert_rate_limited(refused)
            assert int(refused.headers["retry-after"]) > 30  # one a minute
            assert (await two.post("/graphql", json=QUERY)).status_code == 200
            # Probes are never limited: an orchestrator must see the process is alive.
            assert (await one.get("/healthz")).status_code == 200
            assert (await one.get("/metrics")).status_code == 200


async def test_account_limit_follows_the_token_not_the_address(
    transport: RoutingTransport, keypair: tuple[str, str], token_for: Callable[[Principal], str]
) -> None:
    settings = {
        "gateway_rate_address_per_minute": 0,
        "gateway_rate_account_per_minute": 1,
        "gateway_rate_account_burst": 2,
        "jwt_public_key": keypair[1],
    }
    anna, boris = principal_with(Role.SUBJECT_TEACHER), principal_with(Role.SUBJECT_TEACHER)
    async with door(transport, **settings) as (app, _):
        async with from_address(app, "10.0.0.1") as one, from_address(app, "10.0.0.2") as two:
            headers = {"authorization": f"Bearer {token_for(anna)}"}
            assert (await one.post("/graphql", json=QUERY, headers=headers)).status_code == 200
            assert (await two.post("/graphql", json=QUERY, headers=headers)).status_code == 200
            assert_rate_limited(await one.post("/graphql", json=QUERY, headers=headers))
            other = {"authorization": f"Bearer {token_for(boris)}"}
            assert (await one.post("/graphql", json=QUERY, headers=other)).status_code == 200
            # A forged token spends no one's bucket; the gateway refuses it as before.
            forged = {"authorization": f"Bearer {token_for(anna)}x"}
            answer = await one.post("/graphql", json=QUERY, headers=forged)
            assert answer.status_code == 200 and codes(answer.json()) == ["UNAUTHENTICATED"]
            assert (await one.post("/graphql", json=QUERY)).status_code == 200


async def test_login_is_stricter_and_reaches_the_gateway_intact(
    transport: RoutingTransport,
) -> None:
    settings = {**OFF, "gateway_rate_login_per_minute": 1, "gateway_rate_login_burst": 2}
    async with door(transport, **settings) as (_, client):
        for _ in range(2):
            answer = await client.post("/graphql", json=LOGIN)
            # The body was read at the door and handed on whole: the gateway parsed it.
            assert answer.status_code == 200
            assert set(codes(answer.json())) == {"GRAPHQL_VALIDATION_FAILED"}
        assert_rate_limited(await client.post("/graphql", json=LOGIN))
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        # A body larger than the door reads is handed on whole too.
        padded = {"query": "# " + "ж" * 70_000 + "\n{ __typename }"}
        answer = await client.post("/graphql", json=padded)
        assert answer.status_code == 200 and answer.json()["data"] == {"__typename": "Query"}


def test_login_is_recognised_by_its_field_not_its_word() -> None:
    assert is_login(b'{"query": "mutation { login # x\\n (login: \\"a\\", password: \\"b\\") }"}')
    assert is_login(b'[{"query": "{ x }"}, {"query": "mutation { s: login(a: 1) }"}]')
    assert not is_login(b'{"query": "{ me { login } }"}')
    assert not is_login(b'{"query": "{ x }", "variables": {"login": "login("}}')
    assert not is_login(b"login(\x00 not json")


async def test_defaults_never_throttle_a_busy_client(transport: RoutingTransport) -> None:
    defaults = Settings()
    assert defaults.gateway_rate_login_burst >= 100
    async with door(transport) as (_, client):
        for _ in range(300):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200
        for _ in range(50):
            assert (await client.post("/graphql", json=LOGIN)).status_code == 200


async def test_no_cors_by_default(transport: RoutingTransport) -> None:
    async with door(transport) as (_, client):
        origin = {"origin": "https://school.example"}
        preflight = await client.options(
            "/graphql", headers={**origin, "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
        answer = await client.post("/graphql", json=QUERY, headers=origin)
        assert "access-control-allow-origin" not in answer.headers


async def test_cors_for_configured_origins_only(transport: RoutingTransport) -> None:
    origins = "https://school.example, https://parents.example/"
    async with door(transport, gateway_cors_origins=origins) as (_, client):
        for origin in ("https://school.example", "https://parents.example"):
            preflight = await client.options(
                "/graphql",
                headers={
                    "origin": origin,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "authorization, content-type",
                },
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == origin
            assert "POST" in preflight.headers["access-control-allow-methods"]
            assert "authorization" in preflight.headers["access-control-allow-headers"]
            answer = await client.post("/graphql", json=QUERY, headers={"origin": origin})
            assert answer.headers["access-control-allow-origin"] == origin
            assert "Origin" in answer.headers["vary"]
        stranger = {"origin": "https://evil.example", "access-control-request-method": "POST"}
        assert (await client.options("/graphql", headers=stranger)).status_code == 403
        answer = await client.post("/graphql", json=QUERY, headers={"origin": stranger["origin"]})
        assert "access-control-allow-origin" not in answer.headers


async def test_security_headers_and_the_console_keeps_its_policy(
    transport: RoutingTransport,
) -> None:
    async with door(transport, gateway_hsts_seconds=31536000) as (_, client):
        answer = await client.post("/graphql", json=QUERY)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert answer.headers["strict-transport-security"] == "max-age=31536000"
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert len(page.headers.get_list("content-security-policy")) == 1
    async with door(transport) as (_, client):
        answer = await client.post("/graphql", json=QUERY)
        assert "strict-transport-security" not in answer.headers
