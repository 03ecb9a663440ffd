"""Rebuild the journal projections by replaying the journal stream from its start."""

from __future__ import annotations

import logging

from nats.js.api import DeliverPolicy
from sqlalchemy import text

from services.kernel.events import Envelope, stream_name, utcnow
from services.kernel.graphql import Runtime
from services.kernel.nats import connect
from services.reports.events import JOURNAL_PROJECTION, JOURNAL_TYPES, apply_journal
from services.reports.models import Checkpoint

log = logging.getLogger("sgo.reports")

REPLAY_IDLE_SECONDS = 10.0
REPLAY_BATCH = 500
# The archive of closed years is not a projection: it stays while the rest is replayed.
JOURNAL_TABLES = "mark, progress_summary_mark, lesson, teaching_load, curriculum_hours, attendance"


async def rebuild(runtime: Runtime) -> int:
    """Truncate the journal projections and replay the journal stream, a batch at a time.

    One transaction: the live consumer waits on the truncated tables' locks meanwhile, and the
    events it then applies are either newer than the replay or ignored as older (versions).
    Returns the number of events replayed.
    """
    settings = runtime.settings
    nc = runtime.extras.get("nats")
    own_connection = nc is None or not nc.is_connected
    if own_connection:
        nc = await connect(settings.nats_url, name=f"sgo-{runtime.name}-rebuild", attempts=5)
    js = nc.jetstream()
    stream = stream_name(settings.namespace, "journal")
    replayed = 0
    try:
        last_seq = (await js.stream_info(stream)).state.last_seq
        async with runtime.db.sessionmaker() as session, session.begin():
            await session.execute(text(f"TRUNCATE {JOURNAL_TABLES}"))
            await session.execute(
                Checkpoint.__table__.delete().where(Checkpoint.projection == JOURNAL_PROJECTION)
            )
            if last_seq > 0:
                sub = await js.subscribe(
                    f"{settings.namespace}.journal.>",
                    stream=stream,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.ALL,
                )
                batch: list[Envelope] = []
                try:
                    while True:
                        msg = await sub.next_msg(timeout=REPLAY_IDLE_SECONDS)
                        envelope = Envelope.model_validate_json(msg.data)
                        if envelope.type in JOURNAL_TYPES:
                            batch.append(envelope)
                        done = msg.metadata.sequence.stream >= last_seq
                        if len(batch) >= REPLAY_BATCH or (done and batch):
                            await apply_journal(session, batch)
                            replayed += len(batch)
                            batch = []
                        if done:
                            break
                finally:
                    await sub.unsubscribe()
            await session.execute(
                Checkpoint.__table__.update()
                .where(Checkpoint.projection == JOURNAL_PROJECTION)
                .values(stream_seq=last_seq, rebuilt_at=utcnow())
            )
    finally:
        if own_connection:
            await nc.close()
    log.info("journal projections rebuilt from %d events", replayed)
    return replayed
