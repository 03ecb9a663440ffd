"""Data verification: the class teacher confirms the class's student and parent data.

The regulation (class teacher 13–14): by 20 September, then at least once a month. The
administration and the academic secretary see which classes are overdue, as of the school's
today; the clock is injectable (``runtime.extras[CLOCK]``) so tests can pick the day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound
from services.kernel.events import utcnow, uuid7
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.events import ClassDataConfirmed
from services.people.models import AcademicYear, ClassDataConfirmation, School, SchoolClass
from services.people.service import _require, _school_class

CLOCK = "clock"
OVERDUE_READERS = (*ADMINISTRATION, Role.ACADEMIC_SECRETARY)


def clock(runtime: Runtime) -> datetime:
    """Now, from the runtime's clock if a test set one."""
    now: Callable[[], datetime] = runtime.extras.get(CLOCK, utcnow)
    return now()


async def school_today(session: AsyncSession, school_id: UUID, now: datetime) -> date:
    school = await session.get(School, school_id)
    if school is None:
        raise NotFound("Школа не найдена.")
    return now.astimezone(ZoneInfo(school.timezone)).date()


async def confirm_class_data(
    uow: UnitOfWork, principal: Principal, *, school_class_id: UUID, now: datetime
) -> ClassDataConfirmation:
    """Only the class teacher of this class (people's record, not the token) confirms."""
    school_id = _require(principal, Role.CLASS_TEACHER)
    async with uow:
        school_class = await _school_class(uow.session, school_id, school_class_id)
        if school_class.class_teacher_id != principal.person_id:
            raise Forbidden("Подтверждать данные класса может только его классный руководитель.")
        assert principal.person_id is not None
        confirmation = ClassDataConfirmation(
            id=uuid7(),
            school_id=school_id,
            school_class_id=school_class_id,
            confirmed_by=principal.person_id,
            confirmed_at=now,
            confirmed_on=await school_today(uow.session, school_id, now),
        )
        uow.session.add(confirmation)
        uow.emit(
            ClassDataConfirmed(
                school_class_id=school_class_id,
                school_id=school_id,
                person_id=principal.person_id,
                confirmed_on=confirmation.confirmed_on,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return confirmation


@dataclass(frozen=True)
class Overdue:
    school_class: SchoolClass
    due_on: date
    last: ClassDataConfirmation | None
    today: date

    @property
    def days_overdue(self) -> int:
        return (self.today - self.due_on).days


async def overdue_confirmations(db: Database, principal: Principal, now: datetime) -> list[Overdue]:
    """Classes of the current academic year whose confirmation is overdue, longest first."""
    school_id = _require(principal, *OVERDUE_READERS)
    async with db.sessionmaker() as session:
        today = await school_today(session, school_id, now)
        year = await session.scalar(
            select(AcademicYear).where(
                AcademicYear.school_id == school_id,
                AcademicYear.starts_on <= today,
                AcademicYear.ends_on >= today,
            )
        )
        if year is None:
            return []
        # DISTINCT ON: each class's latest confirmation in one query.
        latest = await session.scalars(
            select(ClassDataConfirmation)
            .where(
                ClassDataConfirmation.school_class_id.in_(
                    select(SchoolClass.id).where(SchoolClass.academic_year_id == year.id)
                )
            )
            .ext(distinct_on(ClassDataConfirmation.school_class_id))
            .order_by(
                ClassDataConfirmation.school_class_id,
                ClassDataConfirmation.confirmed_at.desc(),
                ClassDataConfirmation.id.desc(),
            )
        )
        last_of = {row.school_class_id: row for row in latest}
        classes = await session.scalars(
            select(SchoolClass)
            .where(SchoolClass.academic_year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
        found: list[Overdue] = []
        for school_class in classes:
            last = last_of.get(school_class.id)
            due = domain.confirmation_overdue(
                year.starts_on, year.ends_on, last.confirmed_on if last else None, today
            )
            if due is not None:
                found.append(Overdue(school_class, due, last, today))
    return sorted(found, key=lambda o: o.due_on)
