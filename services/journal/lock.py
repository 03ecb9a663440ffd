"""The journal's locks: a lesson's marks and attendance after the lock period, a closed year.

A write path asks once (``lesson_facts``): the lesson, its subject and class, whether the caller
may write it, whether the student is on the class's roster, the school's today and lock period
and whether the year is closed — one round trip instead of one query per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.domain.marks import is_past_lock as past_lock
from services.journal.models import (
    AcademicYear,
    Enrolment,
    JournalSettings,
    Lesson,
    School,
    SchoolClass,
    Subject,
    Substitution,
    TeachingLoad,
    YearClosing,
)
from services.kernel.errors import Forbidden, Locked, NotFound, ValidationFailed
from services.kernel.principal import Principal

DEFAULT_TIMEZONE = "Asia/Tomsk"


async def school_today(session: AsyncSession, school_id: UUID) -> date:
    """Today where the school is (Tomsk is UTC+7: "today" is not the server's)."""
    tz = await session.scalar(select(School.timezone).where(School.id == school_id))
    return datetime.now(ZoneInfo(tz or DEFAULT_TIMEZONE)).date()


async def lock_days(session: AsyncSession, school_id: UUID) -> int:
    days = await session.scalar(
        select(JournalSettings.lock_days).where(JournalSettings.school_id == school_id)
    )
    return domain.DEFAULT_LOCK_DAYS if days is None else int(days)


def _year_closed(school_id: object, day: object) -> object:
    return exists().where(
        YearClosing.academic_year_id == AcademicYear.id,
        AcademicYear.school_id == school_id,
        AcademicYear.starts_on <= day,
        AcademicYear.ends_on >= day,
    )


def _today(school_id: object) -> object:
    tz = (
        select(School.timezone).where(School.id == school_id).scalar_subquery()
    )  # the school's zone; the server's clock
    return cast(func.timezone(func.coalesce(tz, DEFAULT_TIMEZONE), func.now()), Date)


def _lock_days(school_id: object) -> object:
    days = (
        select(JournalSettings.lock_days)
        .where(JournalSettings.school_id == school_id)
        .scalar_subquery()
    )
    return func.coalesce(days, domain.DEFAULT_LOCK_DAYS)


async def year_closed_on(session: AsyncSession, school_id: UUID, day: date) -> bool:
    """Whether the academic year that holds ``day`` is closed."""
    return bool(await session.scalar(select(_year_closed(school_id, day))))


def _year_closed_error() -> Locked:
    return Locked(
        "Учебный год закрыт: журнал этого года доступен только для чтения.",
        reason="year_closed",
    )


def _lock_error(lesson_date: date, days: int) -> Locked:
    return Locked(
        f"Отметки и посещаемость урока {lesson_date:%d.%m.%Y} нельзя изменить: прошло "
        f"больше {days} дней. Подайте заявку на исправление с указанием причины.",
        reason="lock_period",
    )


@dataclass(frozen=True)
class LockFacts:
    today: date
    lock_days: int
    year_closed: bool


async def lock_facts(session: AsyncSession, lesson: Lesson) -> LockFacts:
    row = (
        await session.execute(
            select(
                _today(lesson.school_id),
                _lock_days(lesson.school_id),
                _year_closed(lesson.school_id, lesson.date),
            )
        )
    ).one()
    return LockFacts(row[0], int(row[1]), bool(row[2]))


async def ensure_year_open(session: AsyncSession, lesson: Lesson) -> None:
    if await year_closed_on(session, lesson.school_id, lesson.date):
        raise _year_closed_error()


async def is_past_lock(session: AsyncSession, lesson: Lesson) -> bool:
    facts = await lock_facts(session, lesson)
    return past_lock(lesson.date, facts.today, facts.lock_days)


async def ensure_editable(session: AsyncSession, lesson: Lesson) -> None:
    """Teachers change marks and attendance only within the lock period of a year still open.

    Past it the change goes through a correction request the administration decides.
    """
    facts = await lock_facts(session, lesson)
    if facts.year_closed:
        raise _year_closed_error()
    if past_lock(lesson.date, facts.today, facts.lock_days):
        raise _lock_error(lesson.date, facts.lock_days)


# --- one round trip for a write path (marks, assignments, correction requests) ----------------


@dataclass(frozen=True)
class LessonFacts:
    """What a write to a lesson's journal needs to know, fetched in one query."""

    lesson: Lesson
    subject_name: str
    class_name: str
    may_write: bool
    enrolled: bool
    today: date
    lock_days: int
    year_closed: bool

    @property
    def locked(self) -> bool:
        return past_lock(self.lesson.date, self.today, self.lock_days)

    def ensure_writer(self) -> None:
        if not self.may_write:
            raise Forbidden(
                f"Вы не ведёте предмет «{self.subject_name}» в классе {self.class_name}: "
                "заполнять журнал этого урока может учитель с такой нагрузкой или назначенный "
                "на замену."
            )

    def ensure_enrolled(self) -> None:
        if not self.enrolled:
            raise ValidationFailed(
                f"Учащийся не числится в классе {self.class_name}.", field="studentId"
            )

    def ensure_year_open(self) -> None:
        if self.year_closed:
            raise _year_closed_error()

    def ensure_editable(self) -> None:
        self.ensure_year_open()
        if self.locked:
            raise _lock_error(self.lesson.date, self.lock_days)


def may_write_clause(person_id: UUID) -> object:
    """The load puts the person on this class, subject (and subgroup), or a substitution does."""
    load = exists().where(
        TeachingLoad.teacher_id == person_id,
        TeachingLoad.school_class_id == Lesson.school_class_id,
        TeachingLoad.subject_id == Lesson.subject_id,
        or_(
            Lesson.subgroup_id.is_(None),
            TeachingLoad.subgroup_id.is_(None),
            TeachingLoad.subgroup_id == Lesson.subgroup_id,
        ),
    )
    substitution = exists().where(
        Substitution.lesson_id == Lesson.id, Substitution.substitute_id == person_id
    )
    return or_(load, substitution)


async def lesson_facts(
    session: AsyncSession,
    principal: Principal,
    lesson_id: UUID,
    student_id: UUID | None = None,
) -> LessonFacts:
    """The lesson with the caller's right to write it and its locks; another school's is absent.

    Raises NOT_FOUND for a lesson the caller's school does not have; the other checks are left
    to the caller (``ensure_writer``, ``ensure_enrolled``, ``ensure_editable``).
    """
    person_id = principal.person_id
    enrolled = (
        exists().where(
            Enrolment.person_id == student_id,
            Enrolment.school_class_id == Lesson.school_class_id,
        )
        if student_id is not None
        else literal(True)
    )
    row = (
        await session.execute(
            select(
                Lesson,
                Subject.name,
                func.coalesce(SchoolClass.name, "—"),
                may_write_clause(person_id) if person_id else literal(False),
                enrolled,
                _today(Lesson.school_id),
                _lock_days(Lesson.school_id),
                _year_closed(Lesson.school_id, Lesson.date),
            )
            .join(Subject, Subject.id == Lesson.subject_id)
            .outerjoin(SchoolClass, SchoolClass.id == Lesson.school_class_id)
            .where(and_(Lesson.id == lesson_id, Lesson.school_id == principal.school_id))
        )
    ).first()
    if row is None:
        raise NotFound("Урок не найден.")
    lesson, subject_name, class_name, may_write, is_enrolled, today, days, closed = row
    return LessonFacts(
        lesson, subject_name, class_name, bool(may_write), bool(is_enrolled), today, int(days),
        bool(closed),
    )  # fmt: skip
