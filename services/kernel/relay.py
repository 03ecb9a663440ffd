"""The outbox relay: publishes committed events to JetStream, in order per aggregate.

Rows are published with ``Nats-Msg-Id`` = event id so the server drops a re-send inside its
duplicate window; the consumers' inbox handles any duplicate beyond it. One relay per
service database is active at a time (an advisory lock), which keeps the order of events
of one aggregate; aggregates are published concurrently and each waits for its acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from nats.js import JetStreamContext
from sqlalchemy import Row, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kernel.db import Database
from services.kernel.events import utcnow
from services.kernel.nats import ensure_streams
from services.kernel.shutdown import raise_if_cancelled
from services.kernel.uow import OUTBOX, OutboxSignal

log = logging.getLogger("sgo.relay")

_RELAY_LOCK_KEY = 0x5600_0002


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        js: JetStreamContext,
        *,
        signal: OutboxSignal,
        batch_size: int = 256,
        poll_seconds: float = 0.2,
        publish_timeout: float = 5.0,
        namespace: str | None = None,
    ) -> None:
        self._db = db
        self._js = js
        self._signal = signal
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._timeout = publish_timeout
        self._namespace = namespace
        self.published = 0

    async def run(self) -> None:
        backoff = self._poll
        while True:
            try:
                sent = await self.flush()
                backoff = self._poll
                if sent >= self._batch_size:
                    continue  # more may be waiting
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS or the database is away: keep the rows, try later
                raise_if_cancelled()  # nats-py swallows a cancel in places: stop means stop
                log.warning("outbox relay: %s; retrying", exc)
                backoff = min(backoff * 2, 5.0)
                await self._restore_streams()
            await self._signal.wait(backoff)

    async def _restore_streams(self) -> None:
        """A NATS that came back with an empty store has no streams to publish into."""
        if self._namespace is not None:
            with contextlib.suppress(Exception):
                await ensure_streams(self._js, self._namespace)

    async def flush(self) -> int:
        """Publish one batch; returns how many rows were marked published."""
        async with self._db.engine.connect() as conn, conn.begin():
            locked = await conn.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _RELAY_LOCK_KEY}
            )
            if not locked:
                return 0
            rows = (
                await conn.execute(
                    select(
                        OUTBOX.c.seq,
                        OUTBOX.c.id,
                        OUTBOX.c.subject,
                        OUTBOX.c.aggregate,
                        OUTBOX.c.envelope,
                    )
                    .where(OUTBOX.c.published_at.is_(None))
                    .order_by(OUTBOX.c.seq)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            done = await self._publish(rows)
            await self._mark_published(conn, done)
        # Outside the transaction: what was acknowledged stays marked even when some was not.
        if len(done) < len(rows):
            raise ConnectionError(f"{len(rows) - len(done)} events not acknowledged")
        return len(done)

    async def _publish(self, rows: Sequence[Row[Any]]) -> list[int]:
        chains: dict[str, list[Row[Any]]] = defaultdict(list)
        for row in rows:
            # Rows without an aggregate have no order to keep: each is its own chain.
            chains[row.aggregate or str(row.id)].append(row)
        done: list[int] = []

        async def publish_chain(chain: list[Row[Any]]) -> None:
            for row in chain:  # in order; stop at the first failure to keep the order
                await self._js.publish(
                    row.subject,
                    orjson.dumps(stamped(row)),
                    timeout=self._timeout,
                    headers={"Nats-Msg-Id": str(row.id)},
                )
                done.append(row.seq)

        results = await asyncio.gather(
            *(publish_chain(chain) for chain in chains.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.warning("outbox relay: publish failed: %r", result)
        self.published += len(done)
        return done

    @staticmethod
    async def _mark_published(conn: AsyncConnection, seqs: list[int]) -> None:
        if seqs:
            await conn.execute(
                update(OUTBOX).where(OUTBOX.c.seq.in_(seqs)).values(published_at=utcnow())
            )


def stamped(row: Row[Any]) -> dict[str, Any]:
    """The envelope with its aggregate and its outbox position, the order its consumers keep.

    The position is taken when the row is inserted, at commit time after the change's own
    row locks, so two events of one aggregate are numbered in the order they committed.
    """
    return {**row.envelope, "aggregate": row.aggregate, "sequence": row.seq}
