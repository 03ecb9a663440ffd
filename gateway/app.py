"""The HTTP face: ``/graphql`` (GraphQL over HTTP, GraphiQL for browsers) and ``/healthz``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.auth import authenticate, traceparent
from gateway.bootstrap import (
    compose_from_subgraphs,
    load_supergraph_file,
    subgraph_urls_from_settings,
)
from gateway.engine import Gateway, GraphQLRequest, OperationNotAllowed
from gateway.errors import INTERNAL_MESSAGE, error
from gateway.graphiql import GRAPHIQL_HTML
from gateway.revocation import RevocationList, follow_people_events
from gateway.subgraph_client import ClientInfo, SubgraphClient, default_http_client
from gateway.supergraph import Supergraph
from services.kernel.errors import Unauthenticated
from services.kernel.settings import Settings, get_settings

log = logging.getLogger("sgo.gateway")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _media_type(request: Request) -> str:
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in request.headers.get("accept", "") else JSON


def _respond(request: Request, body: dict[str, Any], status: int = 200) -> Response:
    media_type = _media_type(request)
    if media_type == JSON and status == 400:
        status = 200  # legacy application/json clients expect 200 with errors
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)


def _bad_request(request: Request, message: str) -> Response:
    return _respond(request, {"errors": [error(message, "BAD_REQUEST")]}, 400)


async def _read_request(request: Request) -> GraphQLRequest | str:
    """The GraphQL request from a POST body or GET parameters, or why it is unreadable."""
    if request.method == "GET":
        params = request.query_params
        raw_variables = params.get("variables")
        try:
            variables = orjson.loads(raw_variables) if raw_variables else None
        except orjson.JSONDecodeError:
            return "Параметр variables должен быть JSON."
        query, name = params.get("query"), params.get("operationName")
    else:
        try:
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return "Тело запроса должно быть JSON."
        if not isinstance(payload, dict):
            return "Тело запроса должно быть JSON-объектом."
        query, variables, name = (
            payload.get("query"),
            payload.get("variables"),
            payload.get("operationName"),
        )
    if not isinstance(query, str) or not query.strip():
        return "Не передан запрос (query)."
    if variables is not None and not isinstance(variables, dict):
        return "Поле variables должно быть объектом."
    if name is not None and not isinstance(name, str):
        return "Поле operationName должно быть строкой."
    return GraphQLRequest(query, variables, name)


async def graphql_endpoint(request: Request) -> Response:
    gateway: Gateway | None = getattr(request.app.state, "gateway", None)
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    ):
        return HTMLResponse(GRAPHIQL_HTML)
    if gateway is None:
        return _respond(request, {"errors": [error("Шлюз запускается.", "UNAVAILABLE")]}, 503)
    parsed = await _read_request(request)
    if isinstance(parsed, str):
        return _bad_request(request, parsed)
    settings: Settings = request.app.state.settings
    try:
        principal = authenticate(
            request.headers.get("authorization"), settings.jwt_public_key, gateway.revocations
        )
    except Unauthenticated as exc:
        return _respond(request, {"errors": [error(exc.message, exc.code)]})
    try:
        result = await gateway.execute(
            parsed,
            principal,
            traceparent(request.headers.get("traceparent")),
            mutations_allowed=request.method == "POST",
            client=ClientInfo(
                address=request.client.host if request.client else None,
                user_agent=request.headers.get("user-agent"),
            ),
        )
    except OperationNotAllowed:
        response = _respond(
            request, {"errors": [error("Изменения — только методом POST.", "BAD_REQUEST")]}, 405
        )
        response.headers["allow"] = "POST"
        return response
    except Exception:
        # Never a stack trace, host or SQL to the client; the log has the details.
        log.exception("gateway failure")
        return _respond(request, {"errors": [error(INTERNAL_MESSAGE, "INTERNAL")]}, 500)
    return _respond(request, result.body, 400 if result.request_error else 200)


async def healthz(request: Request) -> Response:
    ready = getattr(request.app.state, "gateway", None) is not None
    return Response(
        orjson.dumps({"status": "ok" if ready else "starting"}),
        status_code=200 if ready else 503,
        media_type=JSON,
    )


def create_app(
    subgraphs: dict[str, str] | None = None,
    *,
    settings: Settings | None = None,
    http_client: httpx.AsyncClient | None = None,
    supergraph: Supergraph | None = None,
    supergraph_file: str | None = None,
    introspection: bool | None = None,
    follow_events: bool = True,
    startup_timeout: float = 60.0,
    revocations: RevocationList | None = None,
) -> Starlette:
    """The gateway ASGI app; it composes the supergraph on startup.

    ``subgraphs`` maps name -> URL (default: the four services from settings);
    ``http_client`` lets tests route subgraph calls in-process; ``supergraph`` or
    ``supergraph_file`` skip composition; ``follow_events`` starts the NATS revocation feed.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        cfg = settings or get_settings()
        app.state.settings = cfg
        http = http_client or default_http_client()
        urls = subgraphs or subgraph_urls_from_settings(cfg)
        client = SubgraphClient(http, urls)
        if supergraph is not None:
            graph = supergraph
        elif supergraph_file:
            graph = load_supergraph_file(supergraph_file)
        else:
            graph = await compose_from_subgraphs(client, cfg.internal_secret, startup_timeout)
        if supergraph is not None or supergraph_file:
            client.urls = {**graph.urls, **(subgraphs or {})}
        revoked = revocations or RevocationList()
        app.state.gateway = Gateway(
            graph,
            client,
            cfg.internal_secret,
            revoked,
            introspection=cfg.demo if introspection is None else introspection,
        )
        follower = (
            asyncio.create_task(follow_people_events(revoked, cfg.nats_url, cfg.namespace))
            if follow_events
            else None
        )
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            if http_client is None:
                await http.aclose()
            app.state.gateway = None

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = None
    return app
