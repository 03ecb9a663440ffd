"""Контроль ведения журнала, качество знаний школы и региона, контингент (ОО-1), отчёт
учителя-предметника."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from services.kernel.errors import NotFound
from services.kernel.events import utcnow
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.reports import access, charts
from services.reports.contingent import build_contingent
from services.reports.domain.metrics import SCHOOL_TIMEZONE
from services.reports.journal_control import build_journal_control
from services.reports.schema.types import ReportFigures, SchoolClass, figures, period_of, sid
from services.reports.school_quality import build_regional_quality, build_school_quality
from services.reports.teacher_reports import build_subject_teacher_report

SUBJECT_REPORT_READERS = (*ADMINISTRATION, Role.SUBJECT_TEACHER)


@strawberry.federation.type(authenticated=True, description="Класс и предмет учителя.")
class ControlledCourse:
    school_class: SchoolClass
    class_name: str
    subject_id: strawberry.ID
    subject_name: str
    held: int = strawberry.field(description="Проведено уроков (с темой).")
    planned: int = strawberry.field(description="По учебному плану за период.")
    coverage: Decimal | None = strawberry.field(description="Прохождение программы, %.")
    students_below_density: int = strawberry.field(description="Ниже нормы накопляемости.")
    period_marks: int
    differing_period_marks: int = strawberry.field(
        description="Итоговые отметки, отличные от предложенной по среднему (объективность)."
    )


@strawberry.federation.type(authenticated=True, description="Ведение журнала учителем.")
class TeacherControl:
    teacher_id: strawberry.ID
    teacher_name: str
    lessons: int
    late_topics: int = strawberry.field(description="Тема записана позже срока (или нет).")
    late_registers: int = strawberry.field(description="Посещаемость отмечена позже срока.")
    late_marks: int = strawberry.field(description="Отметки выставлены позже срока.")
    without_topic: int
    without_homework: int
    students_below_density: int
    period_marks: int
    differing_period_marks: int
    courses: list[ControlledCourse]


@strawberry.federation.type(authenticated=True, description="Контроль ведения журнала.")
class JournalControl:
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    starts_on: date
    ends_on: date
    late_days: int
    teachers: list[TeacherControl]


@strawberry.federation.type(authenticated=True, description="Класс × предмет × учителя.")
class QualityCell:
    school_class: SchoolClass
    class_name: str
    subject_id: strawberry.ID
    subject_name: str
    teacher_names: list[str]
    figures: ReportFigures
    previous_quality_rate: Decimal | None = strawberry.field(
        description="Качество знаний за предыдущий учебный период."
    )


@strawberry.federation.type(authenticated=True)
class ClassQuality:
    school_class: SchoolClass
    class_name: str
    figures: ReportFigures


@strawberry.federation.type(authenticated=True, description="Качество знаний школы.")
class SchoolQuality:
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    cells: list[QualityCell]
    classes: list[ClassQuality]
    total: ReportFigures
    chart: JSON = strawberry.field(description="Vega-Lite: успеваемость и качество по классам.")


@strawberry.federation.type(
    authenticated=True,
    description="Годовые итоги школы по параллели; ячейки меньше 5 учащихся скрыты.",
)
class RegionalCell:
    school_id: strawberry.ID
    grade_level: int
    n: int | None
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    learning_level: Decimal | None
    suppressed: bool


@strawberry.federation.type(authenticated=True)
class GradeContingent:
    grade_level: int
    classes: int
    students: int


@strawberry.federation.type(
    authenticated=True, description="Контингент (ОО-1) на 20 сентября, движение за год."
)
class Contingent:
    academic_year_id: strawberry.ID
    as_of: date
    grades: list[GradeContingent]
    classes: int
    students: int
    arrivals: int
    departures: int


@strawberry.federation.type(authenticated=True)
class TaughtCourse:
    school_class: SchoolClass
    class_name: str
    subject_id: strawberry.ID
    subject_name: str
    figures: ReportFigures
    average_mark: Decimal | None = strawberry.field(description="Средневзвешенный балл.")
    marks_count: int
    students_below_density: int | None


@strawberry.federation.type(authenticated=True, description="Отчёт учителя-предметника.")
class SubjectTeacherReport:
    teacher_id: strawberry.ID
    teacher_name: str
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    courses: list[TaughtCourse]


def _today() -> date:
    return utcnow().astimezone(SCHOOL_TIMEZONE).date()


@strawberry.type
class ControlQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*access.SCHOOL_READERS),
        description=(
            "Контроль ведения журнала за учебный период или год по учителям: своевременность "
            "(позже lateDays дней после урока), заполнение, накопляемость, объективность, "
            "прохождение программы (администрация)."
        ),
    )
    async def journal_control(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
        late_days: int = 1,
    ) -> JournalControl | None:
        principal = info.context.require(*access.SCHOOL_READERS)
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            v = await build_journal_control(
                session, principal.school_id, period, late_days=late_days, today=_today()
            )
        return JournalControl(
            academic_year_id=sid(period.academic_year_id),
            study_period_id=sid(period.study_period_id) if period.study_period_id else None,
            period_name=v.period_name,
            starts_on=v.starts_on,
            ends_on=v.ends_on,
            late_days=v.late_days,
            teachers=[
                TeacherControl(
                    teacher_id=sid(t.teacher_id),
                    teacher_name=t.teacher_name,
                    lessons=t.lessons,
                    late_topics=t.late_topics,
                    late_registers=t.late_registers,
                    late_marks=t.late_marks,
                    without_topic=t.without_topic,
                    without_homework=t.without_homework,
                    students_below_density=t.students_below_density,
                    period_marks=t.period_marks,
                    differing_period_marks=t.differing_period_marks,
                    courses=[
                        ControlledCourse(
                            school_class=SchoolClass(id=sid(c.school_class_id)),
                            class_name=c.class_name,
                            subject_id=sid(c.subject_id),
                            subject_name=c.subject_name,
                            held=c.held,
                            planned=c.planned,
                            coverage=c.coverage,
                            students_below_density=c.students_below_density,
                            period_marks=c.period_marks,
                            differing_period_marks=c.differing_period_marks,
                        )
                        for c in t.courses
                    ],
                )
                for t in v.teachers
            ],
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*access.SCHOOL_READERS),
        description=(
            "Качество знаний школы за период: классы × предметы × учителя, сравнение с "
            "предыдущим периодом, по классам и в целом (администрация)."
        ),
    )
    async def school_quality(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> SchoolQuality | None:
        principal = info.context.require(*access.SCHOOL_READERS)
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            v = await build_school_quality(session, principal.school_id, period)
        return SchoolQuality(
            academic_year_id=sid(period.academic_year_id),
            study_period_id=sid(period.study_period_id) if period.study_period_id else None,
            period_name=v.period_name,
            cells=[
                QualityCell(
                    school_class=SchoolClass(id=sid(c.school_class_id)),
                    class_name=c.class_name,
                    subject_id=sid(c.subject_id),
                    subject_name=c.subject_name,
                    teacher_names=c.teacher_names,
                    figures=figures(c.figures),
                    previous_quality_rate=c.previous_quality_rate,
                )
                for c in v.cells
            ],
            classes=[
                ClassQuality(
                    school_class=SchoolClass(id=sid(c.school_class_id)),
                    class_name=c.class_name,
                    figures=figures(c.figures),
                )
                for c in v.classes
            ],
            total=figures(v.total),
            chart=charts.rates_by_subject(
                f"Качество знаний: {v.period_name}",
                ((c.class_name, c.figures.pass_rate, c.figures.quality_rate) for c in v.classes),
            ),
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*access.REGIONAL_READERS),
        description=(
            "Годовые итоги школ региона по параллелям за учебные годы, оканчивающиеся в "
            "yearEnding; ячейки меньше 5 учащихся скрыты (специалист органа управления)."
        ),
    )
    async def regional_quality(self, info: Info, year_ending: int) -> list[RegionalCell] | None:
        info.context.require(*access.REGIONAL_READERS)
        async with info.context.runtime.db.sessionmaker() as session:
            cells = await build_regional_quality(session, year_ending)
        return [
            RegionalCell(
                school_id=sid(c.school_id),
                grade_level=c.grade_level,
                n=c.n,
                pass_rate=c.pass_rate,
                quality_rate=c.quality_rate,
                learning_level=c.learning_level,
                suppressed=c.suppressed,
            )
            for c in cells
        ]

    @strawberry.federation.field(
        requires_scopes=any_of(*access.SCHOOL_READERS),
        description="Контингент (ОО-1) на 20 сентября учебного года и движение за год.",
    )
    async def contingent(self, info: Info, academic_year_id: strawberry.ID) -> Contingent | None:
        principal = info.context.require(*access.SCHOOL_READERS)
        year = parse_id(academic_year_id, "academicYearId")
        async with info.context.runtime.db.sessionmaker() as session:
            v = await build_contingent(session, principal.school_id, year)
        return Contingent(
            academic_year_id=sid(v.academic_year_id),
            as_of=v.as_of,
            grades=[
                GradeContingent(grade_level=g.grade_level, classes=g.classes, students=g.students)
                for g in v.grades
            ],
            classes=v.classes,
            students=v.students,
            arrivals=v.arrivals,
            departures=v.departures,
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*SUBJECT_REPORT_READERS),
        description=(
            "Отчёт учителя-предметника за период: его классы и предметы. Учитель — свой "
            "(teacherId не указывать), администрация — любого учителя."
        ),
    )
    async def subject_teacher_report(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
        teacher_id: strawberry.ID | None = None,
    ) -> SubjectTeacherReport | None:
        principal = info.context.require(*SUBJECT_REPORT_READERS)
        teacher = parse_id(teacher_id, "teacherId") if teacher_id else principal.person_id
        if teacher != principal.person_id and not access.is_administration(principal):
            raise NotFound("Учитель не найден.")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            v = await build_subject_teacher_report(session, principal.school_id, teacher, period)
        return SubjectTeacherReport(
            teacher_id=sid(v.teacher_id),
            teacher_name=v.teacher_name,
            academic_year_id=sid(period.academic_year_id),
            study_period_id=sid(period.study_period_id) if period.study_period_id else None,
            period_name=v.period_name,
            courses=[
                TaughtCourse(
                    school_class=SchoolClass(id=sid(c.school_class_id)),
                    class_name=c.class_name,
                    subject_id=sid(c.subject_id),
                    subject_name=c.subject_name,
                    figures=figures(c.figures),
                    average_mark=c.average_mark,
                    marks_count=c.marks_count,
                    students_below_density=c.students_below_density,
                )
                for c in v.courses
            ],
        )
