"""A change plus its event: the unit of work against raw asyncpg, the relay against raw NATS."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import ClassVar
from uuid import UUID

import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import EventConsumer, Subscription
from services.kernel.db import Database, new_metadata
from services.kernel.events import Envelope, Event, uuid7
from services.kernel.nats import connect, ensure_streams
from services.kernel.principal import Principal
from services.kernel.relay import OutboxRelay
from services.kernel.tables import event_tables
from services.kernel.uow import OutboxSignal, UnitOfWork
from tests.support import Infra, asyncpg_dsn, new_namespace

N = 2000
CONCURRENCY = 16


class MarkRecorded(Event):
    type: ClassVar[str] = "journal.mark.recorded"
    mark_id: UUID
    value: int

    def aggregate_id(self) -> str:
        return str(self.mark_id)


async def _timed(n: int, op, concurrency: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            start = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


def _row(label: str, elapsed: float, latencies: list[float], n: int) -> float:
    rate = n / elapsed
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    print(f"{label:<52} {rate:>9.0f}/s   p50 {p50:6.2f} ms")
    return rate


async def run(infra: Infra) -> None:
    url = await infra.empty_database()
    metadata = new_metadata()
    event_tables(metadata)
    db = Database.connect(url, pool_size=CONCURRENCY)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(text("CREATE TABLE marks (id uuid PRIMARY KEY, value int)"))
    namespace = new_namespace()

    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=CONCURRENCY, max_size=CONCURRENCY)

    async def raw(i: int) -> None:
        mark_id = uuid7()
        env = Envelope.wrap(MarkRecorded(mark_id=mark_id, value=5), school_id=None, actor=None)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO marks VALUES ($1, $2)", mark_id, 5)
            await conn.execute(
                "INSERT INTO outbox (id, subject, aggregate, envelope) VALUES ($1,$2,$3,$4)",
                env.id,
                env.subject(namespace),
                str(mark_id),
                orjson.dumps(env.model_dump(mode="json")).decode(),
            )

    signal = OutboxSignal()

    async def via_uow(i: int) -> None:
        mark_id = uuid7()
        async with UnitOfWork(db, Principal(), namespace=namespace, signal=signal) as uow:
            await uow.session.execute(
                text("INSERT INTO marks VALUES (:id, :v)"), {"id": mark_id, "v": 5}
            )
            uow.emit(MarkRecorded(mark_id=mark_id, value=5), school_id=None)
            await uow.commit()

    print(f"{N} transactions, {CONCURRENCY} concurrent; each: a row + its outbox row")
    raw_rate = _row("raw asyncpg (baseline)", *await _timed(N, raw, CONCURRENCY), N)
    uow_rate = _row(
        "UnitOfWork (SQLAlchemy session + outbox)", *await _timed(N, via_uow, CONCURRENCY), N
    )
    print(f"{'ratio unit of work / raw':<52} {uow_rate / raw_rate:>9.2f}")
    await pool.close()

    # The relay publishes what the unit of work wrote (2·N rows) against raw publishes.
    nc = await connect(infra.nats_url, name="bench")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    relay = OutboxRelay(db, js, signal=signal, batch_size=512)
    start = time.perf_counter()
    total = 0
    while sent := await relay.flush():
        total += sent
    relay_rate = total / (time.perf_counter() - start)

    payloads = [orjson.dumps({"n": i}) for i in range(total)]
    start = time.perf_counter()
    for chunk in range(0, total, 512):
        await asyncio.gather(
            *(
                js.publish(
                    f"{namespace}.journal.bench.raw", p, headers={"Nats-Msg-Id": str(uuid7())}
                )
                for p in payloads[chunk : chunk + 512]
            )
        )
    raw_publish_rate = total / (time.perf_counter() - start)
    print(f"{'raw JetStream publish, 512 in flight (baseline)':<52} {raw_publish_rate:>9.0f}/s")
    print(f"{'outbox relay (select, publish, mark sent)':<52} {relay_rate:>9.0f}/s")
    print(f"{'ratio relay / raw publish':<52} {relay_rate / raw_publish_rate:>9.2f}")
    await nc.close()
    await db.dispose()


async def _consume_all(consumer: EventConsumer, expected: int) -> float:
    start = time.perf_counter()
    task = asyncio.create_task(consumer.run())
    while consumer.handled < expected:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    consumer.stop()
    task.cancel()
    await asyncio.wait([task], timeout=5)
    return elapsed


async def run_consumer(infra: Infra) -> None:
    """A durable consumer applying events with its inbox, against a raw pull-and-ack loop."""
    url = await infra.empty_database()
    metadata = new_metadata()
    event_tables(metadata)
    db = Database.connect(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(text("CREATE TABLE marks (id uuid PRIMARY KEY, value int)"))
    namespace = new_namespace()
    nc = await connect(infra.nats_url, name="bench-consumer")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    n = 5000
    for chunk in range(0, n, 500):
        envelopes = [
            Envelope.wrap(MarkRecorded(mark_id=uuid7(), value=4), school_id=None, actor=None)
            for _ in range(min(500, n - chunk))
        ]
        await asyncio.gather(
            *(
                js.publish(
                    e.subject(namespace),
                    e.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(e.id)},
                )
                for e in envelopes
            )
        )

    psub = await js.pull_subscribe(f"{namespace}.journal.>", durable="raw-bench")
    start = time.perf_counter()
    got = 0
    while got < n:
        msgs = await psub.fetch(64, timeout=1.0)
        await asyncio.gather(*(m.ack() for m in msgs))
        got += len(msgs)
    raw_rate = n / (time.perf_counter() - start)

    async def apply(session: AsyncSession, envelope: Envelope) -> None:
        await session.execute(
            text("INSERT INTO marks VALUES (:id, :v)"),
            {"id": envelope.payload["mark_id"], "v": envelope.payload["value"]},
        )

    consumer = EventConsumer(
        db,
        nc,
        service="bench",
        namespace=namespace,
        subscription=Subscription(context="journal", handlers={MarkRecorded.type: apply}),
    )
    rate = n / await _consume_all(consumer, n)
    print(f"{n} events already in the stream")
    print(f"{'raw pull + ack, batches of 64 (baseline)':<52} {raw_rate:>9.0f}/s")
    print(f"{'EventConsumer: row + inbox, one transaction a batch':<52} {rate:>9.0f}/s")
    print(f"{'ratio consumer / raw':<52} {rate / raw_rate:>9.2f}")
    await nc.close()
    await db.dispose()
