"""Current marks with their weights, lessons and recording times (journal.mark.*)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.models import Mark
from services.reports.projection import Row, Rules, State, version_of
from services.reports.projections.values import optional_uuid, uuid

TYPES = frozenset({"journal.mark.recorded", "journal.mark.changed", "journal.mark.removed"})

MARKS = Rules(
    table=Mark.__table__,
    key=("mark_id",),
    states=(State("version", ("value", "removed", "event_at")),),
    facts=(
        "school_id",
        "school_class_id",
        "subject_id",
        "student_id",
        "subject_name",
        "lesson_id",
        "teacher_id",
        "assignment_type",
        "weight",
        "date",
        "recorded_at",
    ),
)


def row(envelope: Envelope) -> Row:
    p = envelope.payload
    r: Row = {
        "mark_id": uuid(p["mark_id"]),
        "school_id": uuid(p["school_id"]),
        "school_class_id": uuid(p["school_class_id"]),
        "subject_id": uuid(p["subject_id"]),
        "student_id": uuid(p["student_id"]),
        "version": version_of(envelope),
        "event_at": envelope.occurred_at,
    }
    if envelope.type == "journal.mark.removed":
        return {**r, "value": None, "removed": True}
    r.update(value=int(p["value"]), removed=False)
    if envelope.type == "journal.mark.recorded":
        r.update(
            subject_name=p["subject_name"],
            lesson_id=optional_uuid(p.get("lesson_id")),
            teacher_id=optional_uuid(p.get("teacher_id")),
            assignment_type=p.get("assignment_type"),
            weight=Decimal(str(p.get("weight", 1))),
            date=date.fromisoformat(p["date"]),
            recorded_at=envelope.occurred_at,
        )
    return r


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    await MARKS.apply(session, [row(e) for e in envelopes])
