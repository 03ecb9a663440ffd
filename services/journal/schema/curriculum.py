"""Curriculum and teaching load: subjects and who teaches what."""

from __future__ import annotations

import strawberry

from services.journal import curriculum
from services.journal.schema.types import (
    LESSON_READERS,
    Subject,
    TeachingLoad,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

CURRICULUM_EDITORS = curriculum.CURRICULUM_EDITORS


@strawberry.input
class CreateSubjectInput:
    name: str


@strawberry.input
class AssignTeachingLoadInput:
    teacher_id: strawberry.ID
    school_class_id: strawberry.ID
    subject_id: strawberry.ID


@strawberry.type
class CurriculumQuery:
    @strawberry.federation.field(authenticated=True, description="Предметы учебного плана школы.")
    async def subjects(self, info: Info) -> list[Subject]:
        views = await curriculum.subjects(info.context.runtime.db, info.context.require())
        return [Subject.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Нагрузка учителя: свои классы и предметы (администрация — любого учителя).",
    )
    async def teaching_load(
        self, info: Info, teacher_id: strawberry.ID | None = None
    ) -> list[TeachingLoad]:
        principal = info.context.require(*LESSON_READERS)
        views = await curriculum.teaching_load(
            info.context.runtime.db,
            principal,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
        )
        return [TeachingLoad.of(v) for v in views]


@strawberry.type
class CurriculumMutation:
    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def create_subject(self, info: Info, input: CreateSubjectInput) -> Subject:
        info.context.require(*CURRICULUM_EDITORS)
        return Subject.of(await curriculum.create_subject(info.context.uow(), input.name))

    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def assign_teaching_load(
        self, info: Info, input: AssignTeachingLoadInput
    ) -> TeachingLoad:
        info.context.require(*CURRICULUM_EDITORS)
        view = await curriculum.assign_teaching_load(
            info.context.uow(),
            parse_id(input.teacher_id, "teacherId"),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
        )
        return TeachingLoad.of(view)
