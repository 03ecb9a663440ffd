"""Fixtures: the three test subgraphs in-process, a composed gateway app, tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.engine import Gateway
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.settings import Settings
from services.kernel.tokens import generate_keypair, issue_access_token
from tests.gateway.subgraphs import SECRET, RoutingTransport, Subgraph, make_subgraphs

URLS = {name: f"http://{name}.test/graphql" for name in ("people", "journal", "catalog")}


@pytest.fixture(scope="module")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def settings(keypair: tuple[str, str]) -> Settings:
    return Settings(internal_secret=SECRET, jwt_public_key=keypair[1], demo=False)


@pytest.fixture
def subgraphs() -> dict[str, Subgraph]:
    return make_subgraphs()


@pytest.fixture
def transport(subgraphs: dict[str, Subgraph]) -> RoutingTransport:
    return RoutingTransport({f"{name}.test": sg.app() for name, sg in subgraphs.items()})


@pytest.fixture
async def app(settings: Settings, transport: RoutingTransport) -> AsyncIterator[Starlette]:
    application = create_app(
        URLS,
        settings=settings,
        http_client=httpx.AsyncClient(transport=transport),
        follow_events=False,
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def gateway(app: Starlette) -> Gateway:
    return app.state.gateway


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as http:
        yield http


def principal_with(*roles: Role) -> Principal:
    return Principal(
        account_id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        login="anna",
        roles=tuple(RoleGrant(role) for role in roles),
    )


@pytest.fixture
def token_for(keypair: tuple[str, str]) -> Callable[[Principal], str]:
    def issue(principal: Principal) -> str:
        return issue_access_token(principal, keypair[0], 900).token

    return issue


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Callable[..., Any]:
    async def call(
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables, **extra}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    return call
