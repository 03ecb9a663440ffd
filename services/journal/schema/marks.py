"""Marks on lessons."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from services.journal import marks
from services.journal.schema.types import (
    JOURNAL_READERS,
    TEACHERS,
    Mark,
    Person,
    Student,
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
    assignment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Задание урока; без него отметка идёт в тип «ответ на уроке».",
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
    async def record_mark(self, info: Info, input: RecordMarkInput) -> Mark | None:
        info.context.require(*TEACHERS)
        _refuse_weight(input.weight)
        view = await marks.record_mark(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            input.value,
            input.comment,
            parse_id(input.assignment_id, "assignmentId") if input.assignment_id else None,
        )
        return Mark.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def change_mark(self, info: Info, input: ChangeMarkInput) -> Mark | None:
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
    async def remove_mark(self, info: Info, input: RemoveMarkInput) -> strawberry.ID | None:
        info.context.require(*TEACHERS)
        removed = await marks.remove_mark(info.context.uow(), parse_id(input.mark_id, "markId"))
        return strawberry.ID(str(removed))

    # marks: a whole class on one assignment in one transaction
    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Отметки класса за одно задание одним сохранением: все или ни одной.",
    )
    async def record_marks(self, info: Info, input: RecordMarksInput) -> list[Mark] | None:
        info.context.require(*TEACHERS)
        views = await marks.record_marks(
            info.context.uow(),
            parse_id(input.assignment_id, "assignmentId"),
            [
                marks.MarkEntry(parse_id(m.student_id, "studentId"), m.value, m.comment)
                for m in input.marks
            ],
        )
        return [Mark.of(v) for v in views]


@strawberry.input
class MarkEntryInput:
    student_id: strawberry.ID
    value: int
    comment: str | None = None


@strawberry.input
class RecordMarksInput:
    assignment_id: strawberry.ID
    marks: list[MarkEntryInput]


@strawberry.enum(name="MarkChangeAction")
class MarkChangeAction(Enum):
    RECORDED = "recorded"
    CHANGED = "changed"
    REMOVED = "removed"


@strawberry.federation.type(
    authenticated=True, description="Изменение отметки: кто, когда, что было и что стало."
)
class MarkChange:
    id: strawberry.ID
    mark_id: strawberry.ID
    lesson_id: strawberry.ID
    assignment_id: strawberry.ID | None
    student: Student
    action: MarkChangeAction
    value_before: int | None
    value_after: int | None
    comment_before: str | None
    comment_after: str | None
    changed_by: Person | None
    changed_at: datetime
    correction_request_id: strawberry.ID | None = strawberry.field(
        description="Заявка на исправление, по которой внесено изменение."
    )

    @strawberry.federation.field(
        authenticated=True, description="Изменение внесено по одобренной заявке на исправление."
    )
    def via_correction(self) -> bool:
        return self.correction_request_id is not None

    @classmethod
    def of(cls, v: marks.MarkHistoryView) -> MarkChange:
        return cls(
            id=strawberry.ID(str(v.id)),
            mark_id=strawberry.ID(str(v.mark_id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            assignment_id=strawberry.ID(str(v.assignment_id)) if v.assignment_id else None,
            student=Student(id=strawberry.ID(str(v.student_id))),
            action=MarkChangeAction(v.action),
            value_before=v.value_before,
            value_after=v.value_after,
            comment_before=v.comment_before,
            comment_after=v.comment_after,
            changed_by=Person(id=strawberry.ID(str(v.changed_by))) if v.changed_by else None,
            changed_at=v.changed_at,
            correction_request_id=(
                strawberry.ID(str(v.correction_request_id)) if v.correction_request_id else None
            ),
        )


@strawberry.type
class MarksQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*JOURNAL_READERS),
        description=(
            "История изменений отметок (по отметке, уроку или учащемуся): учителю урока, "
            "классному руководителю и администрации."
        ),
    )
    async def mark_history(
        self,
        info: Info,
        mark_id: strawberry.ID | None = None,
        lesson_id: strawberry.ID | None = None,
        student_id: strawberry.ID | None = None,
    ) -> list[MarkChange] | None:
        principal = info.context.require(*JOURNAL_READERS)
        views = await marks.mark_history(
            info.context.runtime.db,
            principal,
            mark_id=parse_id(mark_id, "markId") if mark_id else None,
            lesson_id=parse_id(lesson_id, "lessonId") if lesson_id else None,
            student_id=parse_id(student_id, "studentId") if student_id else None,
        )
        return [MarkChange.of(v) for v in views]
