"""The timetable: lessons put on dates for a class, a subject and a teacher."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import and_, or_, select

from services.journal import domain
from services.journal.access import (
    require,
    teaches,
)
from services.journal.events import (
    LessonScheduled,
)
from services.journal.models import (
    Lesson,
    SchoolClass,
    Subject,
)
from services.journal.views import (
    LessonView,
    lesson_view,
)
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork

TIMETABLE_EDITORS = (Role.ACADEMIC_SECRETARY, Role.ADMINISTRATOR)


async def schedule_lesson(
    uow: UnitOfWork,
    school_class_id: UUID,
    subject_id: UUID,
    teacher_id: UUID,
    lesson_date: date,
    number: int,
) -> LessonView:
    principal = uow.principal
    require(principal, *TIMETABLE_EDITORS)
    domain.check_lesson_number(number)
    async with uow:
        s = uow.session
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        subject = await s.get(Subject, subject_id)
        if subject is None or subject.school_id != principal.school_id:
            raise NotFound("Предмет не найден.")
        if not await teaches(s, teacher_id, school_class_id, subject_id):
            raise ValidationFailed(
                f"У учителя нет нагрузки по предмету «{subject.name}» в классе "
                f"{school_class.name}: сначала назначьте нагрузку.",
                field="teacherId",
            )
        busy = await s.scalar(
            select(Lesson.id).where(
                Lesson.date == lesson_date,
                Lesson.number == number,
                or_(
                    Lesson.teacher_id == teacher_id,
                    # Subgroups share a slot in the same subject; other subjects may not.
                    and_(
                        Lesson.school_class_id == school_class_id,
                        Lesson.subject_id != subject_id,
                    ),
                ),
            )
        )
        if busy is not None:
            raise Conflict(
                f"{lesson_date:%d.%m.%Y}, {number}-й урок уже занят у класса или учителя.",
                field="number",
            )
        lesson = Lesson(
            id=uuid7(),
            school_id=school_class.school_id,
            school_class_id=school_class_id,
            subject_id=subject_id,
            teacher_id=teacher_id,
            date=lesson_date,
            number=number,
        )
        s.add(lesson)
        await s.flush()
        uow.emit(
            LessonScheduled(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=school_class_id,
                subject_id=subject_id,
                subject_name=subject.name,
                teacher_id=teacher_id,
                date=lesson_date,
                number=number,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return lesson_view(lesson)
