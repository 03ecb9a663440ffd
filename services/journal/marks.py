"""Marks: recorded, changed and removed, each change kept with who, when, before and after."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import (
    lesson_for_writing,
    require_enrolled,
    same_school,
)
from services.journal.events import (
    MarkChanged,
    MarkRecorded,
    MarkRemoved,
)
from services.journal.lock import ensure_editable
from services.journal.models import (
    Assignment,
    AssignmentType,
    Lesson,
    Mark,
    MarkHistory,
    Subject,
)
from services.journal.views import (
    MarkView,
    mark_view,
)
from services.kernel.errors import NotFound
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork


async def record_mark(
    uow: UnitOfWork,
    lesson_id: UUID,
    student_id: UUID,
    value: int,
    comment: str | None = None,
) -> MarkView:
    principal = uow.principal
    domain.check_mark(value)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        lesson, subject = await lesson_for_writing(s, principal, lesson_id)
        await require_enrolled(s, student_id, lesson)
        await ensure_editable(s, lesson)
        assignment_id, weight = await _default_assignment(s, lesson, student_id, principal)
        now = utcnow()
        mark = Mark(
            id=uuid7(),
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            assignment_id=assignment_id,
            student_id=student_id,
            value=value,
            comment=comment_text,
            created_by=principal.person_id,
            created_at=now,
        )
        s.add(mark)
        s.add(_history(mark, "recorded", None, mark, principal.person_id, now))
        await s.flush()
        uow.emit(
            MarkRecorded(
                mark_id=mark.id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=student_id,
                school_class_id=lesson.school_class_id,
                subject_id=subject.id,
                subject_name=subject.name,
                teacher_id=lesson.teacher_id,
                value=value,
                weight=weight,
                date=lesson.date,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return mark_view(mark, weight)


async def _default_assignment(
    s: AsyncSession, lesson: Lesson, student_id: UUID, principal: Principal
) -> tuple[UUID, int]:
    """The lesson's "ответ на уроке" the student has no mark for yet, or a new one."""
    type_id, weight = (
        await s.execute(
            select(AssignmentType.id, AssignmentType.weight).where(
                AssignmentType.school_id == lesson.school_id, AssignmentType.is_default
            )
        )
    ).one()
    free = await s.scalar(
        select(Assignment.id)
        .where(
            Assignment.lesson_id == lesson.id,
            Assignment.assignment_type_id == type_id,
            ~exists().where(Mark.assignment_id == Assignment.id, Mark.student_id == student_id),
        )
        .order_by(Assignment.created_at)
        .limit(1)
    )
    if free is None:
        free = uuid7()
        s.add(
            Assignment(
                id=free,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                assignment_type_id=type_id,
                created_by=principal.person_id,
            )
        )
        await s.flush()
    return free, weight


async def _weight(s: AsyncSession, mark: Mark) -> int:
    weight = await s.scalar(
        select(AssignmentType.weight)
        .join(Assignment, Assignment.assignment_type_id == AssignmentType.id)
        .where(Assignment.id == mark.assignment_id)
    )
    assert weight is not None
    return int(weight)


def _history(
    mark: Mark,
    action: str,
    before: tuple[int, str | None] | None,
    after: Mark | None,
    by: UUID | None,
    at: datetime,
) -> MarkHistory:
    return MarkHistory(
        id=uuid7(),
        school_id=mark.school_id,
        mark_id=mark.id,
        lesson_id=mark.lesson_id,
        assignment_id=mark.assignment_id,
        student_id=mark.student_id,
        action=action,
        value_before=before[0] if before else None,
        comment_before=before[1] if before else None,
        value_after=after.value if after else None,
        comment_after=after.comment if after else None,
        changed_by=by,
        changed_at=at,
    )


async def _mark_for_writing(
    s: AsyncSession, principal: Principal, mark_id: UUID
) -> tuple[Mark, Lesson, Subject]:
    mark = await s.get(Mark, mark_id, with_for_update=True)
    if mark is None:
        raise NotFound("Отметка не найдена.")
    same_school(principal, mark.school_id, "Отметка")
    lesson, subject = await lesson_for_writing(s, principal, mark.lesson_id)
    await require_enrolled(s, mark.student_id, lesson)
    await ensure_editable(s, lesson)
    return mark, lesson, subject


async def change_mark(
    uow: UnitOfWork,
    mark_id: UUID,
    value: int,
    comment: str | None = None,
) -> MarkView:
    principal = uow.principal
    domain.check_mark(value)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        mark, lesson, _ = await _mark_for_writing(s, principal, mark_id)
        before = (mark.value, mark.comment)
        now = utcnow()
        mark.value, mark.comment = value, comment_text
        mark.updated_by, mark.updated_at = principal.person_id, now
        s.add(_history(mark, "changed", before, mark, principal.person_id, now))
        if before[0] != value:
            uow.emit(
                MarkChanged(
                    mark_id=mark.id,
                    school_id=mark.school_id,
                    student_id=mark.student_id,
                    school_class_id=lesson.school_class_id,
                    subject_id=lesson.subject_id,
                    value_before=before[0],
                    value=value,
                ),
                school_id=mark.school_id,
            )
        weight = await _weight(s, mark)
        await uow.commit()
    return mark_view(mark, weight)


async def remove_mark(uow: UnitOfWork, mark_id: UUID) -> UUID:
    principal = uow.principal
    async with uow:
        s = uow.session
        mark, lesson, _ = await _mark_for_writing(s, principal, mark_id)
        s.add(
            _history(
                mark, "removed", (mark.value, mark.comment), None, principal.person_id, utcnow()
            )
        )
        await s.delete(mark)
        uow.emit(
            MarkRemoved(
                mark_id=mark.id,
                school_id=mark.school_id,
                student_id=mark.student_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
            ),
            school_id=mark.school_id,
        )
        await uow.commit()
    return mark_id
