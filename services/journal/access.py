"""Who may touch which journal rows: the checks every use case and query runs on the server."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from services.journal.models import (
    AcademicYear,
    Enrolment,
    Guardianship,
    Lesson,
    RoleGrant,
    SchoolClass,
    StudyPeriod,
    Subject,
    Substitution,
    TeachingLoad,
)
from services.kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.visibility import refusal

MAX_RANGE_DAYS = 93  # a term and a bit: enough for a journal page, bounded for the database
# The school's administration that opens any student's diary, as SGO's does (the regulation:
# the director "reads everything"); the system administrator keeps to settings.
DIARY_OVERSEERS: tuple[Role, ...] = (
    Role.DIRECTOR,
    Role.DEPUTY_DIRECTOR_QUALITY,
    Role.DEPUTY_DIRECTOR_CONTENT,
    Role.DEPUTY_DIRECTOR_GENERAL,
    Role.DEPUTY_DIRECTOR_UPBRINGING,
)


# --- access checks ----------------------------------------------------------------------------


def require(principal: Principal, *roles: Role) -> UUID:
    """The caller is someone of this school (and holds one of ``roles`` when given)."""
    if not principal.is_authenticated or principal.person_id is None:
        raise Unauthenticated()
    if roles and not principal.has_role(*roles):
        raise Forbidden()
    return principal.person_id


def same_school(principal: Principal, school_id: UUID, what: str = "Запись") -> None:
    # Another school's rows do not exist for this caller.
    if principal.school_id != school_id:
        raise NotFound(f"{what} не найдена.")


async def teaches(
    session: AsyncSession,
    teacher_id: UUID,
    school_class_id: UUID,
    subject_id: UUID,
    subgroup_id: UUID | None = None,
) -> bool:
    """A load for the whole class covers every subgroup; a subgroup's load covers only it."""
    conditions = [
        TeachingLoad.teacher_id == teacher_id,
        TeachingLoad.school_class_id == school_class_id,
        TeachingLoad.subject_id == subject_id,
    ]
    if subgroup_id is not None:
        conditions.append(
            or_(TeachingLoad.subgroup_id.is_(None), TeachingLoad.subgroup_id == subgroup_id)
        )
    return bool(await session.scalar(select(exists().where(*conditions))))


def may_write_clause(person_id: UUID) -> Any:
    """The load puts the person on this class, subject (and subgroup), or a substitution does.

    Correlated with ``Lesson``: the one statement of who writes a lesson, for every write path
    (``lock.lesson_facts`` repeats it as prepared SQL for the mark path).
    """
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


def journal_reader_clause(principal: Principal) -> ColumnElement[bool]:
    """The caller reads this lesson's marks and attendance (correlated with ``Lesson``).

    The administration reads every class's journal; a teacher the lessons they write
    (``may_write_clause``: load or substitution); a class teacher every lesson of their class.
    Others (the academic secretary who builds the timetable, a teacher of another class)
    see the lesson but not its marks and attendance; families read theirs through the diary.
    """
    if principal.has_role(*ADMINISTRATION):
        return true()
    if principal.person_id is None:
        return false()
    person_id = principal.person_id
    class_teacher = or_(
        exists().where(
            RoleGrant.person_id == person_id,
            RoleGrant.role == Role.CLASS_TEACHER.value,
            RoleGrant.school_class_id == Lesson.school_class_id,
        ),
        exists().where(
            SchoolClass.id == Lesson.school_class_id, SchoolClass.class_teacher_id == person_id
        ),
    )
    return or_(may_write_clause(person_id), class_teacher)


def lesson_seen_clause(principal: Principal) -> ColumnElement[bool]:
    """The caller sees this lesson somewhere in the API (correlated with ``Lesson``): the
    journal's readers, and the academic secretary, who lists every lesson for the timetable."""
    if principal.has_role(Role.ACADEMIC_SECRETARY):
        return true()
    return journal_reader_clause(principal)


async def may_write_lesson(session: AsyncSession, person_id: UUID, lesson: Lesson) -> bool:
    return bool(
        await session.scalar(select(may_write_clause(person_id)).where(Lesson.id == lesson.id))
    )


async def is_class_teacher(session: AsyncSession, person_id: UUID, school_class_id: UUID) -> bool:
    by_grant = exists().where(
        RoleGrant.person_id == person_id,
        RoleGrant.role == Role.CLASS_TEACHER.value,
        RoleGrant.school_class_id == school_class_id,
    )
    by_class = exists().where(
        SchoolClass.id == school_class_id, SchoolClass.class_teacher_id == person_id
    )
    return bool(await session.scalar(select(or_(by_grant, by_class))))


async def is_enrolled(session: AsyncSession, student_id: UUID, school_class_id: UUID) -> bool:
    """In the class now (writes); past stays are in ``enrolment_history`` for the reads."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Enrolment.person_id == student_id, Enrolment.school_class_id == school_class_id
                )
            )
        )
    )


async def school_class_name(session: AsyncSession, school_class_id: UUID) -> str:
    name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == school_class_id))
    return name or "—"


async def lesson_for_writing(
    session: AsyncSession, principal: Principal, lesson_id: UUID, missing: str = "Урок не найден."
) -> tuple[Lesson, Subject]:
    """The lesson, locked, when the caller teaches it (load or substitution); else a refusal:
    NOT_FOUND with ``missing`` (what a missing row of the call says) when the caller does not
    even see the lesson."""
    teacher_id = require(principal)
    row = (
        await session.execute(
            select(
                Lesson,
                Subject,
                may_write_clause(teacher_id),
                lesson_seen_clause(principal),
            )
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.id == lesson_id, Lesson.school_id == principal.school_id)
            .with_for_update(of=Lesson)
        )
    ).first()
    if row is None:
        raise NotFound("Урок не найден.")
    lesson, subject, may_write, seen = row
    if not may_write:
        class_name = await school_class_name(session, lesson.school_class_id) if seen else ""
        raise refusal(
            visible=bool(seen),
            missing=missing,
            forbidden=f"Вы не ведёте предмет «{subject.name}» в классе {class_name}: заполнять "
            "журнал этого урока может учитель с такой нагрузкой или назначенный на замену.",
        )
    if lesson.cancelled:  # timetable: a cancelled lesson is not a lesson to fill in
        raise Conflict(
            f"Урок {lesson.date:%d.%m.%Y} отменён: отметки и посещаемость в нём не ставятся.",
            field="lessonId",
        )
    return lesson, subject


async def require_enrolled(session: AsyncSession, student_id: UUID, lesson: Lesson) -> None:
    if not await is_enrolled(session, student_id, lesson.school_class_id):
        class_name = await school_class_name(session, lesson.school_class_id)
        raise ValidationFailed(f"Учащийся не числится в классе {class_name}.", field="studentId")


def check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("Дата окончания раньше даты начала.", field="to")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"Период не длиннее {MAX_RANGE_DAYS} дней: выберите четверть или месяц.", field="to"
        )


def guardian_clause(parent_id: UUID, student_id: UUID) -> ColumnElement[bool]:
    """The person is a parent of the student (the link people's events put in the replica)."""
    return exists().where(
        Guardianship.parent_id == parent_id, Guardianship.student_id == student_id
    )


async def is_guardian(session: AsyncSession, parent_id: UUID, student_id: UUID) -> bool:
    return bool(await session.scalar(select(guardian_clause(parent_id, student_id))))


async def is_family_of_class(
    session: AsyncSession, principal: Principal, person_id: UUID, school_class_id: UUID
) -> bool:
    """A student of the class, or a parent of one (what the class shares with its families)."""
    if principal.has_role(Role.STUDENT) and await is_enrolled(session, person_id, school_class_id):
        return True
    if principal.has_role(Role.PARENT):
        return bool(
            await session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == person_id,
                        Enrolment.person_id == Guardianship.student_id,
                        Enrolment.school_class_id == school_class_id,
                    )
                )
            )
        )
    return False


# --- rows of the caller's school (another school's rows do not exist for the caller) -----------


class _SchoolRow(Protocol):
    school_id: Any


RowT = TypeVar("RowT", bound=_SchoolRow)


async def own_row(
    session: AsyncSession, principal: Principal, model: type[RowT], row_id: UUID, missing: str
) -> RowT:
    row = await session.get(model, row_id)
    if row is None or row.school_id != principal.school_id:
        raise NotFound(missing)
    return row


async def own_school_class(s: AsyncSession, principal: Principal, row_id: UUID) -> SchoolClass:
    return await own_row(s, principal, SchoolClass, row_id, "Класс не найден.")


async def own_subject(s: AsyncSession, principal: Principal, row_id: UUID) -> Subject:
    return await own_row(s, principal, Subject, row_id, "Предмет не найден.")


async def own_academic_year(s: AsyncSession, principal: Principal, row_id: UUID) -> AcademicYear:
    return await own_row(s, principal, AcademicYear, row_id, "Учебный год не найден.")


async def own_study_period(s: AsyncSession, principal: Principal, row_id: UUID) -> StudyPeriod:
    return await own_row(s, principal, StudyPeriod, row_id, "Учебный период не найден.")
