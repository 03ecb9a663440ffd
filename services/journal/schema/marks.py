"""Marks on lessons."""

from __future__ import annotations

import strawberry

from services.journal import marks
from services.journal.schema.types import (
    TEACHERS,
    Mark,
)
from services.kernel.errors import ValidationFailed
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of


@strawberry.input
class RecordMarkInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    value: int
    comment: str | None = None
    weight: int | None = strawberry.field(
        default=None,
        deprecation_reason="The weight comes from the assignment type: use assignmentId",
    )


@strawberry.input
class ChangeMarkInput:
    mark_id: strawberry.ID
    value: int
    comment: str | None = None
    weight: int | None = strawberry.field(
        default=None,
        deprecation_reason="The weight comes from the assignment type: use assignmentId",
    )


@strawberry.input
class RemoveMarkInput:
    mark_id: strawberry.ID


def _refuse_weight(weight: int | None) -> None:
    if weight is not None:
        raise ValidationFailed(
            "Вес отметки задаётся типом задания (настройка школы): выберите задание нужного типа.",
            field="weight",
        )


@strawberry.type
class MarksMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def record_mark(self, info: Info, input: RecordMarkInput) -> Mark:
        info.context.require(*TEACHERS)
        _refuse_weight(input.weight)
        view = await marks.record_mark(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            input.value,
            input.comment,
        )
        return Mark.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def change_mark(self, info: Info, input: ChangeMarkInput) -> Mark:
        info.context.require(*TEACHERS)
        _refuse_weight(input.weight)
        view = await marks.change_mark(
            info.context.uow(),
            parse_id(input.mark_id, "markId"),
            input.value,
            input.comment,
        )
        return Mark.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def remove_mark(self, info: Info, input: RemoveMarkInput) -> strawberry.ID:
        info.context.require(*TEACHERS)
        removed = await marks.remove_mark(info.context.uow(), parse_id(input.mark_id, "markId"))
        return strawberry.ID(str(removed))
