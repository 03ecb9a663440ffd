"""Reports' events: the one it publishes, and the journal's and people's it consumes.

Published (payloads, ids as UUID strings):

- reports.report_job.requested: job_id, school_id, kind, format — a report ordered as a file;
  JetStream sources it from reports' stream into the REPORT_JOBS work queue (``jobs.py``).

Consumed: ``journal.mark.recorded`` / ``changed`` / ``removed`` feed the ``mark`` projection
(rebuildable by replaying the journal stream through the same handlers, see
``service.rebuild``); ``people.school_class.created``, ``class_teacher_assigned`` and
``role.withdrawn`` (class teacher) feed the ``school_class`` replica.

``journal.period_mark.set`` / ``removed`` feed the progress summary (сводная ведомость
успеваемости); ``journal.year.closed`` archives the year: from its closing on, nothing changes
the year's summary (it is kept 75 years, and a removal is only ever a tombstone), and the
archive freezes every class's sheet as PDF/A (``archive.py``).

``people.school.created``, ``academic_year.created``, ``person.registered`` / ``renamed`` /
``anonymised``, ``role.granted`` / ``withdrawn`` (director) and ``journal.teaching_load.*``
feed the replicas files print and order by (``names.py``).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import Handler, Subscription
from services.kernel.events import Envelope, Event
from services.reports import archive, names
from services.reports.models import (
    ArchivedYear,
    Checkpoint,
    Mark,
    ProgressSummaryMark,
    SchoolClass,
)

log = logging.getLogger("sgo.reports")

MARKS_PROJECTION = "marks"


class ReportJobRequested(Event):
    type: ClassVar[str] = "reports.report_job.requested"
    job_id: UUID
    school_id: UUID
    kind: str
    format: str

    def aggregate_id(self) -> str:
        return str(self.job_id)


def chain(*handlers: Handler) -> Handler:
    """Several handlers of one event type, in one transaction, in order."""

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        for handler in handlers:
            await handler(session, envelope)

    return handle


def _uuid(value: object) -> UUID:
    return UUID(str(value))


async def advance_checkpoint(
    session: AsyncSession, envelope: Envelope, *, stream_seq: int | None = None
) -> None:
    stmt = insert(Checkpoint).values(
        projection=MARKS_PROJECTION,
        last_event_id=envelope.id,
        last_occurred_at=envelope.occurred_at,
        stream_seq=stream_seq,
        events_applied=1,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Checkpoint.projection],
            set_={
                "last_event_id": stmt.excluded.last_event_id,
                "last_occurred_at": stmt.excluded.last_occurred_at,
                "stream_seq": stmt.excluded.stream_seq,
                "events_applied": Checkpoint.events_applied + 1,
            },
        )
    )


async def on_mark_recorded(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    # A mark is recorded once; a late duplicate must not undo a later change or removal.
    await session.execute(
        insert(Mark)
        .values(
            mark_id=_uuid(p["mark_id"]),
            school_id=_uuid(p["school_id"]),
            school_class_id=_uuid(p["school_class_id"]),
            subject_id=_uuid(p["subject_id"]),
            subject_name=p["subject_name"],
            student_id=_uuid(p["student_id"]),
            value=int(p["value"]),
            weight=Decimal(str(p.get("weight", 1))),
            date=date.fromisoformat(p["date"]),
            removed=False,
            event_at=envelope.occurred_at,
        )
        .on_conflict_do_nothing(index_elements=[Mark.mark_id])
    )
    await advance_checkpoint(session, envelope)


async def on_mark_changed(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    result = await session.execute(
        update(Mark)
        .where(Mark.mark_id == _uuid(p["mark_id"]), Mark.event_at <= envelope.occurred_at)
        .values(value=int(p["value"]), event_at=envelope.occurred_at)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        log.info(
            "mark %s: change %s older than the projection or unknown", p["mark_id"], envelope.id
        )
    await advance_checkpoint(session, envelope)


async def on_mark_removed(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await session.execute(
        update(Mark)
        .where(Mark.mark_id == _uuid(p["mark_id"]), Mark.event_at <= envelope.occurred_at)
        .values(removed=True, event_at=envelope.occurred_at)
    )
    await advance_checkpoint(session, envelope)


async def on_school_class_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    values = {
        "school_class_id": _uuid(p["school_class_id"]),
        "school_id": _uuid(p["school_id"]),
        "academic_year_id": _uuid(p["academic_year_id"]) if p.get("academic_year_id") else None,
        "grade_level": int(p["grade_level"]),
        "letter": p["letter"],
        "name": p["name"],
    }
    stmt = insert(SchoolClass).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SchoolClass.school_class_id],
            set_={k: stmt.excluded[k] for k in values if k != "school_class_id"},
        )
    )


async def on_class_teacher_assigned(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    assigned = await session.execute(
        update(SchoolClass)
        .where(SchoolClass.school_class_id == _uuid(p["school_class_id"]))
        .values(class_teacher_id=_uuid(p["person_id"]))
    )
    if assigned.rowcount == 0:  # type: ignore[attr-defined]
        # The class's own event is on its way (aggregates are ordered, not the whole stream).
        raise LookupError(f"school class {p['school_class_id']} not replicated yet")


async def on_role_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    if p["role"] != "class_teacher" or not p.get("school_class_id"):
        return
    await session.execute(
        update(SchoolClass)
        .where(
            SchoolClass.school_class_id == _uuid(p["school_class_id"]),
            SchoolClass.class_teacher_id == _uuid(p["person_id"]),
        )
        .values(class_teacher_id=None)
    )


# periods: the progress summary and its archive


async def _frozen(session: AsyncSession, academic_year_id: UUID, envelope: Envelope) -> bool:
    """A change that happened after the year's closing never reaches the archive."""
    closed_at = await session.scalar(
        select(ArchivedYear.closed_at).where(ArchivedYear.academic_year_id == academic_year_id)
    )
    if closed_at is not None and envelope.occurred_at > closed_at:
        log.warning(
            "year %s is archived: %s %s ignored", academic_year_id, envelope.type, envelope.id
        )
        return True
    return False


async def on_period_mark_set(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    year_id = _uuid(p["academic_year_id"])
    if await _frozen(session, year_id, envelope):
        return
    values = {
        "school_id": _uuid(p["school_id"]),
        "academic_year_id": year_id,
        "study_period_id": _uuid(p["study_period_id"]) if p.get("study_period_id") else None,
        "study_period_name": p.get("study_period_name"),
        "kind": p["kind"],
        "school_class_id": _uuid(p["school_class_id"]),
        "subject_id": _uuid(p["subject_id"]),
        "subject_name": p["subject_name"],
        "student_id": _uuid(p["student_id"]),
        "value": p.get("value"),
        "special": p.get("special"),
        "average": Decimal(str(p["average"])) if p.get("average") is not None else None,
        "proposed": p.get("proposed"),
        "removed": False,
        "event_at": envelope.occurred_at,
    }
    stmt = insert(ProgressSummaryMark).values(period_mark_id=_uuid(p["period_mark_id"]), **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ProgressSummaryMark.period_mark_id],
            set_=values,
            where=ProgressSummaryMark.event_at <= envelope.occurred_at,
        )
    )


async def on_period_mark_removed(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    if await _frozen(session, _uuid(p["academic_year_id"]), envelope):
        return
    await session.execute(
        update(ProgressSummaryMark)
        .where(
            ProgressSummaryMark.period_mark_id == _uuid(p["period_mark_id"]),
            ProgressSummaryMark.event_at <= envelope.occurred_at,
        )
        .values(removed=True, event_at=envelope.occurred_at)
    )


async def on_year_closed(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await session.execute(
        insert(ArchivedYear)
        .values(
            academic_year_id=_uuid(p["academic_year_id"]),
            school_id=_uuid(p["school_id"]),
            closed_by=_uuid(p["closed_by"]) if p.get("closed_by") else None,
            closed_at=envelope.occurred_at,
            results=p.get("results") or [],
            subject_names=p.get("subject_names") or {},
        )
        .on_conflict_do_nothing(index_elements=[ArchivedYear.academic_year_id])
    )


PROGRESS_HANDLERS: dict[str, Handler] = {
    "journal.period_mark.set": on_period_mark_set,
    "journal.period_mark.removed": on_period_mark_removed,
    "journal.year.closed": on_year_closed,
}


# The journal handlers a rebuild replays; the live consumer uses exactly these.
MARK_HANDLERS: dict[str, Handler] = {
    "journal.mark.recorded": on_mark_recorded,
    "journal.mark.changed": on_mark_changed,
    "journal.mark.removed": on_mark_removed,
}

SUBSCRIPTIONS: list[Subscription] = [
    Subscription(
        context="journal",
        handlers={
            **MARK_HANDLERS,
            **PROGRESS_HANDLERS,
            # The year's record first, then its sheets frozen from the same projection.
            "journal.year.closed": chain(on_year_closed, archive.on_year_closed),
            **names.JOURNAL_HANDLERS,
        },
    ),
    Subscription(
        context="people",
        handlers={
            "people.school_class.created": on_school_class_created,
            "people.school_class.class_teacher_assigned": on_class_teacher_assigned,
            **names.PEOPLE_HANDLERS,
            "people.role.granted": names.on_role_granted,
            "people.role.withdrawn": chain(on_role_withdrawn, names.on_role_withdrawn),
        },
    ),
]
