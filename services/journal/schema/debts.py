"""Debts («точки»): a student's mandatory assignments left unmarked after their due date."""

from __future__ import annotations

import strawberry

from services.journal import debts
from services.journal.schema.types import Debt
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of

DEBT_READERS = (
    Role.STUDENT,
    Role.PARENT,
    Role.CLASS_TEACHER,
    Role.SUBJECT_TEACHER,
    *ADMINISTRATION,
)


@strawberry.type
class DebtsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*DEBT_READERS),
        description="Точки учащегося за учебный год (по умолчанию текущий): сам учащийся, его "
        "родители, классный руководитель, учителя класса, администрация.",
    )
    async def debts(
        self,
        info: Info,
        student_id: strawberry.ID,
        academic_year_id: strawberry.ID | None = None,
    ) -> list[Debt] | None:
        principal = info.context.require(*DEBT_READERS)
        views = await debts.debts(
            info.context.runtime.db,
            principal,
            parse_id(student_id, "studentId"),
            parse_id(academic_year_id, "academicYearId") if academic_year_id else None,
        )
        return [Debt.of(v) for v in views]
