"""Durable JetStream consumers: each event handled once, in one transaction with its inbox row.

Ack after commit; a failure is retried with back-off; after ``max_deliver`` attempts the
message is parked on ``<ns>.dlq.<service>.<type>`` and the stream goes on. While the
database is away no attempt is spent: the consumer holds its messages and waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.events import Envelope, stream_name
from services.kernel.nats import ensure_streams
from services.kernel.uow import EMITTED_KEY, INBOX, NAMESPACE_KEY, OutboxSignal

log = logging.getLogger("sgo.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
# Applies a batch's fresh events (in stream order) together, e.g. one statement per table.
BatchHandler = Callable[[AsyncSession, list[Envelope]], Awaitable[None]]
BACKOFF_SECONDS = (0.2, 1.0, 5.0, 15.0, 30.0)
# A batch's inbox rows as two arrays: one statement text whatever the batch's size, so it is
# compiled and prepared once (a VALUES list per batch cost more to compile than to run).
INBOX_BATCH = text(
    f"INSERT INTO {INBOX.name} (consumer, event_id, event_type) "
    "SELECT :consumer, * FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
DATABASE_RETRY_SECONDS = 0.5


@dataclass(frozen=True)
class Subscription:
    """What one service consumes from one publishing context."""

    context: str
    handlers: Mapping[str, Handler]  # event type -> handler
    # When set, a fetched batch's fresh events of the handled types go to it in one call
    # instead of one handler call each (a single redelivered event comes as a list of one).
    batch: BatchHandler | None = None
    # How many messages a fetch asks for (None: the consumer's default); a batch handler
    # that writes one statement a table gains from larger batches during a catch-up.
    fetch: int | None = None


class EventConsumer:
    def __init__(
        self,
        db: Database,
        nc: Client,
        *,
        service: str,
        subscription: Subscription,
        namespace: str,
        max_deliver: int = 5,
        batch: int = 64,
        ack_wait: float = 30.0,
        signal: OutboxSignal | None = None,
    ) -> None:
        self._db = db
        self._nc = nc
        self._js = nc.jetstream()
        self._service = service
        self._sub = subscription
        self._ns = namespace
        self._max_deliver = max_deliver
        self._batch = subscription.fetch or batch
        self._ack_wait = ack_wait
        self._signal = signal
        self._stopping = False
        self.durable = f"{service}-from-{subscription.context}"
        self.handled = 0

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self._max_deliver,
            ack_wait=self._ack_wait,
        )

    async def run(self) -> None:
        stream = stream_name(self._ns, self._sub.context)
        subject = f"{self._ns}.{self._sub.context}.>"
        while not self._stopping:
            try:
                psub = await self._js.pull_subscribe(
                    subject, durable=self.durable, stream=stream, config=self._config()
                )
                await self._pull(psub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Recreate the subscription (after a server restart an old one can go deaf), and
                # the streams, should the server have come back with an empty store.
                log.warning("%s: %s; resubscribing", self.durable, exc)
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await ensure_streams(self._js, self._ns)

    async def _pull(self, psub: object) -> None:
        idle = 0
        while not self._stopping:
            try:
                msgs: list[Msg] = await psub.fetch(self._batch, timeout=1.0)  # type: ignore[attr-defined]
            except TimeoutError:
                idle += 1
                if idle >= 30 and not self._nc.is_connected:
                    raise ConnectionError("NATS connection lost") from None
                continue
            idle = 0
            await self.handle_batch(msgs)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """A fetched batch in one transaction (replays and bursts); one by one if any fails."""
        if len(msgs) > 1:
            try:
                envelopes = [Envelope.model_validate_json(msg.data) for msg in msgs]
                async with self._session() as session, session.begin():
                    applied = await self._apply_batch(session, envelopes)
                self.handled += applied  # counted once committed: a failed batch is redone
                self._wake_relay(session)
                await asyncio.gather(*(msg.ack() for msg in msgs))
                return
            except Exception as exc:
                # Whatever failed is retried alone, so one bad event cannot hold the others.
                log.debug("%s: batch of %d failed (%r); one by one", self.durable, len(msgs), exc)
                await self._hold_while_database_away(msgs, exc)
        for msg in msgs:
            await self.handle(msg)

    async def _apply_batch(self, session: AsyncSession, envelopes: list[Envelope]) -> int:
        handled = [e for e in envelopes if e.type in self._sub.handlers]
        if not handled:
            return 0
        # One inbox statement for the batch; only events it had not seen run their handler.
        fresh = set(
            await session.scalars(
                INBOX_BATCH,
                {
                    "consumer": self.durable,
                    "ids": [e.id for e in handled],
                    "types": [e.type for e in handled],
                },
            )
        )
        todo: list[Envelope] = []
        for envelope in handled:
            if envelope.id in fresh:
                fresh.discard(envelope.id)  # a duplicate inside the batch runs once too
                todo.append(envelope)
        if self._sub.batch is not None:
            if todo:
                await self._sub.batch(session, todo)
            return len(todo)
        for envelope in todo:
            await self._sub.handlers[envelope.type](session, envelope)
        return len(todo)

    async def handle(self, msg: Msg) -> None:
        try:
            envelope = Envelope.model_validate_json(msg.data)
        except ValueError as exc:
            await self._dead_letter(msg, "unreadable", f"envelope: {exc}")
            return
        handler = self._sub.handlers.get(envelope.type)
        if handler is None:
            await msg.ack()
            return
        while True:
            try:
                await self.apply(envelope, handler)
                break
            except Exception as exc:
                if await self._hold_while_database_away([msg], exc):
                    continue  # the database failed, not the event: try again, not an attempt
                await self._retry_later(msg, envelope, exc)
                return
        await msg.ack()

    async def _retry_later(self, msg: Msg, envelope: Envelope, exc: Exception) -> None:
        """Nak with back-off, or park the message once its deliveries are spent."""
        attempt = msg.metadata.num_delivered
        if attempt >= self._max_deliver:
            log.error(
                "%s: %s parked after %d attempts: %r", self.durable, envelope.id, attempt, exc
            )
            await self._dead_letter(msg, envelope.type, repr(exc))
            return
        delay = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
        log.warning(
            "%s: %s failed (attempt %d): %r; retry in %.1fs",
            self.durable,
            envelope.id,
            attempt,
            exc,
            delay,
        )
        await msg.nak(delay=delay)

    async def _hold_while_database_away(self, msgs: list[Msg], exc: Exception) -> bool:
        """Wait until the database answers, keeping ``msgs`` ours; True if it was at fault.

        A nak per failure would spend the deliveries of good events during an outage (a
        restart or a failover) and park them on the dead-letter subject; instead the
        messages are marked in progress, so they are neither redelivered nor counted.
        """
        at_fault = False
        while not await self._db.ping():
            if not at_fault:
                log.warning("%s: database unavailable (%r); holding messages", self.durable, exc)
            at_fault = True
            for msg in msgs:
                with contextlib.suppress(Exception):  # NATS may be away too; ack_wait is long
                    await msg.in_progress()
            await asyncio.sleep(DATABASE_RETRY_SECONDS)
        return at_fault

    async def apply(self, envelope: Envelope, handler: Handler) -> bool:
        """Run the handler once per event id; returns False for a duplicate."""
        async with self._session() as session:
            async with session.begin():
                applied = await self._apply_in(session, envelope, handler)
            self.handled += applied  # counted once committed
            self._wake_relay(session)
            return applied

    def _session(self) -> AsyncSession:
        session = self._db.sessionmaker()
        session.info[NAMESPACE_KEY] = self._ns
        return session

    def _wake_relay(self, session: AsyncSession) -> None:
        if session.info.pop(EMITTED_KEY, False) and self._signal is not None:
            self._signal.notify()

    def stop(self) -> None:
        """Finish the message in hand and pull no more (a cancel alone can be swallowed)."""
        self._stopping = True

    async def _apply_in(self, session: AsyncSession, envelope: Envelope, handler: Handler) -> bool:
        inserted = await session.scalar(
            insert(INBOX)
            .values(consumer=self.durable, event_id=envelope.id, event_type=envelope.type)
            .on_conflict_do_nothing()
            .returning(INBOX.c.event_id)
        )
        if inserted is None:
            return False
        if self._sub.batch is not None:
            await self._sub.batch(session, [envelope])
        else:
            await handler(session, envelope)
        return True

    async def _dead_letter(self, msg: Msg, event_type: str, reason: str) -> None:
        subject = f"{self._ns}.dlq.{self._service}.{event_type}"
        headers = {"Sgo-Error": reason[:1000], "Sgo-Original-Subject": msg.subject}
        await self._js.publish(subject, msg.data, headers=headers)
        await msg.term()
