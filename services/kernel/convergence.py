"""Replicas that converge whatever order their events arrive in.

A consumer killed before its ack gets an old event back after newer ones. Each replica row (or
set of rows, such as a student's enrolment) is named by a key; ``is_latest`` records the
sequence of the last event applied for that key (``Envelope.sequence``, stamped by the
publisher's relay) in the handler's own transaction, and says whether this event is later. A
handler applies the event only then, so a late ``granted`` cannot bring back a withdrawn role
and a late ``registered`` cannot restore an anonymised name. The recorded sequence is also
the tombstone of a removal: the row is gone, its key remembers why.

Sequences of one publishing database are comparable across its aggregates, so a key may
gather events of several aggregates (a class's teacher: assigned on the class, withdrawn on
the person). Events published before stamping (sequence 0) carry no order and are applied.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope

TABLE = "applied_version"


def applied_version_table(metadata: MetaData) -> Table:
    """The table a converging service keeps beside its outbox and inbox."""
    return Table(
        TABLE,
        metadata,
        Column("key", Text, primary_key=True),
        Column("sequence", BigInteger, nullable=False),
    )


_CLAIM = text(
    f"INSERT INTO {TABLE} (key, sequence) VALUES (:key, :sequence) "
    f"ON CONFLICT (key) DO UPDATE SET sequence = excluded.sequence "
    f"WHERE {TABLE}.sequence < excluded.sequence RETURNING 1"
)


async def is_latest(session: AsyncSession, key: str, envelope: Envelope) -> bool:
    """True (and recorded) when no later event of ``key`` has been applied yet."""
    if envelope.sequence == 0:
        return True
    scoped = f"{envelope.context()}:{key}"
    claimed = await session.scalar(_CLAIM, {"key": scoped, "sequence": envelope.sequence})
    return claimed is not None
