"""Closing the academic year: the check of what is missing, and the closing itself."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.journal import year_closing
from services.journal.schema.types import Person, SchoolClass, Student, Subject
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of


@strawberry.federation.type(
    authenticated=True, description="Недостающая итоговая отметка: без неё год не закрыть."
)
class MissingPeriodMark:
    school_class: SchoolClass
    school_class_name: str
    subject: Subject
    student: Student
    student_name: str
    study_period_id: strawberry.ID | None = strawberry.field(
        description="Учебный период; пусто — не хватает годовой отметки."
    )
    study_period_name: str

    @classmethod
    def of(cls, m: year_closing.MissingMarkView) -> MissingPeriodMark:
        return cls(
            school_class=SchoolClass(id=strawberry.ID(str(m.school_class_id))),
            school_class_name=m.school_class_name,
            subject=Subject(id=strawberry.ID(str(m.subject_id)), name=m.subject_name),
            student=Student(id=strawberry.ID(str(m.student_id))),
            student_name=m.student_name,
            study_period_id=strawberry.ID(str(m.study_period_id)) if m.study_period_id else None,
            study_period_name=m.period_label,
        )


@strawberry.federation.type(authenticated=True, description="Закрытый учебный год.")
class YearClosing:
    academic_year_id: strawberry.ID
    closed_at: datetime
    closed_by: Person | None
    students_count: int
    students_with_debt: int = strawberry.field(
        description="Учащиеся с годовой «2», «незач» или «н/а» (академическая задолженность)."
    )


@strawberry.input
class CloseYearInput:
    academic_year_id: strawberry.ID


@strawberry.type
class YearClosingQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*year_closing.CHECK_READERS),
        description="Чего не хватает для закрытия учебного года (администрация).",
    )
    async def year_closing_check(
        self, info: Info, academic_year_id: strawberry.ID
    ) -> list[MissingPeriodMark] | None:
        principal = info.context.require(*year_closing.CHECK_READERS)
        missing = await year_closing.year_closing_check(
            info.context.runtime.db, principal, parse_id(academic_year_id, "academicYearId")
        )
        return [MissingPeriodMark.of(m) for m in missing]


@strawberry.type
class YearClosingMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*year_closing.CLOSERS),
        description="Закрыть учебный год: журнал года становится только для чтения "
        "(администратор, заместитель директора по контролю качества или по содержанию).",
    )
    async def close_year(self, info: Info, input: CloseYearInput) -> YearClosing | None:
        info.context.require(*year_closing.CLOSERS)
        view = await year_closing.close_year(
            info.context.uow(), parse_id(input.academic_year_id, "academicYearId")
        )
        return YearClosing(
            academic_year_id=strawberry.ID(str(view.academic_year_id)),
            closed_at=view.closed_at,
            closed_by=Person(id=strawberry.ID(str(view.closed_by))) if view.closed_by else None,
            students_count=len(view.results),
            students_with_debt=sum(1 for r in view.results if r.has_debt),
        )
