"""Stopping a process in bounded time: SIGTERM or SIGINT ends every sgo process promptly.

Whatever NATS and PostgreSQL are doing (away, reconnecting, mid-publish), a stop signal ends
the process within ``SGO_SHUTDOWN_TIMEOUT_SECONDS``:

- before the server has started, nothing has been served and nothing is in flight: the
  process exits at once (a transaction left open, e.g. a migration, is rolled back by
  PostgreSQL when the connection drops);
- once serving, open requests get part of the bound to finish, then the app's shutdown runs
  (its consumers finish the message in hand or leave it unacknowledged for redelivery);
- tasks that swallowed their cancellation (nats-py does while it reconnects) are abandoned;
- a watchdog thread ends the process if all of that still overruns the bound;
- once shut down, the process leaves without the interpreter's slow teardown.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger("sgo.shutdown")

# Shares of the bound: open connections first, then the app's own shutdown; the rest is margin.
CONNECTIONS_SHARE = 0.4
LEFTOVER_SECONDS = 0.5
FORCED_EXIT_CODE = 70  # EX_SOFTWARE: the bound was overrun, something is stuck


def exit_now(code: int) -> None:
    """Leave without running finalizers (they may wait on a dead connection)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed pipe must not stop the exit
            pass
    os._exit(code)


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that a library swallowed (nats-py does while reconnecting).

    A loop that retries must not go round again once its task was asked to stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class BoundedServer(uvicorn.Server):
    """uvicorn's server whose stop on a signal is bounded by ``bound`` seconds."""

    def __init__(self, config: uvicorn.Config, bound: float) -> None:
        super().__init__(config)
        self.bound = bound
        self._watchdog: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        first = self._watchdog is None
        super().handle_exit(sig, frame)
        # Stopped on request: exit 0 afterwards rather than re-raise the signal on ourselves.
        self._captured_signals.clear()
        if not self.started:
            exit_now(0)
        if first:
            self._watchdog = threading.Timer(self.bound, self._overrun)
            self._watchdog.daemon = True
            self._watchdog.start()

    def _overrun(self) -> None:
        log.error("did not stop within %.0fs of the stop signal; exiting", self.bound)
        exit_now(FORCED_EXIT_CODE)


async def _serve(server: BoundedServer) -> None:
    await server.serve()
    # Whatever background work is left: cancel it, wait briefly, and abandon what ignores it
    # (asyncio.run would otherwise wait for it forever).
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in leftover:
        task.cancel()
    if leftover:
        _, pending = await asyncio.wait(leftover, timeout=LEFTOVER_SECONDS)
        if pending:
            names = ", ".join(sorted(t.get_name() for t in pending))
            log.warning("abandoning tasks that ignored their cancellation: %s", names)
            exit_now(0)


def run(app: Any, *, host: str, port: int, bound: float, **options: Any) -> None:
    """Serve ``app`` (an ASGI app, or an import string with ``factory=True``) until stopped."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        timeout_graceful_shutdown=max(1, round(bound * CONNECTIONS_SHARE)),
        **options,
    )
    server = BoundedServer(config, bound)
    asyncio.run(_serve(server))
    if not server.started:  # start-up failed (a stop signal before it exits at once)
        sys.exit(3)
    # Everything of ours is closed. Tearing down the interpreter of a large app takes seconds
    # (measured: 3 s of a service's 4.5 s stop), spent on nothing anyone waits for.
    logging.shutdown()
    exit_now(0)
