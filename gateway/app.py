"""The HTTP face: ``/graphql`` (GraphQL over HTTP, the console for browsers) and ``/healthz``."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from gateway.auth import authenticate
from gateway.bootstrap import (
    compose_from_subgraphs,
    load_supergraph_file,
    subgraph_urls_from_settings,
)
from gateway.console import console_asset, console_page
from gateway.door import Door
from gateway.engine import Gateway, GraphQLRequest, OperationNotAllowed
from gateway.errors import INTERNAL_MESSAGE, error
from gateway.fetch_guard import GuardedSubgraphClient
from gateway.files import file_endpoint, report_file_endpoint
from gateway.limits import Limits
from gateway.observability import error_codes, record, traceparent
from gateway.operation import RequestError
from gateway.revocation import RevocationList, follow_people_events
from gateway.subgraph_client import ClientInfo, default_http_client
from gateway.subscriptions import websocket_endpoint
from gateway.supergraph import Supergraph
from gateway.trusted_documents import TrustedDocuments
from services.kernel.errors import Unauthenticated, Unavailable
from services.kernel.principal import Principal
from services.kernel.settings import Settings, get_settings

log = logging.getLogger("sgo.gateway")

GRAPHQL_RESPONSE = "application/graphql-response+json"
# Error codes that mean "the same request may succeed in a moment": answered with Retry-After.
RETRYABLE = frozenset({Unavailable.code, "SUBGRAPH_UNAVAILABLE"})
JSON = "application/json"


class BadRequest(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request (400 for every client)."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The response media type for this Accept header; None when nothing offered fits.

    No Accept or ``*/*`` means ``application/json`` (legacy clients); an explicit
    ``application/graphql-response+json`` wins a tie.
    """
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        if media == GRAPHQL_RESPONSE:
            candidate, explicit = GRAPHQL_RESPONSE, 2
        elif media == JSON:
            candidate, explicit = JSON, 1
        elif media in ("application/*", "*/*"):
            candidate, explicit = JSON, 0
        else:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if best is None or (quality, explicit) > best[:2]:
            best = (quality, explicit, candidate)
    return best[2] if best else None


def _response(media_type: str, body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)


def _errors(media_type: str, message: str, code: str, status: int) -> Response:
    return _response(media_type, {"errors": [error(message, code)]}, status)


def _check_content_type(request: Request) -> None:
    raw = request.headers.get("content-type")
    if not raw:
        raise BadRequest("Укажите Content-Type: application/json.", 415)
    media, *params = (p.strip() for p in raw.split(";"))
    if media.lower() != JSON:
        raise BadRequest("Поддерживается только Content-Type: application/json.", 415)
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise BadRequest("Тело запроса должно быть в кодировке UTF-8.", 415)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest("Запрос слишком большой.", 413, "PAYLOAD_TOO_LARGE")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest("Запрос слишком большой.", 413, "PAYLOAD_TOO_LARGE")
        chunks.append(chunk)
    return b"".join(chunks)


def _json_param(params: Any, name: str) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Параметр {name} должен быть JSON.") from exc


async def _payloads(request: Request, settings: Settings) -> tuple[list[Any], bool]:
    """The request's operations (one, or a batch), and whether it was a batch."""
    if request.method == "GET":
        params = request.query_params
        payload = {
            "query": params.get("query"),
            "operationName": params.get("operationName"),
            "variables": _json_param(params, "variables"),
            "extensions": _json_param(params, "extensions"),
            "documentId": params.get("documentId"),
        }
        return [payload], False
    _check_content_type(request)
    body = await _read_body(request, settings.gateway_max_body_bytes)
    if not body:
        raise BadRequest("Тело запроса пустое.")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("Тело запроса должно быть JSON.") from exc
    if isinstance(payload, list):
        if settings.gateway_batch_max <= 0:
            raise BadRequest("Пакетные запросы отключены.", code="BATCHING_DISABLED")
        if not payload or len(payload) > settings.gateway_batch_max:
            raise BadRequest(
                f"В пакете должно быть от 1 до {settings.gateway_batch_max} операций.",
                code="BATCH_TOO_LARGE",
            )
        return payload, True
    return [payload], False


def _graphql_request(payload: Any, trusted: TrustedDocuments) -> GraphQLRequest:
    """Check the parameters' types, resolve a trusted document id to its text."""
    if not isinstance(payload, dict):
        raise BadRequest("Тело запроса должно быть JSON-объектом.")
    query, variables = payload.get("query"), payload.get("variables")
    name, extensions = payload.get("operationName"), payload.get("extensions")
    document_id = payload.get("documentId")
    if query is not None and not isinstance(query, str):
        raise BadRequest("Поле query должно быть строкой.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("Поле variables должно быть объектом.")
    if name is not None and not isinstance(name, str):
        raise BadRequest("Поле operationName должно быть строкой.")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("Поле extensions должно быть объектом.")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("Поле documentId должно быть строкой.")
    query = trusted.resolve(query, document_id, extensions)
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("Не передан запрос (query).")
    return GraphQLRequest(query, variables, name)


@dataclass
class _Outcome:
    body: dict[str, Any]
    status: int
    operation_type: str
    operation_name: str | None
    outcome: str  # ok | errors (partial) | rejected (request error) | failed (internal)


async def _run_one(
    request: Request,
    gateway: Gateway,
    principal: Principal,
    parent: str,
    payload: Any,
    media_type: str,
) -> _Outcome:
    name = payload.get("operationName") if isinstance(payload, dict) else None
    name = name if isinstance(name, str) else None
    try:
        parsed = _graphql_request(payload, request.app.state.trusted)
        result = await gateway.execute(
            parsed,
            principal,
            parent,
            mutations_allowed=request.method == "POST",
            client=ClientInfo(
                address=request.client.host if request.client else None,
                user_agent=request.headers.get("user-agent"),
                idempotency_key=request.headers.get("idempotency-key"),
            ),
        )
    except BadRequest as exc:
        return _Outcome(
            {"errors": [error(exc.message, exc.code)]}, exc.status, "unknown", name, "rejected"
        )
    except RequestError as exc:
        status = 400 if media_type == GRAPHQL_RESPONSE else 200
        return _Outcome({"errors": exc.errors}, status, "unknown", name, "rejected")
    if result.request_error:
        status = 400 if media_type == GRAPHQL_RESPONSE else 200
        return _Outcome(result.body, status, result.operation_type, name, "rejected")
    outcome = "errors" if result.body.get("errors") else "ok"
    return _Outcome(result.body, 200, result.operation_type, name, outcome)


async def graphql_endpoint(request: Request) -> Response:
    started = time.perf_counter()
    gateway: Gateway | None = getattr(request.app.state, "gateway", None)
    accept = request.headers.get("accept")
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and "documentId" not in request.query_params
        and accept
        and "text/html" in accept
    ):
        return console_page()
    media_type = negotiate(accept)
    if media_type is None:
        return _errors(JSON, "Ответ возможен только в формате JSON.", "NOT_ACCEPTABLE", 406)
    if gateway is None:
        response = _errors(media_type, "Шлюз запускается.", "UNAVAILABLE", 503)
        response.headers["retry-after"] = str(Unavailable.retry_after_seconds)
        return response
    settings: Settings = request.app.state.settings
    parent = traceparent(request.headers.get("traceparent"))
    response, outcomes = await _handle(request, gateway, settings, parent, media_type)
    response.headers["traceparent"] = parent
    seconds = time.perf_counter() - started
    retry = False
    for item in outcomes:
        codes = error_codes(item.body)
        retry = retry or not RETRYABLE.isdisjoint(codes)
        record(
            parent=parent,
            operation_type=item.operation_type,
            operation_name=item.operation_name,
            outcome=item.outcome,
            status=response.status_code,
            seconds=seconds,
            codes=codes,
        )
    if retry:  # a subgraph or its database is away for a moment: say when to try again
        response.headers["retry-after"] = str(Unavailable.retry_after_seconds)
    return response


async def _handle(
    request: Request, gateway: Gateway, settings: Settings, parent: str, media_type: str
) -> tuple[Response, list[_Outcome]]:
    try:
        payloads, batch = await _payloads(request, settings)
        principal = authenticate(
            request.headers.get("authorization"), settings.jwt_public_key, gateway.revocations
        )
        if batch:
            outcomes = list(
                await asyncio.gather(
                    *(
                        _run_one(request, gateway, principal, parent, p, media_type)
                        for p in payloads
                    )
                )
            )
            return _response(media_type, [o.body for o in outcomes]), outcomes
        outcome = await _run_one(request, gateway, principal, parent, payloads[0], media_type)
    except BadRequest as exc:
        outcome = _Outcome(
            {"errors": [error(exc.message, exc.code)]}, exc.status, "unknown", None, "rejected"
        )
    except Unauthenticated as exc:
        status = 401 if media_type == GRAPHQL_RESPONSE else 200
        outcome = _Outcome(
            {"errors": [error(exc.message, exc.code)]}, status, "unknown", None, "rejected"
        )
    except OperationNotAllowed:
        outcome = _Outcome(
            {"errors": [error("Изменения — только методом POST.", "BAD_REQUEST")]},
            405,
            "mutation",
            None,
            "rejected",
        )
        response = _response(media_type, outcome.body, 405)
        response.headers["allow"] = "POST"
        return response, [outcome]
    except Exception:
        # Never a stack trace, host or SQL to the client; the log has the details.
        log.exception("gateway failure")
        outcome = _Outcome(
            {"errors": [error(INTERNAL_MESSAGE, "INTERNAL")]}, 500, "unknown", None, "failed"
        )
    return _response(media_type, outcome.body, outcome.status), [outcome]


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def healthz(request: Request) -> Response:
    ready = getattr(request.app.state, "gateway", None) is not None
    return Response(
        orjson.dumps({"status": "ok" if ready else "starting"}),
        status_code=200 if ready else 503,
        media_type=JSON,
    )


async def _subgraph_ready(http: httpx.AsyncClient, url: str) -> bool:
    base = url.removesuffix("/graphql")
    try:
        return (await http.get(f"{base}/readyz", timeout=2.0)).status_code == 200
    except httpx.HTTPError:
        return False


async def readyz(request: Request) -> Response:
    """Ready when composed, following revocations on NATS, and every subgraph is ready.

    The body names each dependency, false for one that is down.
    """
    gateway: Gateway | None = getattr(request.app.state, "gateway", None)
    if gateway is None:
        body: dict[str, Any] = {"ready": False, "composed": False}
        return Response(orjson.dumps(body), status_code=503, media_type=JSON)
    urls = dict(gateway.client.urls)
    http = gateway.client.http
    answers = await asyncio.gather(*(_subgraph_ready(http, url) for url in urls.values()))
    subgraphs = dict(zip(urls, answers, strict=True))
    nats = not request.app.state.follows_events or gateway.revocations.following
    ready = nats and all(answers)
    body = {"ready": ready, "composed": True, "nats": nats, "subgraphs": subgraphs}
    status = 200 if ready else 503
    return Response(orjson.dumps(body), status_code=status, media_type=JSON)


def _introspection(settings: Settings, override: bool | None) -> bool:
    if override is not None:
        return override
    if settings.gateway_introspection is not None:
        return settings.gateway_introspection
    return settings.demo


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
        client = GuardedSubgraphClient(http, urls, cfg.gateway_subgraph_timeout_seconds)
        app.state.trusted = TrustedDocuments.from_settings(cfg)
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
            introspection=_introspection(cfg, introspection),
            limits=Limits.from_settings(cfg),
            request_timeout=cfg.gateway_request_timeout_seconds,
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
                # Bounded: a NATS client mid-reconnect can hold a cancel (services.kernel.shutdown).
                await asyncio.wait({follower}, timeout=cfg.shutdown_timeout_seconds * 0.3)
            if http_client is None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(http.aclose(), 1.0)
            app.state.gateway = None

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            WebSocketRoute("/graphql", websocket_endpoint),
            Route("/files/{token}", file_endpoint, methods=["GET"]),  # lessons: homework files
            Route("/console/{name}", console_asset, methods=["GET"]),  # the browser console
            # reports: ordered report files and archived sheets
            Route("/report-files/{token}", report_file_endpoint, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[Middleware(Door)],  # rates, CORS, security headers (gateway.door)
    )
    app.state.gateway = None
    app.state.follows_events = follow_events
    return app
