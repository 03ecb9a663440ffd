"""The progress summary of a class for a year as the journal set it (administration)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of
from services.reports import progress_summary as summaries
from services.reports.schema.types import SchoolClass, Student


@strawberry.federation.type(authenticated=True, description="Итоговая отметка в ведомости.")
class ProgressSummaryMark:
    subject_id: strawberry.ID
    subject_name: str
    kind: str = strawberry.field(description="term (учебный период), year, exam или final.")
    study_period_id: strawberry.ID | None
    study_period_name: str | None
    value: int | None
    special: str | None = strawberry.field(
        description="not_attested (н/а), pass (зач), fail (незач) или exempt (осв)."
    )
    display: str = strawberry.field(description="Как в ведомости: 5, н/а, зач …")
    average: Decimal | None
    proposed: int | None
    differs_from_proposal: bool


@strawberry.federation.type(authenticated=True, description="Строка ведомости: учащийся.")
class ProgressSummaryRow:
    student: Student
    marks: list[ProgressSummaryMark]
    failed_subject_ids: list[strawberry.ID] = strawberry.field(
        description="Предметы с годовой «2» или «незач» (по закрытию года)."
    )
    not_attested_subject_ids: list[strawberry.ID] = strawberry.field(
        description="Предметы с годовой «н/а» (по закрытию года)."
    )


@strawberry.federation.type(
    authenticated=True,
    description="Сводная ведомость успеваемости класса за учебный год (хранится 75 лет).",
)
class ProgressSummary:
    school_class: SchoolClass
    academic_year_id: strawberry.ID
    closed: bool = strawberry.field(description="Год закрыт: ведомость в архиве и не меняется.")
    closed_at: datetime | None
    rows: list[ProgressSummaryRow]


def _progress_summary(v: summaries.Summary) -> ProgressSummary:
    def sid(value: object) -> strawberry.ID:
        return strawberry.ID(str(value))

    return ProgressSummary(
        school_class=SchoolClass(id=sid(v.school_class_id)),
        academic_year_id=sid(v.academic_year_id),
        closed=v.closed_at is not None,
        closed_at=v.closed_at,
        rows=[
            ProgressSummaryRow(
                student=Student(id=sid(r.student_id)),
                marks=[
                    ProgressSummaryMark(
                        subject_id=sid(m.subject_id),
                        subject_name=m.subject_name,
                        kind=m.kind,
                        study_period_id=sid(m.study_period_id) if m.study_period_id else None,
                        study_period_name=m.study_period_name,
                        value=m.value,
                        special=m.special,
                        display=m.display,
                        average=m.average,
                        proposed=m.proposed,
                        differs_from_proposal=m.differs_from_proposal,
                    )
                    for m in r.marks
                ],
                failed_subject_ids=[sid(i) for i in r.failed_subject_ids],
                not_attested_subject_ids=[sid(i) for i in r.not_attested_subject_ids],
            )
            for r in v.rows
        ],
    )


@strawberry.type
class ProgressSummaryQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*summaries.SUMMARY_READERS),
        description="Сводная ведомость успеваемости класса за учебный год (администрация).",
    )
    async def progress_summary(
        self, info: Info, school_class_id: strawberry.ID, academic_year_id: strawberry.ID
    ) -> ProgressSummary | None:
        principal = info.context.require(*summaries.SUMMARY_READERS)
        view = await summaries.progress_summary(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            parse_id(academic_year_id, "academicYearId"),
        )
        return _progress_summary(view)
