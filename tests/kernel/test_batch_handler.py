"""A subscription's batch handler gets a fetched batch's fresh events in one call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import EventConsumer, Subscription
from services.kernel.db import Database, new_metadata
from services.kernel.events import Envelope
from services.kernel.nats import connect, ensure_streams
from services.kernel.tables import event_tables
from tests.kernel.test_eventing import ThingCounted, _consumer_drained, effects, publish
from tests.support import Infra, eventually


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[Database]:
    url = await infra.empty_database()
    metadata = new_metadata()
    event_tables(metadata)
    database = Database.connect(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(text("CREATE TABLE effects (event_id uuid, thing text, n int)"))
    yield database
    await database.dispose()


async def drained(js: JetStreamContext, namespace: str, durable: str) -> bool:
    try:
        return await _consumer_drained(js, namespace, durable)
    except NotFoundError:  # not created yet
        return False


async def _effects(db: Database, n: int) -> bool:
    return len(await effects(db)) == n


async def test_a_batch_handler_applies_a_fetch_in_one_call_and_skips_what_it_has_seen(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="batch-handler-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    calls: list[list[int]] = []

    async def apply_all(session: AsyncSession, envelopes: list[Envelope]) -> None:
        calls.append([e.payload["n"] for e in envelopes])
        await session.execute(
            text("INSERT INTO effects VALUES (:id, :thing, :n)"),
            [{"id": e.id, "thing": e.payload["thing"], "n": e.payload["n"]} for e in envelopes],
        )

    async def never(session: AsyncSession, envelope: Envelope) -> None:
        raise AssertionError("a subscription with a batch handler calls it instead")

    sub = Subscription(context="journal", handlers={ThingCounted.type: never}, batch=apply_all)
    first = [await publish(js, namespace, ThingCounted(thing="x", n=n)) for n in (1, 2, 3, 4)]
    consumer = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    task = asyncio.create_task(consumer.run())  # the four arrive in one fetch
    try:
        await eventually(lambda: drained(js, namespace, consumer.durable))
        assert calls == [[1, 2, 3, 4]]
        # A redelivered event (past the stream's de-duplication) and a new one: only the new
        # one reaches the handler.
        await js.publish(
            first[0].subject(namespace),
            first[0].model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"{first[0].id}-again"},
        )
        await publish(js, namespace, ThingCounted(thing="x", n=5))
        await eventually(lambda: _effects(db, 5))
        await eventually(lambda: drained(js, namespace, consumer.durable))
        assert calls == [[1, 2, 3, 4], [5]]
        assert sorted(n for _, _, n in await effects(db)) == [1, 2, 3, 4, 5]
        assert consumer.handled == 5
    finally:
        task.cancel()
        await nc.close()
