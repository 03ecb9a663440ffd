"""Итоги успеваемости класса за период and отчёт классного руководителя."""

from __future__ import annotations

from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from services.kernel.errors import NotFound
from services.kernel.graphql import Info, parse_id
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.reports import access, charts
from services.reports.class_results import ClassResults as Results
from services.reports.class_results import ListedStudent as Listed
from services.reports.class_results import build_class_results
from services.reports.schema.attendance import AttendanceReport, attendance_report
from services.reports.schema.progress_sheet import ProgressSheetSubject
from services.reports.schema.types import (
    ReportFigures,
    SchoolClass,
    Student,
    figures,
    period_of,
    sid,
)
from services.reports.teacher_reports import build_class_teacher_report

CLASS_RESULT_READERS = (*ADMINISTRATION, Role.CLASS_TEACHER)


@strawberry.federation.type(authenticated=True, description="Учащийся в списке итогов.")
class ListedStudent:
    student: Student
    student_name: str
    subject_names: list[str] = strawberry.field(
        description="Предметы, из-за которых учащийся в списке: та самая «4» или «3», долги."
    )


@strawberry.federation.type(
    authenticated=True, description="Итоги успеваемости класса за учебный период или год."
)
class ClassResults:
    school_class: SchoolClass
    class_name: str
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    students: int
    subjects: list[ProgressSheetSubject]
    total: ReportFigures
    excellent: list[ListedStudent] = strawberry.field(description="Отличники.")
    good: list[ListedStudent] = strawberry.field(description="Хорошисты.")
    one_four: list[ListedStudent] = strawberry.field(description="С одной «4».")
    one_three: list[ListedStudent] = strawberry.field(description="С одной «3».")
    failing: list[ListedStudent] = strawberry.field(description="Неуспевающие (2, н/а, незач).")
    chart: JSON = strawberry.field(description="Vega-Lite: успеваемость и качество по предметам.")


@strawberry.federation.type(
    authenticated=True, description="Отчёт классного руководителя за период."
)
class ClassTeacherReport:
    results: ClassResults
    attendance: AttendanceReport | None = strawberry.field(
        description="Посещаемость за даты периода (null, пока даты неизвестны)."
    )


def _listed(items: list[Listed]) -> list[ListedStudent]:
    return [
        ListedStudent(
            student=Student(id=sid(s.student_id)),
            student_name=s.student_name,
            subject_names=s.subject_names,
        )
        for s in items
    ]


def class_results(v: Results) -> ClassResults:
    return ClassResults(
        school_class=SchoolClass(id=sid(v.school_class_id)),
        class_name=v.class_name,
        academic_year_id=sid(v.period.academic_year_id),
        study_period_id=sid(v.period.study_period_id) if v.period.study_period_id else None,
        period_name=v.period_name,
        students=v.students,
        subjects=[
            ProgressSheetSubject(
                subject_id=sid(f.subject.subject_id),
                subject_name=f.subject.subject_name,
                figures=figures(f.figures),
            )
            for f in v.figures
        ],
        total=figures(v.total),
        excellent=_listed(v.excellent),
        good=_listed(v.good),
        one_four=_listed(v.one_four),
        one_three=_listed(v.one_three),
        failing=_listed(v.failing),
        chart=charts.rates_by_subject(
            f"{v.class_name}: {v.period_name}",
            (
                (f.subject.subject_name, f.figures.pass_rate, f.figures.quality_rate)
                for f in v.figures
            ),
        ),
    )


@strawberry.type
class ClassResultsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_RESULT_READERS),
        description=(
            "Итоги успеваемости класса за учебный период (studyPeriodId) или год: показатели "
            "по предметам, отличники, хорошисты, с одной «4» и «3», неуспевающие. "
            "Администрация — любой класс, классный руководитель — свой."
        ),
    )
    async def class_results(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> ClassResults | None:
        principal = info.context.require(*CLASS_RESULT_READERS)
        class_id = parse_id(school_class_id, "schoolClassId")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            await whole_class(session, principal, class_id)
            results = await build_class_results(session, principal.school_id, class_id, period)
        return class_results(results)

    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_RESULT_READERS),
        description="Отчёт классного руководителя за период: итоги и посещаемость класса.",
    )
    async def class_teacher_report(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> ClassTeacherReport | None:
        principal = info.context.require(*CLASS_RESULT_READERS)
        class_id = parse_id(school_class_id, "schoolClassId")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            await whole_class(session, principal, class_id)
            report = await build_class_teacher_report(
                session, principal.school_id, class_id, period
            )
        return ClassTeacherReport(
            results=class_results(report.results),
            attendance=attendance_report(report.attendance) if report.attendance else None,
        )


async def whole_class(session: AsyncSession, principal: Principal, class_id: UUID) -> None:
    """Only who reads every subject of the class: standings over some subjects would mislead."""
    scope = await access.class_scope(session, principal, class_id)
    if scope.subject_ids is not None:
        raise NotFound("Класс не найден.")
