"""Reports use cases: class averages, and rebuilding the marks projection by replay."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from nats.js.api import DeliverPolicy
from sqlalchemy import func, select, text

from services.kernel.db import Database
from services.kernel.errors import Unauthenticated
from services.kernel.events import Envelope, stream_name, utcnow
from services.kernel.graphql import Runtime
from services.kernel.nats import connect
from services.kernel.principal import Principal
from services.reports import domain
from services.reports.events import MARK_HANDLERS, MARKS_PROJECTION
from services.reports.models import Checkpoint, Mark, SchoolClass

log = logging.getLogger("sgo.reports")

REPLAY_IDLE_SECONDS = 10.0


@dataclass(frozen=True)
class SubjectAverage:
    subject_id: UUID
    subject_name: str
    average: Decimal
    marks_count: int


async def class_averages(
    db: Database, principal: Principal, school_class_id: UUID
) -> list[SubjectAverage]:
    """Weighted average per subject of a class's current marks, ordered by subject name."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    weights = func.sum(Mark.weight)
    query = (
        select(
            Mark.subject_id,
            func.max(Mark.subject_name).label("subject_name"),
            (func.sum(Mark.value * Mark.weight) / func.nullif(weights, 0)).label("average"),
            func.count().label("marks_count"),
        )
        .where(
            Mark.school_class_id == school_class_id,
            Mark.school_id == principal.school_id,
            Mark.removed.is_(False),
        )
        .group_by(Mark.subject_id)
        .order_by(func.max(Mark.subject_name), Mark.subject_id)
    )
    async with db.sessionmaker() as session:
        # A list: another school's class, or one the caller does not lead, has no averages
        # for them (``services.kernel.visibility``).
        school_class = await session.get(SchoolClass, school_class_id)
        if school_class is not None and school_class.school_id != principal.school_id:
            return []
        class_teacher_id = school_class.class_teacher_id if school_class else None
        if not domain.may_read_class(principal, class_teacher_id):
            return []
        rows = (await session.execute(query)).all()
    return [
        SubjectAverage(
            subject_id=row.subject_id,
            subject_name=row.subject_name,
            average=Decimal(row.average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            marks_count=row.marks_count,
        )
        for row in rows
        if row.average is not None
    ]


async def rebuild(runtime: Runtime) -> int:
    """Truncate the marks projection and replay the journal stream from its start.

    One transaction: the live consumer waits on the truncated table's lock meanwhile, and the
    events it then applies are either newer than the replay or ignored as older (``event_at``).
    Returns the number of mark events replayed.
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
            await session.execute(text("TRUNCATE mark, projection_checkpoint"))
            if last_seq > 0:
                sub = await js.subscribe(
                    f"{settings.namespace}.journal.>",
                    stream=stream,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.ALL,
                )
                try:
                    while True:
                        msg = await sub.next_msg(timeout=REPLAY_IDLE_SECONDS)
                        seq = msg.metadata.sequence.stream
                        envelope = Envelope.model_validate_json(msg.data)
                        handler = MARK_HANDLERS.get(envelope.type)
                        if handler is not None:
                            await handler(session, envelope)
                            replayed += 1
                        if seq >= last_seq:
                            break
                finally:
                    await sub.unsubscribe()
            await session.execute(
                Checkpoint.__table__.update()
                .where(Checkpoint.projection == MARKS_PROJECTION)
                .values(stream_seq=last_seq, rebuilt_at=utcnow())
            )
    finally:
        if own_connection:
            await nc.close()
    log.info("marks projection rebuilt from %d events", replayed)
    return replayed
