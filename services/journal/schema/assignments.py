"""Assignment types (the school's weights) and the assignments of a lesson."""

from __future__ import annotations

from datetime import date

import strawberry

from services.journal import assignments
from services.journal.schema.types import DIARY_READERS, TEACHERS, Assignment, AssignmentKind
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

TYPE_EDITORS = assignments.TYPE_EDITORS


@strawberry.input
class CreateAssignmentTypeInput:
    name: str
    weight: int = 1


@strawberry.input
class UpdateAssignmentTypeInput:
    id: strawberry.ID
    name: str | None = None
    weight: int | None = None
    archived: bool | None = None


@strawberry.input
class CreateAssignmentInput:
    lesson_id: strawberry.ID
    type_id: strawberry.ID
    topic: str | None = None
    comment: str | None = None
    mandatory: bool = False
    due_on: date | None = None


@strawberry.input
class UpdateAssignmentInput:
    id: strawberry.ID
    type_id: strawberry.ID | None = None
    topic: str | None = None
    comment: str | None = None
    mandatory: bool | None = None
    due_on: date | None = None
    clear_due_on: bool = strawberry.field(
        default=False, description="Снять срок сдачи (необязательное задание)."
    )


@strawberry.input
class RemoveAssignmentInput:
    id: strawberry.ID


@strawberry.type
class AssignmentsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*DIARY_READERS),
        description="Типы заданий школы с их весами (архивные — по запросу).",
    )
    async def assignment_types(
        self, info: Info, include_archived: bool = False
    ) -> list[AssignmentKind] | None:
        principal = info.context.require(*DIARY_READERS)
        views = await assignments.assignment_types(
            info.context.runtime.db, principal, include_archived
        )
        return [AssignmentKind.of(v) for v in views]


@strawberry.type
class AssignmentsMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TYPE_EDITORS))
    async def create_assignment_type(
        self, info: Info, input: CreateAssignmentTypeInput
    ) -> AssignmentKind | None:
        info.context.require(*TYPE_EDITORS)
        view = await assignments.create_assignment_type(
            info.context.uow(), input.name, input.weight
        )
        return AssignmentKind.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TYPE_EDITORS),
        description="Новый вес учитывается во всех средних баллах, посчитанных после изменения.",
    )
    async def update_assignment_type(
        self, info: Info, input: UpdateAssignmentTypeInput
    ) -> AssignmentKind | None:
        info.context.require(*TYPE_EDITORS)
        view = await assignments.update_assignment_type(
            info.context.uow(),
            parse_id(input.id, "id"),
            name=input.name,
            weight=input.weight,
            archived=input.archived,
        )
        return AssignmentKind.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def create_assignment(
        self, info: Info, input: CreateAssignmentInput
    ) -> Assignment | None:
        info.context.require(*TEACHERS)
        view = await assignments.create_assignment(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.type_id, "typeId"),
            topic=input.topic,
            comment=input.comment,
            mandatory=input.mandatory,
            due_on=input.due_on,
        )
        return Assignment.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def update_assignment(
        self, info: Info, input: UpdateAssignmentInput
    ) -> Assignment | None:
        info.context.require(*TEACHERS)
        view = await assignments.update_assignment(
            info.context.uow(),
            parse_id(input.id, "id"),
            type_id=parse_id(input.type_id, "typeId") if input.type_id else None,
            topic=input.topic,
            comment=input.comment,
            mandatory=input.mandatory,
            due_on=input.due_on,
            clear_due_on=input.clear_due_on,
        )
        return Assignment.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Удалить задание без отметок (с отметками — CONFLICT).",
    )
    async def remove_assignment(
        self, info: Info, input: RemoveAssignmentInput
    ) -> strawberry.ID | None:
        info.context.require(*TEACHERS)
        removed = await assignments.remove_assignment(info.context.uow(), parse_id(input.id, "id"))
        return strawberry.ID(str(removed))
