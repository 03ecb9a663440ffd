"""One app factory: /graphql (a federation subgraph), /healthz, /readyz and /metrics.

Start-up applies the service's migrations, connects to NATS (retrying in the background, so
a service comes up while NATS is away and /readyz says so), creates the streams, and starts
the outbox relay and the service's consumers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import strawberry
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from services.kernel import migrations, shutdown
from services.kernel.consumer import EventConsumer, Subscription
from services.kernel.db import Database
from services.kernel.errors import Unauthenticated
from services.kernel.graphql import Runtime, ServiceContext
from services.kernel.idempotency import IdempotentRequests, has_table
from services.kernel.nats import close_nats, connect, ensure_streams
from services.kernel.principal import PRINCIPAL_HEADER, decode_principal_header
from services.kernel.relay import OutboxRelay
from services.kernel.settings import Settings, get_settings

log = logging.getLogger("sgo.app")

REQUESTS = Counter("sgo_graphql_requests_total", "GraphQL requests", ["service"])
LATENCY = Histogram("sgo_graphql_seconds", "GraphQL request latency", ["service"])

# The W3C trace id of the request being served, on every log record as ``trace_id``.
TRACE_ID: contextvars.ContextVar[str] = contextvars.ContextVar("sgo_trace_id", default="-")
_record_factory = logging.getLogRecordFactory()


def _record_with_trace(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    record = _record_factory(*args, **kwargs)
    record.trace_id = TRACE_ID.get()
    return record


logging.setLogRecordFactory(_record_with_trace)


def trace_id_of(traceparent: str | None) -> str:
    """The trace id of a ``00-<trace>-<span>-<flags>`` header, or "-"."""
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else "-"


class GraphQLMetrics:
    """Counts and times ``/graphql`` requests and sets the trace id for their log records.

    Plain ASGI: ``@app.middleware("http")`` would run every request in an extra task with
    in-memory streams, a cost each GraphQL request paid for a counter and a timer.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        traceparent = next((v for k, v in scope["headers"] if k == b"traceparent"), None)
        TRACE_ID.set(trace_id_of(traceparent.decode("latin-1") if traceparent else None))
        REQUESTS.labels(self.service).inc()
        with LATENCY.labels(self.service).time():
            await self.app(scope, receive, send)


@dataclass
class ServiceSpec:
    """What makes one service itself; everything else is the same for all four."""

    name: str
    schema: strawberry.federation.Schema
    migrations_dir: Path
    subscriptions: Sequence[Subscription] = ()
    # Extra start-up work with the runtime ready (e.g. warming a cache).
    on_startup: Sequence[Callable[[Runtime], Awaitable[None]]] = field(default_factory=tuple)


class Background:
    """The service's long-running tasks, started after NATS answers."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []
        self.nats_ready = asyncio.Event()
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []

    async def stop(self, timeout: float = 5.0) -> None:
        for consumer in self.consumers:
            consumer.stop()
        # A consumer mid-batch finishes it (commit and ack) if it can within half the time;
        # cancelled later, its uncommitted batch is redelivered, never half-applied.
        consuming = [t for t in self.tasks if t.get_name() in {c.durable for c in self.consumers}]
        if consuming:
            await asyncio.wait(consuming, timeout=timeout / 2)
        for task in self.tasks:
            task.cancel()
        # A cancel can be swallowed inside a NATS fetch; never let that hold the shutdown.
        _, pending = await asyncio.wait(self.tasks, timeout=timeout / 2) if self.tasks else ((), ())
        for task in pending:
            log.warning("task %s did not stop within %.0fs", task.get_name(), timeout)


async def _start_eventing(spec: ServiceSpec, runtime: Runtime, bg: Background) -> None:
    settings = runtime.settings
    nc = await connect(settings.nats_url, name=f"sgo-{spec.name}")
    runtime.extras["nats"] = nc
    js = nc.jetstream()
    while True:
        try:
            await ensure_streams(js, settings.namespace)
            break
        except Exception as exc:
            log.warning("streams not ready (%s); retrying", exc)
            await asyncio.sleep(1.0)
    bg.relay = OutboxRelay(
        runtime.db,
        js,
        signal=runtime.signal,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        namespace=settings.namespace,
    )
    bg.tasks.append(asyncio.create_task(bg.relay.run(), name=f"{spec.name}-relay"))
    for sub in spec.subscriptions:
        consumer = EventConsumer(
            runtime.db,
            nc,
            service=spec.name,
            subscription=sub,
            namespace=settings.namespace,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
            signal=runtime.signal,
        )
        bg.consumers.append(consumer)
        bg.tasks.append(asyncio.create_task(consumer.run(), name=consumer.durable))
    bg.nats_ready.set()


async def _holds(check: Awaitable[bool], timeout: float = 5.0) -> bool:
    """A readiness check: false when it fails or does not answer in time."""
    try:
        return bool(await asyncio.wait_for(check, timeout))
    except Exception:
        return False


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrations.upgrade(settings.database_url, spec.migrations_dir)
        runtime = Runtime(
            name=spec.name, settings=settings, db=Database.connect(settings.database_url)
        )
        runtime.extras["idempotency"] = await has_table(runtime.db)
        bg = Background()
        app.state.runtime = runtime
        app.state.background = bg
        for hook in spec.on_startup:
            await hook(runtime)
        bg.tasks.append(asyncio.create_task(_start_eventing(spec, runtime, bg), name="eventing"))
        try:
            yield
        finally:
            # Bounded at every step: NATS or PostgreSQL may be away (services.kernel.shutdown).
            bound = settings.shutdown_timeout_seconds
            bg.tasks.extend(runtime.tasks)
            await bg.stop(timeout=bound * 0.3)
            nc = runtime.extras.get("nats")
            if nc is not None:
                await close_nats(nc, timeout=bound * 0.1)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runtime.db.dispose(), bound * 0.1)

    app = FastAPI(title=f"sgo {spec.name}", lifespan=lifespan, docs_url=None, redoc_url=None)

    # HTTPConnection: the same principal header arrives on /graphql's WebSocket handshake.
    async def context_getter(request: HTTPConnection) -> ServiceContext:
        principal = decode_principal_header(
            request.headers.get(PRINCIPAL_HEADER), settings.internal_secret
        )
        trace = (
            {"traceparent": request.headers["traceparent"]}
            if "traceparent" in request.headers
            else {}
        )
        return ServiceContext(request.app.state.runtime, principal, trace)

    router: GraphQLRouter[ServiceContext, None] = GraphQLRouter(
        spec.schema,
        context_getter=context_getter,
        graphql_ide=None,
        multipart_uploads_enabled=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        body = {"data": None, "errors": [{"message": exc.message, "extensions": exc.extensions}]}
        return JSONResponse(body, status_code=401)

    app.add_middleware(IdempotentRequests, secret=settings.internal_secret)
    app.add_middleware(GraphQLMetrics, service=spec.name)

    app.include_router(router, prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        bg: Background = request.app.state.background
        nc = runtime.extras.get("nats")
        # Each dependency answers for itself, false when it is down (never a 500, never a hang).
        database = await _holds(runtime.db.ping())
        checks = {
            "database": database,
            "migrations": database
            and await _holds(migrations.is_current(settings.database_url, spec.migrations_dir)),
            "nats": bool(nc is not None and nc.is_connected and bg.nats_ready.is_set()),
        }
        return JSONResponse(
            {"ready": all(checks.values()), **checks},
            status_code=200 if all(checks.values()) else 503,
        )

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(module_app: str, default_port: int) -> None:
    """Body of each service's ``__main__``: uvicorn on ``SGO_PORT``, stopped in bounded time."""
    logging.basicConfig(
        level=os.environ.get("SGO_LOG_LEVEL", "INFO"),
        format="%(levelname)s %(name)s [trace %(trace_id)s]: %(message)s",
    )
    shutdown.run(
        module_app,
        host=os.environ.get("SGO_HOST", "127.0.0.1"),
        port=int(os.environ.get("SGO_PORT", default_port)),
        bound=get_settings().shutdown_timeout_seconds,
        log_level="warning",
        factory=True,
    )
