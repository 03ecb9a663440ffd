"""Entities of other subgraphs that reports' types point at, and the shared figures type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from services.kernel.graphql import parse_id, schema_enum
from services.reports.domain.metrics import Figures, Standing
from services.reports.periods import Period


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)], authenticated=True)
class SchoolClass:
    """A class owned by people; the gateway joins its name."""

    id: strawberry.ID = strawberry.federation.field(authenticated=True)


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)], authenticated=True)
class Student:
    """A student owned by people; the gateway joins the name."""

    id: strawberry.ID = strawberry.federation.field(authenticated=True)


StudentStanding = schema_enum(
    Standing,
    name="StudentStanding",
    description="Отличник, хорошист, с одной «4», с одной «3», неуспевающий, прочие.",
)


@strawberry.federation.type(
    authenticated=True,
    description=(
        "Показатели группы учащихся. N — учащиеся на конец периода без освобождённых и без "
        "отметок («н/а» входят в N); проценты и средний балл — два знака после запятой."
    ),
)
class ReportFigures:
    n: int
    n5: int
    n4: int
    n3: int
    n2: int
    not_attested: int
    exempt: int
    no_marks: int
    pass_rate: Decimal | None = strawberry.field(description="Успеваемость, %.")
    quality_rate: Decimal | None = strawberry.field(description="Качество знаний, %.")
    learning_level: Decimal | None = strawberry.field(description="СОУ, %.")
    average_mark: Decimal | None = strawberry.field(description="Средний балл.")


def sid(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def figures(f: Figures) -> ReportFigures:
    return ReportFigures(
        n=f.n,
        n5=f.n5,
        n4=f.n4,
        n3=f.n3,
        n2=f.n2,
        not_attested=f.not_attested,
        exempt=f.exempt,
        no_marks=f.no_marks,
        pass_rate=f.pass_rate,
        quality_rate=f.quality_rate,
        learning_level=f.learning_level,
        average_mark=f.average_mark,
    )


@strawberry.federation.type(
    authenticated=True,
    description=(
        "Посещаемость: пропущено уроков (по болезни, по уважительной причине — УП и ОСВ, "
        "без уважительной — и ОТ без причины), опоздания, пропущено дней (все уроки дня)."
    ),
)
class AttendanceFigures:
    missed: int
    by_illness: int
    excused: int
    unexcused: int
    lates: int
    missed_days: int


def attendance_figures(f: Any) -> AttendanceFigures:
    return AttendanceFigures(
        missed=f.missed,
        by_illness=f.by_illness,
        excused=f.excused,
        unexcused=f.unexcused,
        lates=f.lates,
        missed_days=f.missed_days,
    )


def period_of(academic_year_id: strawberry.ID, study_period_id: strawberry.ID | None) -> Period:
    return Period(
        parse_id(academic_year_id, "academicYearId"),
        parse_id(study_period_id, "studyPeriodId") if study_period_id else None,
    )
