"""The outbox, the relay and the consumers under failure: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar
from uuid import UUID

import asyncpg
import nats
import pytest
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from deploy._os import free_port
from deploy.embedded_nats import EmbeddedNats
from services.kernel.app import Background
from services.kernel.consumer import EventConsumer, Subscription
from services.kernel.db import Database, new_metadata
from services.kernel.events import Envelope, Event, stream_name
from services.kernel.nats import connect, ensure_streams
from services.kernel.principal import Principal
from services.kernel.relay import OutboxRelay
from services.kernel.tables import event_tables
from services.kernel.uow import OutboxSignal, UnitOfWork
from tests.support import Infra, asyncpg_dsn, eventually


class ThingCounted(Event):
    type: ClassVar[str] = "journal.thing.counted"
    thing: str
    n: int

    def aggregate_id(self) -> str:
        return self.thing


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


@pytest.fixture
def own_nats(tmp_path: Path) -> EmbeddedNats:
    server = EmbeddedNats(tmp_path / "nats", port=free_port())
    server.start()
    yield server
    server.stop()


async def commit_events(db: Database, namespace: str, events: list[ThingCounted]) -> None:
    signal = OutboxSignal()
    for event in events:
        async with UnitOfWork(db, Principal(), namespace=namespace, signal=signal) as uow:
            uow.emit(event, school_id=None)
            await uow.commit()


async def stream_payloads(js: nats.js.JetStreamContext, namespace: str) -> list[dict]:
    return [envelope.payload for envelope in await stream_envelopes(js, namespace)]


async def stream_envelopes(js: nats.js.JetStreamContext, namespace: str) -> list[Envelope]:
    sub = await js.subscribe(
        f"{namespace}.journal.>",
        stream=stream_name(namespace, "journal"),
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    info = await js.stream_info(stream_name(namespace, "journal"))
    envelopes = []
    for _ in range(info.state.messages):
        msg = await sub.next_msg(timeout=5)
        envelopes.append(Envelope.model_validate_json(msg.data))
    await sub.unsubscribe()
    return envelopes


async def test_events_committed_while_nats_is_down_arrive_in_order_after_it_returns(
    db: Database, own_nats: EmbeddedNats, namespace: str
) -> None:
    nc = await connect(own_nats.url, name="relay-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    signal = OutboxSignal()
    relay = OutboxRelay(db, js, signal=signal, poll_seconds=0.05, publish_timeout=0.5)
    task = asyncio.create_task(relay.run())
    try:
        await commit_events(db, namespace, [ThingCounted(thing="a", n=0)])
        await eventually(lambda: _published(db, 1))

        own_nats.stop()
        events = [ThingCounted(thing=t, n=i) for i in range(1, 21) for t in ("a", "b", "c")]
        await commit_events(db, namespace, events)  # use cases commit while NATS is away
        await asyncio.sleep(0.5)
        own_nats.start()

        await eventually(lambda: _published(db, 61), timeout=30)
        payloads = await stream_payloads(js, namespace)
        assert len(payloads) == 61
        for thing in ("a", "b", "c"):
            ns = [p["n"] for p in payloads if p["thing"] == thing]
            assert ns == sorted(ns), f"events of aggregate {thing} out of order"
        assert [p["n"] for p in payloads if p["thing"] == "a"] == list(range(21))
    finally:
        task.cancel()
        await nc.close()


async def test_every_event_carries_its_aggregate_and_a_sequence_that_grows_with_it(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="relay-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    relay = OutboxRelay(db, js, signal=OutboxSignal(), poll_seconds=0.05)
    task = asyncio.create_task(relay.run())
    try:
        events = [ThingCounted(thing=t, n=i) for i in range(5) for t in ("a", "b")]
        await commit_events(db, namespace, events)
        await eventually(lambda: _published(db, 10))
        envelopes = await stream_envelopes(js, namespace)
        for thing in ("a", "b"):
            mine = [e for e in envelopes if e.payload["thing"] == thing]
            assert {e.aggregate for e in mine} == {thing}
            by_n = [e.sequence for e in sorted(mine, key=lambda e: e.payload["n"])]
            assert by_n[0] > 0 and by_n == sorted(set(by_n)), "a later event, a greater sequence"
    finally:
        task.cancel()
        await nc.close()


async def _published(db: Database, expected: int) -> bool:
    async with db.engine.connect() as conn:
        n = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"))
    return n == expected


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(
        text("INSERT INTO effects VALUES (:id, :thing, :n)"),
        {"id": envelope.id, "thing": envelope.payload["thing"], "n": envelope.payload["n"]},
    )


async def publish(js: nats.js.JetStreamContext, namespace: str, event: Event) -> Envelope:
    envelope = Envelope.wrap(event, school_id=None, actor=None)
    await js.publish(
        envelope.subject(namespace),
        envelope.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(envelope.id)},
    )
    return envelope


async def effects(infra_db: Database) -> list[tuple[UUID, str, int]]:
    async with infra_db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text("SELECT * FROM effects"))).all()]


async def test_a_consumer_killed_after_commit_before_ack_applies_the_event_once(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="consumer-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})

    class DiesBeforeAck(EventConsumer):
        async def handle(self, msg):  # type: ignore[no-untyped-def]
            envelope = Envelope.model_validate_json(msg.data)
            await self.apply(envelope, record_effect)
            raise asyncio.CancelledError  # the process dies here: committed, never acked

    first = DiesBeforeAck(db, nc, service="t", subscription=sub, namespace=namespace, ack_wait=1)
    envelope = await publish(js, namespace, ThingCounted(thing="x", n=1))
    with pytest.raises(asyncio.CancelledError):
        await first.run()
    assert len(await effects(db)) == 1

    second = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace, ack_wait=1)
    task = asyncio.create_task(second.run())
    try:
        # The redelivery comes after ack_wait; the inbox turns it into a no-op, and it is acked.
        await eventually(lambda: _consumer_drained(js, namespace, second.durable), timeout=15)
        assert await effects(db) == [(envelope.id, "x", 1)]
    finally:
        task.cancel()
        await nc.close()


async def _consumer_drained(js: nats.js.JetStreamContext, namespace: str, durable: str) -> bool:
    try:
        info = await js.consumer_info(stream_name(namespace, "journal"), durable)
    except NotFoundError:
        return False  # not made yet
    return info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.stream_seq > 0


async def test_a_poison_message_is_parked_on_the_dead_letter_subject_and_the_stream_goes_on(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="poison-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)

    async def explodes_on_poison(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.payload["thing"] == "poison":
            raise RuntimeError("cannot handle this one")
        await record_effect(session, envelope)

    sub = Subscription(context="journal", handlers={ThingCounted.type: explodes_on_poison})
    dead = await js.subscribe(f"{namespace}.dlq.>", stream=stream_name(namespace, "dlq"))
    consumer = EventConsumer(
        db, nc, service="t", subscription=sub, namespace=namespace, max_deliver=3
    )
    poison = await publish(js, namespace, ThingCounted(thing="poison", n=1))
    await publish(js, namespace, ThingCounted(thing="fine", n=2))
    task = asyncio.create_task(consumer.run())
    try:
        parked = await dead.next_msg(timeout=15)
        assert Envelope.model_validate_json(parked.data).id == poison.id
        assert parked.subject == f"{namespace}.dlq.t.{ThingCounted.type}"
        assert "cannot handle" in parked.headers["Sgo-Error"]
        rows = await eventually(lambda: effects(db))
        assert [(thing, n) for _, thing, n in rows] == [("fine", 2)]
    finally:
        task.cancel()
        await nc.close()


async def test_an_aborted_use_case_writes_neither_its_change_nor_its_events(
    db: Database, namespace: str
) -> None:
    with pytest.raises(RuntimeError):
        async with UnitOfWork(db, Principal(), namespace=namespace) as uow:
            await uow.session.execute(text("INSERT INTO effects VALUES (NULL, 'half', 1)"))
            uow.emit(ThingCounted(thing="half", n=1), school_id=None)
            raise RuntimeError("validation failed half-way")
    dsn = asyncpg_dsn(str(db.engine.url.render_as_string(hide_password=False)))
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM effects") == 0
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await conn.close()


async def test_a_running_consumer_keeps_consuming_after_nats_restarts(
    db: Database, own_nats: EmbeddedNats, namespace: str
) -> None:
    nc = await connect(own_nats.url, name="restart-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
    consumer = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    task = asyncio.create_task(consumer.run())
    try:
        await publish(js, namespace, ThingCounted(thing="before", n=1))
        await eventually(lambda: effects(db))

        own_nats.kill()  # a crash, not a clean shutdown; the store stays
        await asyncio.sleep(1.0)
        own_nats.start()
        await eventually(lambda: _connected(nc), timeout=10)

        await publish(js, namespace, ThingCounted(thing="after", n=2))
        # The pull subscription made before the crash still receives (nats.py #504).
        await eventually(lambda: _effects_count(db, 2), timeout=10)
        assert sorted(thing for _, thing, _ in await effects(db)) == ["after", "before"]
    finally:
        task.cancel()
        await nc.close()


async def _connected(nc: nats.aio.client.Client) -> bool:
    return nc.is_connected


async def _effects_count(db: Database, expected: int) -> bool:
    return len(await effects(db)) == expected


async def _allow_connections(infra: Infra, db: Database, allow: bool) -> None:
    """Take the test's database away (and back) as a PostgreSQL restart or failover would."""
    name = db.engine.url.database
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
    finally:
        await conn.close()


async def test_a_database_outage_delays_events_but_never_parks_them(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="db-outage-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
    dead = await js.subscribe(f"{namespace}.dlq.>", stream=stream_name(namespace, "dlq"))
    consumer = EventConsumer(
        db, nc, service="t", subscription=sub, namespace=namespace, max_deliver=2
    )
    task = asyncio.create_task(consumer.run())
    try:
        await publish(js, namespace, ThingCounted(thing="before", n=1))
        await eventually(lambda: effects(db))

        await _allow_connections(infra, db, False)
        try:
            # Longer than two attempts with their back-off: the outage must not use them up.
            await publish(js, namespace, ThingCounted(thing="during", n=2))
            await publish(js, namespace, ThingCounted(thing="during", n=3))
            await asyncio.sleep(2.5)
        finally:
            await _allow_connections(infra, db, True)

        await eventually(lambda: _effects_count(db, 3), timeout=10)
        assert sorted(n for _, _, n in await effects(db)) == [1, 2, 3]
        with pytest.raises(nats.errors.TimeoutError):
            await dead.next_msg(timeout=0.2)
        assert consumer.handled == 3
    finally:
        task.cancel()
        await nc.close()


async def test_a_batch_with_a_failing_or_an_unreadable_event_applies_the_rest_once_in_order(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="batch-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)

    async def fails_on_poison(session: AsyncSession, envelope: Envelope) -> None:
        await record_effect(session, envelope)  # written, then rolled back with the batch
        if envelope.payload["thing"] == "poison":
            raise RuntimeError("cannot handle this one")

    sub = Subscription(context="journal", handlers={ThingCounted.type: fails_on_poison})
    dead = await js.subscribe(f"{namespace}.dlq.>", stream=stream_name(namespace, "dlq"))
    for n, thing in enumerate(("fine", "fine", "poison", "fine"), start=1):
        await publish(js, namespace, ThingCounted(thing=thing, n=n))
    consumer = EventConsumer(
        db, nc, service="t", subscription=sub, namespace=namespace, max_deliver=2
    )
    task = asyncio.create_task(consumer.run())  # the four arrive in one fetch
    try:
        parked = await dead.next_msg(timeout=10)
        assert parked.subject == f"{namespace}.dlq.t.{ThingCounted.type}"
        await eventually(lambda: _consumer_drained(js, namespace, consumer.durable))
        assert await _applied_in_commit_order(db) == [1, 2, 4]
        assert consumer.handled == 3

        await js.publish(f"{namespace}.journal.thing.counted", b"{not json")
        await publish(js, namespace, ThingCounted(thing="fine", n=5))
        parked = await dead.next_msg(timeout=10)
        assert parked.subject == f"{namespace}.dlq.t.unreadable"
        await eventually(lambda: _effects_count(db, 4))
        await eventually(lambda: _consumer_drained(js, namespace, consumer.durable))
        assert await _applied_in_commit_order(db) == [1, 2, 4, 5]
        assert consumer.handled == 4
    finally:
        task.cancel()
        await nc.close()


async def _applied_in_commit_order(db: Database) -> list[int]:
    async with db.engine.connect() as conn:
        query = text("SELECT n FROM effects ORDER BY xmin::text::bigint")
        return list((await conn.execute(query)).scalars().all())


async def test_relay_standby_takes_over_and_a_lost_mark_only_republishes_what_nats_drops(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="relay-standby-test")
    js = nc.jetstream()
    await asyncio.gather(*(ensure_streams(js, namespace) for _ in range(4)))  # four services
    relay = OutboxRelay(db, js, signal=OutboxSignal(), publish_timeout=2)
    await commit_events(db, namespace, [ThingCounted(thing="a", n=n) for n in range(3)])
    dsn = asyncpg_dsn(str(db.engine.url.render_as_string(hide_password=False)))
    try:
        # Another instance holds the relay lock: this one stands by, then takes over.
        other = await asyncpg.connect(dsn)
        tx = other.transaction()
        await tx.start()
        await other.execute("SELECT pg_advisory_xact_lock($1)", 0x5600_0002)
        assert await relay.flush() == 0
        await other.close()  # the other instance dies
        # The database refuses the mark after the publish: the rows stay, to be sent again.
        conn = await asyncpg.connect(dsn)
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
            " CREATE TRIGGER refuse BEFORE UPDATE ON outbox EXECUTE FUNCTION refuse()"
        )
        with pytest.raises(Exception, match="refused"):
            await relay.flush()
        await conn.execute("DROP TRIGGER refuse ON outbox")
        await conn.close()
        assert await relay.flush() == 3
        payloads = await stream_payloads(js, namespace)
        assert [p["n"] for p in payloads] == [0, 1, 2]  # the server dropped the re-sends
    finally:
        await nc.close()


async def test_events_flow_again_when_nats_comes_back_with_an_empty_store(
    db: Database, tmp_path: Path, namespace: str
) -> None:
    port = free_port()
    first = EmbeddedNats(tmp_path / "first", port=port)
    first.start()
    nc = await connect(first.url, name="empty-store-test")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    signal = OutboxSignal()
    relay = OutboxRelay(db, js, signal=signal, poll_seconds=0.05, namespace=namespace)
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
    consumer = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    second: EmbeddedNats | None = None
    try:
        await commit_events(db, namespace, [ThingCounted(thing="a", n=1)])
        await eventually(lambda: _effects_count(db, 1))

        # The server is replaced by one with nothing on disk: no streams, no consumers.
        first.stop()
        second = EmbeddedNats(tmp_path / "second", port=port)
        second.start()
        await commit_events(db, namespace, [ThingCounted(thing="a", n=2)])
        await eventually(lambda: _effects_count(db, 2), timeout=30)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5)
        await nc.close()
        (second or first).stop()


async def test_events_of_a_consumer_killed_mid_batch_come_back_to_another_within_seconds(
    db: Database, infra: Infra, namespace: str
) -> None:
    crashed_nc = await connect(infra.nats_url, name="crashes-mid-batch")
    js = crashed_nc.jetstream()
    await ensure_streams(js, namespace)
    stuck = asyncio.Event()

    async def hangs(session: AsyncSession, envelope: Envelope) -> None:
        stuck.set()
        await asyncio.Event().wait()  # the process dies here, mid-batch, nothing committed

    first = EventConsumer(
        db,
        crashed_nc,
        service="t",
        subscription=Subscription(context="journal", handlers={ThingCounted.type: hangs}),
        namespace=namespace,
    )
    for n in (1, 2, 3):
        await publish(js, namespace, ThingCounted(thing="x", n=n))
    crashed = asyncio.create_task(first.run())
    await asyncio.wait_for(stuck.wait(), 10)
    crashed.cancel()  # the process is gone: its connection with it, no ack, no nak
    await asyncio.gather(crashed, return_exceptions=True)
    await crashed_nc.close()

    nc = await connect(infra.nats_url, name="takes-over")
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
    second = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    task = asyncio.create_task(second.run())
    try:
        # Within the default ack wait and a margin, far from the 30 s it used to be.
        await eventually(lambda: _effects_count(db, 3), timeout=12)
        assert sorted(n for _, _, n in await effects(db)) == [1, 2, 3]
    finally:
        task.cancel()
        await nc.close()


async def test_a_batch_longer_than_the_ack_wait_is_kept_in_progress_not_redelivered(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="long-batch")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    deliveries: list[int] = []

    class Counting(EventConsumer):
        async def handle_batch(self, msgs):  # type: ignore[no-untyped-def]
            deliveries.extend(msg.metadata.num_delivered for msg in msgs)
            await super().handle_batch(msgs)

    async def slow(session: AsyncSession, envelope: Envelope) -> None:
        await asyncio.sleep(2.5)  # two and a half ack waits
        await record_effect(session, envelope)

    sub = Subscription(context="journal", handlers={ThingCounted.type: slow})
    # Two replicas of the service: an event whose ack wait ran out would go to the other one.
    replicas = [
        Counting(db, nc, service="t", subscription=sub, namespace=namespace, ack_wait=1)
        for _ in range(2)
    ]
    await publish(js, namespace, ThingCounted(thing="slow", n=1))
    tasks = [asyncio.create_task(replica.run()) for replica in replicas]
    try:
        durable = replicas[0].durable
        await eventually(lambda: _effects_count(db, 1), timeout=15)
        await eventually(lambda: _consumer_drained(js, namespace, durable), timeout=15)
        assert deliveries == [1]  # delivered once, to one replica, never again
    finally:
        for task in tasks:
            task.cancel()
        await nc.close()


async def test_a_consumer_made_with_a_longer_ack_wait_is_updated_to_the_configured_one(
    db: Database, infra: Infra, namespace: str
) -> None:
    nc = await connect(infra.nats_url, name="ack-wait-upgrade")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
    old = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace, ack_wait=30)
    await js.add_consumer(stream_name(namespace, "journal"), config=old._config())
    new = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    task = asyncio.create_task(new.run())
    try:
        await publish(js, namespace, ThingCounted(thing="y", n=1))
        await eventually(lambda: _effects_count(db, 1))
        info = await js.consumer_info(stream_name(namespace, "journal"), new.durable)
        assert info.config.ack_wait == 5.0
    finally:
        task.cancel()
        await nc.close()


async def test_a_core_nats_listener_hears_again_after_nats_was_killed_and_restarted(
    own_nats: EmbeddedNats,
) -> None:
    """What messaging's notice feed does: a plain subscription on the service's connection."""
    nc = await connect(own_nats.url, name="core-listener")
    heard: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_message(msg: nats.aio.msg.Msg) -> None:
        heard.put_nowait(msg.data)

    await nc.subscribe("core.notice.created", cb=on_message)
    await nc.flush()
    try:
        own_nats.kill()  # a crash: the server forgets every interest
        await asyncio.sleep(1.0)
        own_nats.start()
        await eventually(lambda: _connected(nc), timeout=10)
        publisher = await nats.connect(own_nats.url)
        try:
            await publisher.publish("core.notice.created", b"after the restart")
            await publisher.flush()
        finally:
            await publisher.close()
        assert await asyncio.wait_for(heard.get(), 5) == b"after the restart"
    finally:
        await nc.close()


@pytest.mark.parametrize(("bound", "finished"), [(4.0, True), (0.6, False)])
async def test_a_stop_mid_batch_finishes_the_batch_or_leaves_all_of_it_for_redelivery(
    db: Database, infra: Infra, namespace: str, bound: float, finished: bool
) -> None:
    nc = await connect(infra.nats_url, name="stop-mid-batch")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    started = asyncio.Event()

    async def slow(session: AsyncSession, envelope: Envelope) -> None:
        started.set()
        await record_effect(session, envelope)
        await asyncio.sleep(0.4)  # 1.2 s for the batch of three

    for n in (1, 2, 3):
        await publish(js, namespace, ThingCounted(thing="batch", n=n))
    sub = Subscription(context="journal", handlers={ThingCounted.type: slow})
    consumer = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
    background = Background()
    background.consumers.append(consumer)
    background.tasks.append(asyncio.create_task(consumer.run(), name=consumer.durable))
    await asyncio.wait_for(started.wait(), 10)
    await background.stop(timeout=bound)  # what the service's shutdown does on SIGTERM
    try:
        if finished:  # committed and acknowledged before the process went
            assert sorted(n for _, _, n in await effects(db)) == [1, 2, 3]
            await eventually(lambda: _consumer_drained(js, namespace, consumer.durable))
        else:  # rolled back whole; the next instance gets all three again
            assert await effects(db) == []
            sub = Subscription(context="journal", handlers={ThingCounted.type: record_effect})
            again = EventConsumer(db, nc, service="t", subscription=sub, namespace=namespace)
            task = asyncio.create_task(again.run())
            try:
                await eventually(lambda: _effects_count(db, 3), timeout=15)
            finally:
                task.cancel()
        assert sorted(n for _, _, n in await effects(db)) == [1, 2, 3]
    finally:
        await nc.close()
