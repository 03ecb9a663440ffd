"""The сводная ведомость успеваемости of a class for a study period or the year."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of
from services.reports import access, charts
from services.reports.progress_sheet import ProgressSheet as Sheet
from services.reports.progress_sheet import build_progress_sheet
from services.reports.schema.types import (
    ReportFigures,
    SchoolClass,
    Student,
    StudentStanding,
    figures,
    period_of,
    sid,
)


@strawberry.federation.type(authenticated=True, description="Итоговая отметка в ведомости.")
class ProgressSheetCell:
    subject_id: strawberry.ID
    value: int | None
    special: str | None = strawberry.field(
        description="not_attested (н/а), pass (зач), fail (незач) или exempt (осв)."
    )
    display: str = strawberry.field(description="Как в ведомости: 5, н/а, осв, зач …")
    average: Decimal | None
    proposed: int | None


@strawberry.federation.type(authenticated=True, description="Строка ведомости: учащийся.")
class ProgressSheetRow:
    student: Student
    student_name: str
    cells: list[ProgressSheetCell | None] = strawberry.field(
        description="Отметки по предметам в порядке subjects; null — отметки нет."
    )
    displays: list[str | None] = strawberry.field(
        description=(
            "Те же отметки строкой, как в ведомости (5, н/а, осв …), в порядке subjects: "
            "для экранов, которым не нужны остальные поля ячеек."
        )
    )
    standing: StudentStanding
    average_mark: Decimal | None = strawberry.field(description="Средний балл итоговых отметок.")


@strawberry.federation.type(authenticated=True, description="Предмет ведомости с показателями.")
class ProgressSheetSubject:
    subject_id: strawberry.ID
    subject_name: str
    figures: ReportFigures


@strawberry.federation.type(
    authenticated=True,
    description="Сводная ведомость успеваемости класса за учебный период или год.",
)
class ProgressSheet:
    school_class: SchoolClass
    class_name: str
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    closed: bool = strawberry.field(description="Год закрыт: ведомость в архиве.")
    closed_at: datetime | None
    subjects: list[ProgressSheetSubject]
    rows: list[ProgressSheetRow]
    total: ReportFigures = strawberry.field(description="Показатели по всем предметам.")
    chart: JSON = strawberry.field(
        description="Vega-Lite: успеваемость и качество знаний по предметам."
    )


def progress_sheet(v: Sheet) -> ProgressSheet:
    return ProgressSheet(
        school_class=SchoolClass(id=sid(v.school_class_id)),
        class_name=v.class_name,
        academic_year_id=sid(v.period.academic_year_id),
        study_period_id=sid(v.period.study_period_id) if v.period.study_period_id else None,
        period_name=v.period_name,
        closed=v.closed_at is not None,
        closed_at=v.closed_at,
        subjects=[
            ProgressSheetSubject(
                subject_id=sid(f.subject.subject_id),
                subject_name=f.subject.subject_name,
                figures=figures(f.figures),
            )
            for f in v.figures
        ],
        rows=[
            ProgressSheetRow(
                student=Student(id=sid(r.student_id)),
                student_name=r.student_name,
                cells=[
                    None
                    if c is None
                    else ProgressSheetCell(
                        subject_id=sid(c.subject_id),
                        value=c.value,
                        special=c.special,
                        display=c.display,
                        average=c.average,
                        proposed=c.proposed,
                    )
                    for c in r.cells
                ],
                displays=[None if c is None else c.display for c in r.cells],
                standing=StudentStanding[r.standing.name],
                average_mark=r.average_mark,
            )
            for r in v.rows
        ],
        total=figures(v.total),
        chart=charts.rates_by_subject(
            f"{v.class_name}: {v.period_name}",
            (
                (f.subject.subject_name, f.figures.pass_rate, f.figures.quality_rate)
                for f in v.figures
            ),
        ),
    )


@strawberry.type
class ProgressSheetQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*access.CLASS_READERS),
        description=(
            "Сводная ведомость успеваемости класса за учебный период (studyPeriodId) или год. "
            "Администрация — любой класс школы, классный руководитель — свой класс, "
            "учитель-предметник — свои предметы в своих классах."
        ),
    )
    async def progress_sheet(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> ProgressSheet | None:
        principal = info.context.require(*access.CLASS_READERS)
        class_id = parse_id(school_class_id, "schoolClassId")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            scope = await access.class_scope(session, principal, class_id)
            sheet = await build_progress_sheet(
                session, principal.school_id, class_id, period, subject_ids=scope.subject_ids
            )
        return progress_sheet(sheet)
