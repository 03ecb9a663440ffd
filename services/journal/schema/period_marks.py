"""Term, year, exam and final marks: the sheets with proposals, setting and reading them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from services.journal import period_marks
from services.journal.domain.period_marks import PeriodMarkKind, SpecialMark
from services.journal.schema.settings import MarkThresholds
from services.journal.schema.types import (
    JOURNAL_READERS,
    TEACHERS,
    Person,
    SchoolClass,
    Student,
    Subject,
    _subjects,
)
from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import ADMINISTRATION, Role, any_of

PeriodMarkKindName = schema_enum(
    PeriodMarkKind, name="PeriodMarkKind", description="Вид итоговой отметки."
)
SpecialMarkName = schema_enum(
    SpecialMark,
    name="SpecialMark",
    description="Особый результат вместо отметки: н/а, зачёт, незачёт, освобождён.",
)
MARK_SETTERS = (*TEACHERS, *ADMINISTRATION)
PERIOD_MARK_READERS = (Role.STUDENT, Role.PARENT, Role.CLASS_TEACHER, *ADMINISTRATION)


def _id(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


@strawberry.federation.type(authenticated=True, description="Итоговая отметка учащегося.")
class PeriodMark:
    id: strawberry.ID
    kind: PeriodMarkKindName  # type: ignore[valid-type]
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    value: int | None
    special: SpecialMarkName | None  # type: ignore[valid-type]
    average: Decimal | None = strawberry.field(
        description="Средний балл, на котором отметка была выставлена."
    )
    proposed: int | None = strawberry.field(description="Отметка, предложенная по среднему.")
    differs_from_proposal: bool
    set_at: datetime
    student: Student
    school_class: SchoolClass
    set_by: Person | None
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True, description="Обозначение: 5, н/а, зач …")
    def display(self) -> str:
        if self.special is not None:
            return SpecialMark(self.special.value).code
        return str(self.value)

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @classmethod
    def of(cls, v: period_marks.PeriodMarkView) -> PeriodMark:
        return cls(
            id=strawberry.ID(str(v.id)),
            kind=PeriodMarkKindName(v.kind.value),
            academic_year_id=strawberry.ID(str(v.academic_year_id)),
            study_period_id=_id(v.study_period_id),
            value=v.value,
            special=SpecialMarkName(v.special.value) if v.special else None,
            average=v.average,
            proposed=v.proposed,
            differs_from_proposal=v.differs_from_proposal,
            set_at=v.set_at,
            student=Student(id=strawberry.ID(str(v.student_id))),
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            set_by=Person(id=strawberry.ID(str(v.set_by))) if v.set_by else None,
            subject_id=v.subject_id,
        )


@strawberry.federation.type(authenticated=True, description="Строка ведомости: один учащийся.")
class PeriodMarkSheetRow:
    student: Student
    marks_count: int = strawberry.field(
        description="Сколько отметок (за период) или четвертных отметок (за год) в среднем."
    )
    average: Decimal | None
    proposed: int | None
    mark: PeriodMark | None
    differs_from_proposal: bool


@strawberry.federation.type(
    authenticated=True, description="Ведомость итоговых отметок класса по предмету."
)
class PeriodMarkSheet:
    kind: PeriodMarkKindName  # type: ignore[valid-type]
    school_class: SchoolClass
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    closed: bool = strawberry.field(description="Учебный год закрыт: ведомость только для чтения.")
    thresholds: MarkThresholds
    rows: list[PeriodMarkSheetRow]
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @classmethod
    def of(cls, v: period_marks.SheetView) -> PeriodMarkSheet:
        return cls(
            kind=PeriodMarkKindName(v.kind.value),
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            academic_year_id=strawberry.ID(str(v.academic_year_id)),
            study_period_id=_id(v.study_period_id),
            closed=v.closed,
            thresholds=MarkThresholds.of(v.thresholds),
            rows=[
                PeriodMarkSheetRow(
                    student=Student(id=strawberry.ID(str(r.student_id))),
                    marks_count=r.marks_count,
                    average=r.average,
                    proposed=r.proposed,
                    mark=PeriodMark.of(r.mark) if r.mark else None,
                    differs_from_proposal=r.differs_from_proposal,
                )
                for r in v.rows
            ],
            subject_id=v.subject_id,
        )


@strawberry.input
class SetPeriodMarkInput:
    student_id: strawberry.ID
    subject_id: strawberry.ID
    kind: PeriodMarkKindName  # type: ignore[valid-type]
    study_period_id: strawberry.ID | None = None
    academic_year_id: strawberry.ID | None = None
    value: int | None = None
    special: SpecialMarkName | None = None  # type: ignore[valid-type]


@strawberry.input
class RemovePeriodMarkInput:
    period_mark_id: strawberry.ID


@strawberry.type
class PeriodMarksQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*JOURNAL_READERS),
        description="Ведомость отметок за учебный период: средний балл, предложенная и "
        "выставленная отметка (учитель с нагрузкой, классный руководитель, администрация).",
    )
    async def period_mark_sheet(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        subject_id: strawberry.ID,
        study_period_id: strawberry.ID,
    ) -> PeriodMarkSheet | None:
        principal = info.context.require(*JOURNAL_READERS)
        view = await period_marks.period_mark_sheet(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            parse_id(subject_id, "subjectId"),
            study_period_id=parse_id(study_period_id, "studyPeriodId"),
        )
        return PeriodMarkSheet.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*JOURNAL_READERS),
        description="Ведомость годовых отметок: среднее четвертных отметок, предложенная и "
        "выставленная годовая отметка.",
    )
    async def year_mark_sheet(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        subject_id: strawberry.ID,
        academic_year_id: strawberry.ID,
    ) -> PeriodMarkSheet | None:
        principal = info.context.require(*JOURNAL_READERS)
        view = await period_marks.period_mark_sheet(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            parse_id(subject_id, "subjectId"),
            academic_year_id=parse_id(academic_year_id, "academicYearId"),
        )
        return PeriodMarkSheet.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*PERIOD_MARK_READERS),
        description="Итоговые отметки учащегося за год: сам учащийся, его родители, классный "
        "руководитель, администрация.",
    )
    async def period_marks(
        self, info: Info, student_id: strawberry.ID, academic_year_id: strawberry.ID
    ) -> list[PeriodMark] | None:
        principal = info.context.require(*PERIOD_MARK_READERS)
        views = await period_marks.period_marks(
            info.context.runtime.db,
            principal,
            parse_id(student_id, "studentId"),
            parse_id(academic_year_id, "academicYearId"),
        )
        return [PeriodMark.of(v) for v in views]


@strawberry.type
class PeriodMarksMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*MARK_SETTERS),
        description="Выставить итоговую отметку (учитель с нагрузкой; экзаменационную и "
        "итоговую — также администрация).",
    )
    async def set_period_mark(self, info: Info, input: SetPeriodMarkInput) -> PeriodMark | None:
        info.context.require(*MARK_SETTERS)
        view = await period_marks.set_period_mark(
            info.context.uow(),
            period_marks.SetPeriodMark(
                student_id=parse_id(input.student_id, "studentId"),
                subject_id=parse_id(input.subject_id, "subjectId"),
                kind=PeriodMarkKind(input.kind.value),
                study_period_id=parse_id(input.study_period_id, "studyPeriodId")
                if input.study_period_id
                else None,
                academic_year_id=parse_id(input.academic_year_id, "academicYearId")
                if input.academic_year_id
                else None,
                value=input.value,
                special=SpecialMark(input.special.value) if input.special else None,
            ),
        )
        return PeriodMark.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*MARK_SETTERS),
        description="Удалить итоговую отметку (кто может её выставить).",
    )
    async def remove_period_mark(
        self, info: Info, input: RemovePeriodMarkInput
    ) -> strawberry.ID | None:
        info.context.require(*MARK_SETTERS)
        removed = await period_marks.remove_period_mark(
            info.context.uow(), parse_id(input.period_mark_id, "periodMarkId")
        )
        return strawberry.ID(str(removed))
