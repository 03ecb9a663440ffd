"""A lesson's topic and homework, and the files the homework carries."""

from __future__ import annotations

import strawberry

from services.journal import lessons
from services.journal.files import file_store
from services.journal.schema.types import (
    TEACHERS,
    HomeworkFile,
    Lesson,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.inputs import FILE_BASE64_MAX, max_length
from services.kernel.roles import any_of


@strawberry.input
class SetLessonTopicInput:
    lesson_id: strawberry.ID
    topic: str | None = None
    homework: str | None = None


@strawberry.input
class AttachHomeworkFileInput:
    lesson_id: strawberry.ID
    file_name: str
    content_type: str | None = strawberry.field(
        default=None,
        description="Тип, названный клиентом; сохраняется тип, распознанный по содержимому.",
    )
    # A file of up to 10 MB in base64; the gateway's body limit bounds it too.
    content_base64: str = strawberry.field(metadata=max_length(FILE_BASE64_MAX))


@strawberry.type
class LessonsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Тема урока и домашнее задание (по-русски): учитель с нагрузкой или на замене.",
    )
    async def set_lesson_topic(self, info: Info, input: SetLessonTopicInput) -> Lesson | None:
        info.context.require(*TEACHERS)
        view = await lessons.set_lesson_topic(
            info.context.uow(), parse_id(input.lesson_id, "lessonId"), input.topic, input.homework
        )
        return Lesson.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Прикрепить файл к домашнему заданию: учитель с нагрузкой или на замене.",
    )
    async def attach_homework_file(
        self, info: Info, input: AttachHomeworkFileInput
    ) -> HomeworkFile | None:
        info.context.require(*TEACHERS)
        view = await lessons.attach_homework_file(
            info.context.uow(),
            file_store(info.context.runtime),
            parse_id(input.lesson_id, "lessonId"),
            input.file_name,
            input.content_base64,
        )
        return HomeworkFile.of(view, info)

    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Убрать файл из домашнего задания: учитель с нагрузкой или на замене.",
    )
    async def remove_homework_file(self, info: Info, id: strawberry.ID) -> strawberry.ID | None:
        info.context.require(*TEACHERS)
        removed = await lessons.remove_homework_file(
            info.context.uow(), file_store(info.context.runtime), parse_id(id, "id")
        )
        return strawberry.ID(str(removed))
