"""Attendance on lessons."""

from __future__ import annotations

import strawberry

from services.journal import (
    attendance,
    domain,
)
from services.journal.schema.types import (
    TEACHERS,
    Attendance,
    AttendanceCodeType,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of


@strawberry.input
class MarkAbsentInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    code: AttendanceCodeType


@strawberry.type
class AttendanceMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def mark_absent(self, info: Info, input: MarkAbsentInput) -> Attendance:
        info.context.require(*TEACHERS)
        view = await attendance.mark_absent(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            domain.AttendanceCode(input.code.value),
        )
        return Attendance.of(view)
