"""Notices the regulation asks for from the journal's events: a «2» and a failing term or year
mark (to the student's parents, and to the class teacher from the subject teacher), a class
event planned (to the class's students and parents), a correction request decided (to the
teacher who asked)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope, utcnow
from services.messaging import domain
from services.messaging.models import ClassTeacher, Enrolment, Guardianship, Person, SchoolClass
from services.messaging.notices import deliver_notices
from services.messaging.replica import uuid_of

FAILING = 2


async def _student_name(session: AsyncSession, student_id: UUID) -> str:
    person = await session.get(Person, student_id)
    return domain.student_display_name(
        person.last_name if person else None, person.first_name if person else None
    )


async def _parents(session: AsyncSession, student_ids: list[UUID]) -> list[UUID]:
    return list(
        await session.scalars(
            select(Guardianship.parent_id).where(Guardianship.student_id.in_(student_ids))
        )
    )


async def _class_teacher(session: AsyncSession, class_id: UUID) -> UUID | None:
    return await session.scalar(
        select(ClassTeacher.person_id).where(
            ClassTeacher.school_class_id == class_id, ClassTeacher.active.is_(True)
        )
    )


async def _failing(
    session: AsyncSession,
    envelope: Envelope,
    kind: domain.NoticeKind,
    day: date,
    period: str | None,
    link: str,
) -> None:
    p = envelope.payload
    student_id, class_id = uuid_of(p["student_id"]), uuid_of(p["school_class_id"])
    name = await _student_name(session, student_id)
    text = domain.failing_mark_text(name, p["subject_name"], day, period=period)
    texts = dict.fromkeys(await _parents(session, [student_id]), text)
    teacher = await _class_teacher(session, class_id)
    if teacher is not None:
        texts[teacher] = domain.failing_mark_text(
            name, p["subject_name"], day, period=period, for_teacher=True
        )
    await deliver_notices(
        session,
        school_id=uuid_of(p["school_id"]),
        kind=kind,
        texts=texts,
        source_event_id=envelope.id,
        link=link,
    )


async def on_mark_recorded(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    if int(p.get("value") or 0) != FAILING:
        return
    await _failing(
        session,
        envelope,
        domain.NoticeKind.FAILING_MARK,
        date.fromisoformat(p["date"]),
        None,
        f"lesson:{p['lesson_id']}",
    )


async def on_period_mark_set(session: AsyncSession, envelope: Envelope) -> None:
    """A term or year mark «2», or a proposal of «2» the teacher has not yet decided against."""
    p = envelope.payload
    value, proposed = p.get("value"), p.get("proposed")
    if FAILING not in (value, proposed) or (value is not None and value != FAILING):
        return
    period = p.get("study_period_name") or {"year": "год"}.get(p.get("kind", ""), "период")
    await _failing(
        session,
        envelope,
        domain.NoticeKind.FAILING_PERIOD_MARK,
        envelope.occurred_at.date() if envelope.occurred_at else utcnow().date(),
        period,
        f"period_mark:{p['period_mark_id']}",
    )


async def on_class_event_scheduled(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    class_id = uuid_of(p["school_class_id"])
    class_name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == class_id))
    students = list(
        await session.scalars(
            select(Enrolment.student_id).where(
                Enrolment.school_class_id == class_id, Enrolment.active.is_(True)
            )
        )
    )
    text = domain.class_event_text(
        class_name or "",
        p["title"],
        date.fromisoformat(p["starts_on"]),
        date.fromisoformat(p["ends_on"]),
    )
    recipients = students + await _parents(session, students)
    await deliver_notices(
        session,
        school_id=uuid_of(p["school_id"]),
        kind=domain.NoticeKind.CLASS_EVENT,
        texts=dict.fromkeys(recipients, text),
        source_event_id=envelope.id,
        link=f"class_event:{p['class_event_id']}",
    )


async def on_correction_decided(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    name = await _student_name(session, uuid_of(p["student_id"]))
    await deliver_notices(
        session,
        school_id=uuid_of(p["school_id"]),
        kind=domain.NoticeKind.CORRECTION_DECIDED,
        texts={uuid_of(p["requested_by"]): domain.correction_text(bool(p["approved"]), name)},
        source_event_id=envelope.id,
        link=f"correction_request:{p['request_id']}",
    )
