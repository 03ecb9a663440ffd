"""Substitutions: another teacher gives a lesson, and the log of who replaced whom.

The academic secretary, the deputy director for education content or the administrator
records one; the substitute then fills the lesson in (``access.may_write_lesson`` honours it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import check_range, require, same_school, school_class_name
from services.journal.domain import lessons as rules
from services.journal.events import SubstitutionCancelled, SubstitutionRecorded
from services.journal.lock import ensure_year_open
from services.journal.models import Lesson, Person, RoleGrant, Substitution
from services.journal.reads import assemble
from services.journal.views import LessonView, SubstitutionView
from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork

# Who arranges substitutions (the regulation: the academic part of the school).
ARRANGERS: tuple[Role, ...] = (
    Role.ACADEMIC_SECRETARY,
    Role.DEPUTY_DIRECTOR_CONTENT,
    Role.ADMINISTRATOR,
)
# Who reads the whole log; a teacher reads the lines they gave or missed.
OVERSEERS: tuple[Role, ...] = (*ADMINISTRATION, Role.ACADEMIC_SECRETARY)


def _view(sub: Substitution, lesson: Lesson) -> SubstitutionView:
    return SubstitutionView(
        lesson.id, lesson.school_class_id, lesson.subject_id, lesson.date, lesson.number,
        sub.substitute_id, sub.absent_teacher_id, sub.reason, sub.recorded_by, sub.recorded_at,
    )  # fmt: skip


def _event(cls: type, sub: Substitution, lesson: Lesson) -> SubstitutionRecorded:
    return cls(
        lesson_id=lesson.id,
        school_id=lesson.school_id,
        school_class_id=lesson.school_class_id,
        subject_id=lesson.subject_id,
        date=lesson.date,
        number=lesson.number,
        substitute_id=sub.substitute_id,
        absent_teacher_id=sub.absent_teacher_id,
    )


async def _lesson(s: AsyncSession, principal: Principal, lesson_id: UUID) -> Lesson:
    lesson = await s.get(Lesson, lesson_id, with_for_update=True)
    if lesson is None:
        raise NotFound("Урок не найден.")
    same_school(principal, lesson.school_id, "Урок")
    return lesson


async def _busy(s: AsyncSession, person_id: UUID, lesson: Lesson) -> bool:
    """Another lesson at that date and number is theirs (own, not given away, or a substitution)."""
    other = and_(
        Lesson.id != lesson.id,
        Lesson.school_id == lesson.school_id,
        Lesson.date == lesson.date,
        Lesson.number == lesson.number,
        ~Lesson.cancelled,
    )
    given_away = exists().where(
        Substitution.lesson_id == Lesson.id, Substitution.substitute_id != person_id
    )
    substituting = exists().where(
        Substitution.lesson_id == Lesson.id, Substitution.substitute_id == person_id
    )
    own = and_(Lesson.teacher_id == person_id, ~given_away)
    return bool(await s.scalar(select(exists().where(other, or_(own, substituting)))))


async def _is_teacher(s: AsyncSession, person_id: UUID) -> bool:
    return bool(
        await s.scalar(
            select(
                exists().where(
                    RoleGrant.person_id == person_id,
                    RoleGrant.role == Role.SUBJECT_TEACHER.value,
                )
            )
        )
    )


async def record_substitution(
    uow: UnitOfWork, lesson_id: UUID, substitute_id: UUID, reason: str | None
) -> SubstitutionView:
    principal = uow.principal
    person_id = require(principal, *ARRANGERS)
    reason_text = rules.check_reason(reason)
    async with uow:
        s = uow.session
        lesson = await _lesson(s, principal, lesson_id)
        await ensure_year_open(s, lesson)
        if lesson.cancelled:
            raise Conflict(f"Урок {lesson.date:%d.%m.%Y} отменён: замена не нужна.")
        # Locked: two substitutions at once must not both find the same teacher free.
        substitute = await s.get(Person, substitute_id, with_for_update=True)
        if (
            substitute is None
            or substitute.school_id != lesson.school_id
            or substitute.kind != "staff"
            or not await _is_teacher(s, substitute_id)
        ):
            raise ValidationFailed(
                "Заменять урок может только учитель этой школы (сотрудник с ролью "
                "учителя-предметника): иначе он не сможет заполнить журнал урока.",
                field="substituteId",
            )
        if substitute_id == lesson.teacher_id:
            raise ValidationFailed(
                "Это учитель, который ведёт урок по расписанию: выберите другого учителя "
                "или отмените замену.",
                field="substituteId",
            )
        if await _busy(s, substitute_id, lesson):
            raise Conflict(
                f"{substitute.last_name} {substitute.first_name} занят(а) на {lesson.number}-м "
                f"уроке {lesson.date:%d.%m.%Y}: выберите другого учителя.",
                field="substituteId",
            )
        sub = await s.get(Substitution, lesson.id, with_for_update=True)
        if sub is not None and sub.substitute_id != substitute_id:
            uow.emit(_event(SubstitutionCancelled, sub, lesson), school_id=lesson.school_id)
        if sub is None:
            sub = Substitution(lesson_id=lesson.id, school_id=lesson.school_id)
            s.add(sub)
        sub.substitute_id, sub.absent_teacher_id = substitute_id, lesson.teacher_id
        sub.reason, sub.recorded_by, sub.recorded_at = reason_text, person_id, utcnow()
        uow.emit(_event(SubstitutionRecorded, sub, lesson), school_id=lesson.school_id)
        await s.flush()
        view = _view(sub, lesson)
        await uow.commit()
    return view


async def cancel_substitution(uow: UnitOfWork, lesson_id: UUID) -> UUID:
    principal = uow.principal
    require(principal, *ARRANGERS)
    async with uow:
        s = uow.session
        lesson = await _lesson(s, principal, lesson_id)
        await ensure_year_open(s, lesson)
        sub = await s.get(Substitution, lesson.id, with_for_update=True)
        if sub is None:
            class_name = await school_class_name(s, lesson.school_class_id)
            raise NotFound(
                f"На {lesson.number}-й урок {lesson.date:%d.%m.%Y} в классе {class_name} "
                "замена не назначена."
            )
        uow.emit(_event(SubstitutionCancelled, sub, lesson), school_id=lesson.school_id)
        await s.delete(sub)
        await uow.commit()
    return lesson_id


async def substitution_log(
    db: Database, principal: Principal, start: date, end: date, teacher_id: UUID | None
) -> list[SubstitutionView]:
    """The administration and the secretary read anyone's; a teacher only their own lines."""
    person_id = require(principal)
    check_range(start, end)
    if not principal.has_role(*OVERSEERS):
        if teacher_id not in (None, person_id):
            return []  # a list: another teacher's lines are not in a teacher's (kernel.visibility)
        teacher_id = person_id
    query = (
        select(Substitution, Lesson)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Substitution.school_id == principal.school_id, Lesson.date.between(start, end))
        .order_by(Lesson.date, Lesson.number, Lesson.school_class_id)
    )
    if teacher_id is not None:
        query = query.where(
            or_(
                Substitution.substitute_id == teacher_id,
                Substitution.absent_teacher_id == teacher_id,
            )
        )
    async with db.sessionmaker() as s:
        return [_view(sub, lesson) for sub, lesson in await s.execute(query)]


async def substitutions_by_lesson(
    db: Database, principal: Principal, lesson_ids: Sequence[UUID]
) -> list[SubstitutionView | None]:
    """DataLoader batch for ``Lesson.substitution``: one query for all the lessons asked."""
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Substitution, Lesson)
            .join(Lesson, Lesson.id == Substitution.lesson_id)
            .where(
                Substitution.lesson_id.in_(list(lesson_ids)),
                Substitution.school_id == principal.school_id,
            )
        )
        found = {lesson.id: _view(sub, lesson) for sub, lesson in rows}
    return [found.get(i) for i in lesson_ids]


async def lessons_by_id(
    db: Database, principal: Principal, lesson_ids: Sequence[UUID]
) -> list[LessonView | None]:
    """DataLoader batch for ``Substitution.lesson``: the lessons with marks and attendance."""
    async with db.sessionmaker() as s:
        found = await assemble(
            s,
            select(Lesson).where(
                Lesson.id.in_(list(lesson_ids)), Lesson.school_id == principal.school_id
            ),
            principal,
        )
    by_id = {lesson.id: lesson for lesson in found}
    return [by_id.get(i) for i in lesson_ids]


def may_open_lesson(principal: Principal, view: SubstitutionView) -> bool:
    """The whole lesson (every student's marks) for the log's readers, not for families."""
    return principal.has_role(*OVERSEERS) or principal.person_id in (
        view.substitute_id,
        view.absent_teacher_id,
    )
