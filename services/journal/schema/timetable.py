"""The timetable: lessons put on dates."""

from __future__ import annotations

from datetime import date

import strawberry

from services.journal import timetable
from services.journal.schema.types import (
    Lesson,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

TIMETABLE_EDITORS = timetable.TIMETABLE_EDITORS


@strawberry.input
class ScheduleLessonInput:
    school_class_id: strawberry.ID
    subject_id: strawberry.ID
    teacher_id: strawberry.ID
    date: date
    number: int


@strawberry.type
class TimetableMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TIMETABLE_EDITORS))
    async def schedule_lesson(self, info: Info, input: ScheduleLessonInput) -> Lesson:
        info.context.require(*TIMETABLE_EDITORS)
        view = await timetable.schedule_lesson(
            info.context.uow(),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
            parse_id(input.teacher_id, "teacherId"),
            input.date,
            input.number,
        )
        return Lesson.of(view)
