"""Средний балл и его динамика по учебным периодам: класс, учащийся или учитель."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.reports import access, charts
from services.reports.dynamics import AverageDynamics as Dynamics
from services.reports.dynamics import build_average_dynamics
from services.reports.schema.types import sid

DYNAMICS_READERS = (*access.CLASS_READERS, Role.PARENT, Role.STUDENT)


@strawberry.federation.type(authenticated=True)
class PeriodAverage:
    study_period_id: strawberry.ID
    study_period_name: str
    average: Decimal | None
    marks_count: int


@strawberry.federation.type(authenticated=True, description="Средний балл по периодам.")
class SubjectDynamics:
    subject_id: strawberry.ID | None = strawberry.field(description="null — все предметы.")
    subject_name: str
    periods: list[PeriodAverage]


@strawberry.federation.type(authenticated=True, description="Динамика среднего балла за год.")
class AverageDynamics:
    academic_year_id: strawberry.ID
    subjects: list[SubjectDynamics]
    chart: JSON = strawberry.field(description="Vega-Lite: средний балл по периодам.")


def dynamics(v: Dynamics) -> AverageDynamics:
    return AverageDynamics(
        academic_year_id=sid(v.academic_year_id),
        subjects=[
            SubjectDynamics(
                subject_id=sid(s.subject_id) if s.subject_id else None,
                subject_name=s.subject_name,
                periods=[
                    PeriodAverage(
                        study_period_id=sid(p.study_period_id),
                        study_period_name=p.study_period_name,
                        average=p.average,
                        marks_count=p.marks_count,
                    )
                    for p in s.periods
                ],
            )
            for s in v.subjects
        ],
        chart=charts.lines(
            "Средний балл по периодам",
            "период",
            "предмет",
            (
                (p.study_period_name, s.subject_name, p.average)
                for s in v.subjects
                for p in s.periods
            ),
        ),
    )


@strawberry.type
class DynamicsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*DYNAMICS_READERS),
        description=(
            "Средний балл (средневзвешенный) по учебным периодам года — класса (schoolClassId), "
            "учащегося (studentId) или учителя (teacherId); ровно один из них."
        ),
    )
    async def average_dynamics(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        school_class_id: strawberry.ID | None = None,
        student_id: strawberry.ID | None = None,
        teacher_id: strawberry.ID | None = None,
    ) -> AverageDynamics | None:
        principal = info.context.require(*DYNAMICS_READERS)
        if sum(x is not None for x in (school_class_id, student_id, teacher_id)) != 1:
            raise ValidationFailed(
                "Укажите ровно одно: класс, учащегося или учителя.", field="schoolClassId"
            )
        year = parse_id(academic_year_id, "academicYearId")
        async with info.context.runtime.db.sessionmaker() as session:
            if school_class_id is not None:
                class_id = parse_id(school_class_id, "schoolClassId")
                scope = await access.class_scope(session, principal, class_id)
                v = await build_average_dynamics(
                    session,
                    principal.school_id,
                    year,
                    school_class_id=class_id,
                    subject_ids=scope.subject_ids,
                )
            elif student_id is not None:
                student = parse_id(student_id, "studentId")
                class_id = await access.current_class_id(session, student)
                if class_id is None or not await access.may_read_student(
                    session, principal, student, class_id
                ):
                    raise NotFound("Учащийся не найден.")
                v = await build_average_dynamics(
                    session, principal.school_id, year, student_id=student
                )
            else:
                teacher = parse_id(teacher_id, "teacherId")
                if not principal.has_role(*ADMINISTRATION) and teacher != principal.person_id:
                    raise NotFound("Учитель не найден.")
                v = await build_average_dynamics(
                    session, principal.school_id, year, teacher_id=teacher
                )
        return dynamics(v)
