"""HTTP calls to subgraphs: one pooled client, orjson bodies, the signed principal header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from services.kernel.principal import PRINCIPAL_HEADER, Principal, encode_principal_header

SDL_QUERY = "{ _service { sdl } }"
CLIENT_ADDRESS_HEADER = "x-sgo-client-address"
CLIENT_AGENT_HEADER = "x-sgo-client-agent"
IDEMPOTENCY_HEADER = "idempotency-key"  # the client's, passed on: the subgraph keeps the key


class SubgraphUnavailable(Exception):
    """The subgraph did not answer with a GraphQL response."""


def default_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=2.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )


@dataclass(frozen=True)
class ClientInfo:
    """Where the request came from, as the gateway saw it: for login throttling and sessions."""

    address: str | None = None
    user_agent: str | None = None
    idempotency_key: str | None = None


def principal_headers(
    principal: Principal, secret: str, traceparent: str, client: ClientInfo | None = None
) -> dict[str, str]:
    """What every subgraph request carries; the client's Authorization never does."""
    headers = {
        PRINCIPAL_HEADER: encode_principal_header(principal, secret),
        "traceparent": traceparent,
    }
    if client is not None and client.address:
        headers[CLIENT_ADDRESS_HEADER] = client.address
    if client is not None and client.user_agent:
        headers[CLIENT_AGENT_HEADER] = client.user_agent[:300]
    if client is not None and client.idempotency_key is not None:
        headers[IDEMPOTENCY_HEADER] = client.idempotency_key
    return headers


class SubgraphClient:
    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self.http = http
        self.urls = urls

    async def post(
        self,
        subgraph: str,
        query: str,
        variables: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        try:
            response = await self.http.post(
                self.urls[subgraph],
                content=orjson.dumps(body),
                headers={
                    "content-type": "application/json",
                    "accept": "application/graphql-response+json, application/json",
                    **headers,
                },
            )
        except httpx.HTTPError as exc:
            raise SubgraphUnavailable(f"{subgraph}: {type(exc).__name__}") from exc
        try:
            result = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SubgraphUnavailable(f"{subgraph}: HTTP {response.status_code}") from exc
        if not isinstance(result, dict) or not ("data" in result or "errors" in result):
            raise SubgraphUnavailable(f"{subgraph}: HTTP {response.status_code}")
        return result

    async def fetch_sdl(self, subgraph: str, headers: dict[str, str]) -> str:
        result = await self.post(subgraph, SDL_QUERY, None, headers)
        try:
            return str(result["data"]["_service"]["sdl"])
        except (KeyError, TypeError) as exc:
            raise SubgraphUnavailable(f"{subgraph}: no SDL in the answer") from exc
