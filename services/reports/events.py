"""Reports' events: the one it publishes and the projections it keeps of journal's and people's.

Published (subject ``<namespace>.<type>``; ids are UUID strings, dates ISO):

- reports.report_job.requested: job_id, school_id, kind, format — a report ordered as a file;
  JetStream sources it from reports' stream into the REPORT_JOBS work queue (``jobs.py``).
- reports.parent_letter.requested: letter_id, school_id, student_id, parent_ids,
  academic_year_id, study_period_id|null, period_name, requested_by, title, subjects
  [{subject_id, subject_name, marks [int], counts {"5": n, "4": n, "3": n, "2": n},
  average (decimal string)|null, period_mark (display: "5", "н/а" …)|null}], missed_lessons,
  missed_by_illness, lates — the информационное письмо для родителей; messaging sends it to
  ``parent_ids`` (the document is rendered from the same data).

Consumed, each a projection rebuildable by replaying its stream (``rebuild.py``), applied a
batch at a time with one converging statement per table (``projection.py``):

- journal.mark.recorded / changed / removed → ``mark`` (``projections/marks.py``)
- journal.period_mark.set / removed, journal.year.closed → ``progress_summary_mark``,
  ``archived_year`` (``projections/period_marks.py``): nothing after a closing changes the year
- journal.lesson.scheduled / changed / cancelled / held / topic_set, journal.register.taken,
  journal.teaching_load.assigned / withdrawn, journal.curriculum_hours.set → ``lesson``,
  ``teaching_load``, ``curriculum_hours`` (``projections/lessons.py``)
- journal.attendance.set / cleared → ``attendance`` (``projections/attendance.py``)
- people.school_class.created / class_teacher_assigned, people.role.withdrawn (class teacher),
  people.person.registered / renamed / anonymised, people.academic_year.created,
  people.student.enrolled / left / transferred, people.guardianship.linked → ``school_class``,
  ``person``, ``academic_year``, ``study_period``, ``enrolment``, ``guardianship``
  (``projections/people.py``)
- people.school.created, people.role.granted / withdrawn (director) → ``school_name``,
  ``staff_role``: what files print (``names.py``)
- journal.year.closed also freezes every class's sheet for the archive (``archive.py``), after
  the batch's period marks are applied
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import Handler, Subscription
from services.kernel.events import Envelope, Event
from services.reports import archive, names
from services.reports.models import Checkpoint
from services.reports.projections import attendance, lessons, marks, people, period_marks

JOURNAL_PROJECTION = "journal"
PEOPLE_PROJECTION = "people"
# The journal projections in the order a batch applies them.
JOURNAL = (marks, period_marks, lessons, attendance)


# --- published ---------------------------------------------------------------------------------


class LetterSubject(BaseModel):
    subject_id: UUID
    subject_name: str
    marks: list[int]
    counts: dict[str, int]
    average: str | None
    period_mark: str | None


class ParentLetterRequested(Event):
    type: ClassVar[str] = "reports.parent_letter.requested"
    letter_id: UUID
    school_id: UUID
    student_id: UUID
    parent_ids: list[UUID]
    academic_year_id: UUID
    study_period_id: UUID | None
    period_name: str
    requested_by: UUID
    title: str
    subjects: list[LetterSubject]
    missed_lessons: int
    missed_by_illness: int
    lates: int

    def aggregate_id(self) -> str:
        return str(self.letter_id)


class ReportJobRequested(Event):
    type: ClassVar[str] = "reports.report_job.requested"
    job_id: UUID
    school_id: UUID
    kind: str
    format: str

    def aggregate_id(self) -> str:
        return str(self.job_id)


# --- consumed ----------------------------------------------------------------------------------


async def advance_checkpoint(
    session: AsyncSession, projection: str, envelopes: list[Envelope]
) -> None:
    """The projection's position, in the same transaction as its rows."""
    last = envelopes[-1]
    stmt = insert(Checkpoint).values(
        projection=projection,
        last_event_id=last.id,
        last_occurred_at=last.occurred_at,
        events_applied=len(envelopes),
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Checkpoint.projection],
            set_={
                "last_event_id": stmt.excluded.last_event_id,
                "last_occurred_at": func.greatest(
                    Checkpoint.last_occurred_at, stmt.excluded.last_occurred_at
                ),
                "events_applied": Checkpoint.events_applied + len(envelopes),
            },
        )
    )


async def apply_journal(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """A batch of journal events: one statement per table, whatever their order."""
    if not envelopes:
        return
    for projection in JOURNAL:
        mine = [e for e in envelopes if e.type in projection.TYPES]
        if mine:
            await projection.apply(session, mine)
    for envelope in envelopes:
        if envelope.type == "journal.year.closed":
            await archive.on_year_closed(session, envelope)
    await advance_checkpoint(session, JOURNAL_PROJECTION, envelopes)


async def apply_people(session: AsyncSession, envelopes: list[Envelope]) -> None:
    if not envelopes:
        return
    await people.apply(session, envelopes)
    await names.apply(session, [e for e in envelopes if e.type in names.TYPES])
    await advance_checkpoint(session, PEOPLE_PROJECTION, envelopes)


JOURNAL_TYPES: frozenset[str] = frozenset().union(*(p.TYPES for p in JOURNAL))


def _one(apply_batch: object) -> Handler:
    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        await apply_batch(session, [envelope])  # type: ignore[operator]

    return handle


# Kept per type so the consumer knows what it handles; batches go to ``batch``.
JOURNAL_HANDLERS: dict[str, Handler] = {t: _one(apply_journal) for t in JOURNAL_TYPES}
PEOPLE_HANDLERS: dict[str, Handler] = {t: _one(apply_people) for t in people.TYPES | names.TYPES}

# A catch-up (a fresh start, a replay) applies hundreds of events a transaction.
FETCH = 500

SUBSCRIPTIONS: list[Subscription] = [
    Subscription(context="journal", handlers=JOURNAL_HANDLERS, batch=apply_journal, fetch=FETCH),
    Subscription(context="people", handlers=PEOPLE_HANDLERS, batch=apply_people, fetch=FETCH),
]
