"""A lesson's topic and homework."""

from __future__ import annotations

import strawberry

from services.journal import lessons
from services.journal.schema.types import (
    TEACHERS,
    Lesson,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of


@strawberry.input
class SetLessonTopicInput:
    lesson_id: strawberry.ID
    topic: str | None = None
    homework: str | None = None


@strawberry.type
class LessonsMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def set_lesson_topic(self, info: Info, input: SetLessonTopicInput) -> Lesson:
        info.context.require(*TEACHERS)
        view = await lessons.set_lesson_topic(
            info.context.uow(), parse_id(input.lesson_id, "lessonId"), input.topic, input.homework
        )
        return Lesson.of(view)
