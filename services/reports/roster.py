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


def full_name(person: Person | None) -> str:
    if person is None:
        return ""
    return " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p)


async def names(session: AsyncSession, person_ids: set[UUID]) -> dict[UUID, str]:
    if not person_ids:
        return {}
    rows = await session.scalars(select(Person).where(Person.person_id.in_(person_ids)))
    return {p.person_id: full_name(p) for p in rows}
