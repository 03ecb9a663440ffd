"""The NATS connection and the JetStream streams of sgo, created idempotently."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from services.kernel.events import stream_name
from services.kernel.shutdown import raise_if_cancelled

log = logging.getLogger("sgo.nats")

CONTEXTS = ("people", "journal", "messaging", "reports")
DUPLICATE_WINDOW_SECONDS = 120.0


async def connect(url: str, *, name: str, attempts: int | None = None) -> Client:
    """Connect, retrying until NATS answers (or ``attempts`` run out); reconnect forever after."""
    tried = 0
    while True:
        try:
            return await nats.connect(
                url,
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                allow_reconnect=True,
                error_cb=log_connection_error,
            )
        except Exception as exc:
            raise_if_cancelled()  # nats-py can swallow a stop request while it connects
            tried += 1
            if attempts is not None and tried >= attempts:
                raise
            log.warning("NATS at %s not reachable (%s); retrying", url, exc)
            await asyncio.sleep(min(0.2 * tried, 2.0))


async def log_connection_error(exc: Exception) -> None:
    """One line per failed attempt; nats-py's default logs a traceback every half second."""
    log.debug("NATS connection: %r", exc)


async def close_nats(nc: Client, timeout: float) -> None:
    """Close within ``timeout`` whatever the connection is doing (away, reconnecting)."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), timeout)
    raise_if_cancelled()  # nats-py's close swallows a cancel while it reconnects


def stream_config(namespace: str, context: str) -> StreamConfig:
    return StreamConfig(
        name=stream_name(namespace, context),
        subjects=[f"{namespace}.{context}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


async def ensure_streams(js: JetStreamContext, namespace: str) -> None:
    """Every context's stream and the dead-letter stream; safe to call from every replica."""
    configs = [stream_config(namespace, ctx) for ctx in CONTEXTS]
    configs.append(
        StreamConfig(
            name=stream_name(namespace, "dlq"),
            subjects=[f"{namespace}.dlq.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
        )
    )
    for config in configs:
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            try:
                await js.add_stream(config)
            except BadRequestError:
                pass  # another replica created it first
