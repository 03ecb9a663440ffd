"""The unit of work: one use case, one transaction, its events written to the outbox in it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self
from uuid import UUID

import orjson
from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.events import Envelope, Event, uuid7
from services.kernel.idempotency import record_key
from services.kernel.principal import Principal
from services.kernel.tables import event_tables

OUTBOX, INBOX = event_tables(MetaData())


class OutboxSignal:
    """Wakes the relay as soon as a transaction with events commits in this process."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            pass
        self._event.clear()


def outbox_row(envelope: Envelope, aggregate: str, namespace: str) -> dict[str, object]:
    return {
        "id": envelope.id,
        "subject": envelope.subject(namespace),
        "aggregate": aggregate,
        "envelope": envelope.model_dump(mode="json"),
    }


# Set by the consumer on the session it hands to a handler, so the handler can emit too.
NAMESPACE_KEY = "sgo.namespace"
EMITTED_KEY = "sgo.emitted"


async def emit_in(
    session: AsyncSession, event: Event, *, school_id: UUID | None, actor: UUID | None = None
) -> Envelope:
    """Emit from an event handler: the outbox row joins the handler's own transaction."""
    namespace = session.info.get(NAMESPACE_KEY)
    if not namespace:
        raise RuntimeError("emit_in() is for sessions handed to event handlers by the consumer")
    envelope = Envelope.wrap(event, school_id=school_id, actor=actor)
    await session.execute(insert(OUTBOX), [outbox_row(envelope, event.aggregate_id(), namespace)])
    session.info[EMITTED_KEY] = True
    return envelope


class UnitOfWork:
    """``async with UnitOfWork(...) as uow: ...; uow.emit(event); await uow.commit()``.

    Leaving the block without ``commit()`` rolls everything back, events included.
    """

    def __init__(
        self,
        db: Database,
        principal: Principal,
        *,
        namespace: str,
        signal: OutboxSignal | None = None,
        trace: dict[str, str] | None = None,
    ) -> None:
        self._db = db
        self.principal = principal
        self._namespace = namespace
        self._signal = signal
        self._trace = trace or {}
        self._pending: list[tuple[Envelope, str]] = []
        self._copied = False
        # What this unit of work has committed so far (e.g. for the reply to name revocations).
        self.committed: list[Envelope] = []
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._db.sessionmaker()
        await self.session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()
        self._pending.clear()
        self._copied = False

    def emit(self, event: Event, *, school_id: UUID | None) -> Envelope:
        envelope = Envelope.wrap(
            event, school_id=school_id, actor=self.principal.person_id, trace=self._trace
        )
        self._pending.append((envelope, event.aggregate_id()))
        return envelope

    async def commit(self) -> None:
        await record_key(self.session)  # a retried request's key commits with its write
        if self._pending:
            rows = [outbox_row(env, agg, self._namespace) for env, agg in self._pending]
            await self.session.execute(insert(OUTBOX), rows)
        await self.session.commit()
        self.committed.extend(envelope for envelope, _ in self._pending)
        had_events = bool(self._pending) or self._copied
        self._pending.clear()
        self._copied = False
        if had_events and self._signal is not None:
            self._signal.notify()

    async def driver_connection(self) -> Any:
        """The asyncpg connection under the session, inside this transaction (for ``COPY``)."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def emit_copied(self, events: Sequence[Event], *, school_id: UUID | None) -> int:
        """Many events at once (a bulk load): the same outbox rows as ``emit``, written now by
        one ``COPY`` in this transaction instead of one bound row each at commit."""
        if not events:
            return 0
        # One envelope's common part, serialised once; each event adds its id, type and payload.
        common = Envelope(
            type="",
            payload={},
            school_id=school_id,
            actor=self.principal.person_id,
            trace=self._trace,
        ).model_dump(mode="json")
        records = []
        for event in events:
            event_id = uuid7()
            envelope = {
                **common,
                "id": str(event_id),
                "type": event.type,
                "version": event.version,
                "payload": event.model_dump(mode="json"),
            }
            records.append(
                (
                    event_id,
                    f"{self._namespace}.{event.type}",
                    event.aggregate_id(),
                    orjson.dumps(envelope).decode(),
                )
            )
        conn = await self.driver_connection()
        await conn.copy_records_to_table(
            "outbox", records=records, columns=("id", "subject", "aggregate", "envelope")
        )
        self._copied = True
        return len(records)
