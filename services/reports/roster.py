"""Who was in a class at a date, and the names reports print (people's replicas)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.models import Enrolment, Person


async def enrolled_at(session: AsyncSession, school_class_id: UUID, day: date | None) -> set[UUID]:
    """Students in the class on ``day`` (today's roster when the day is unknown)."""
    stays = Enrolment.school_class_id == school_class_id
    if day is None:
        when = Enrolment.left_on.is_(None)
    else:
        when = and_(
            or_(Enrolment.enrolled_on.is_(None), Enrolment.enrolled_on <= day),
            or_(Enrolment.left_on.is_(None), Enrolment.left_on > day),
        )
    return set(await session.scalars(select(Enrolment.student_id).where(stays, when)))


async def stays_at(
    session: AsyncSession, school_class_id: UUID, day: date | None
) -> tuple[set[UUID], set[UUID]]:
    """(in the class on ``day``, whose stay had ended by then) in one query."""
    rows = (
        await session.execute(
            select(Enrolment.student_id, Enrolment.enrolled_on, Enrolment.left_on).where(
                Enrolment.school_class_id == school_class_id
            )
        )
    ).all()
    present: set[UUID] = set()
    gone: set[UUID] = set()
    for student, enrolled_on, left_on in rows:
        if day is None:
            (present if left_on is None else gone).add(student)
        elif left_on is not None and left_on <= day:
            gone.add(student)
        elif enrolled_on is None or enrolled_on <= day:
            present.add(student)
    return present, gone


async def left_before(session: AsyncSession, school_class_id: UUID, day: date | None) -> set[UUID]:
    """Students whose stay in the class had ended by ``day``: not in that day's figures."""
    if day is None:
        return set()
    return set(
        await session.scalars(
            select(Enrolment.student_id).where(
                Enrolment.school_class_id == school_class_id,
                Enrolment.left_on.is_not(None),
                Enrolment.left_on <= day,
            )
        )
    )


async def names(session: AsyncSession, person_ids: set[UUID]) -> dict[UUID, str]:
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.person_id, Person.last_name, Person.first_name, Person.middle_name).where(
            Person.person_id.in_(person_ids)
        )
    )
    return {
        r.person_id: " ".join(n for n in (r.last_name, r.first_name, r.middle_name) if n)
        for r in rows
    }
