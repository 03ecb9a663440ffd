"""Посещаемость: a class's students over dates (by month, by reason) and the school's classes."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON

from services.kernel.errors import NotFound
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.reports import access, charts
from services.reports.attendance import (
    CATEGORY_LABELS,
    build_class_attendance,
    build_school_attendance,
)
from services.reports.attendance import ClassAttendance as Attendance
from services.reports.schema.types import (
    AttendanceFigures,
    SchoolClass,
    Student,
    attendance_figures,
    sid,
)

ATTENDANCE_READERS = (*ADMINISTRATION, Role.CLASS_TEACHER)


@strawberry.federation.type(authenticated=True)
class StudentAttendance:
    student: Student
    student_name: str
    figures: AttendanceFigures


@strawberry.federation.type(authenticated=True)
class MonthAttendance:
    month: str = strawberry.field(description="Месяц, ГГГГ-ММ.")
    figures: AttendanceFigures


@strawberry.federation.type(authenticated=True)
class ReasonCount:
    category: str = strawberry.field(
        description="absent_unknown, illness, excused, unexcused, exempt или late."
    )
    label: str
    lessons: int


@strawberry.federation.type(authenticated=True, description="Посещаемость класса за даты.")
class AttendanceReport:
    school_class: SchoolClass
    class_name: str
    starts_on: date
    ends_on: date
    students: list[StudentAttendance]
    total: AttendanceFigures
    by_month: list[MonthAttendance]
    by_reason: list[ReasonCount]
    chart: JSON = strawberry.field(description="Vega-Lite: пропуски по причинам.")


@strawberry.federation.type(authenticated=True, description="Посещаемость школы за даты.")
class SchoolAttendanceReport:
    starts_on: date
    ends_on: date
    classes: list[AttendanceReport]
    total: AttendanceFigures


def attendance_report(v: Attendance) -> AttendanceReport:
    return AttendanceReport(
        school_class=SchoolClass(id=sid(v.school_class_id)),
        class_name=v.class_name,
        starts_on=v.starts_on,
        ends_on=v.ends_on,
        students=[
            StudentAttendance(
                student=Student(id=sid(s.student_id)),
                student_name=s.student_name,
                figures=attendance_figures(s.figures),
            )
            for s in v.students
        ],
        total=attendance_figures(v.total),
        by_month=[
            MonthAttendance(month=m.month, figures=attendance_figures(m.figures))
            for m in v.by_month
        ],
        by_reason=[
            ReasonCount(category=c, label=CATEGORY_LABELS[c], lessons=n)
            for c, n in v.by_reason.items()
        ],
        chart=charts.counts(
            f"{v.class_name}: пропуски по причинам",
            "причина",
            {CATEGORY_LABELS[c]: n for c, n in v.by_reason.items()},
        ),
    )


@strawberry.type
class AttendanceQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*ATTENDANCE_READERS),
        description=(
            "Посещаемость класса с startsOn по endsOn (месяц, период): по учащимся, месяцам и "
            "причинам. Администрация — любой класс, классный руководитель — свой."
        ),
    )
    async def attendance_report(
        self, info: Info, school_class_id: strawberry.ID, starts_on: date, ends_on: date
    ) -> AttendanceReport | None:
        principal = info.context.require(*ATTENDANCE_READERS)
        class_id = parse_id(school_class_id, "schoolClassId")
        async with info.context.runtime.db.sessionmaker() as session:
            scope = await access.class_scope(session, principal, class_id)
            if scope.subject_ids is not None:
                raise NotFound("Класс не найден.")
            report = await build_class_attendance(
                session, principal.school_id, class_id, starts_on, ends_on
            )
        return attendance_report(report)

    @strawberry.federation.field(
        requires_scopes=any_of(*access.SCHOOL_READERS),
        description="Посещаемость всех классов школы с startsOn по endsOn (администрация).",
    )
    async def school_attendance_report(
        self, info: Info, starts_on: date, ends_on: date
    ) -> SchoolAttendanceReport | None:
        principal = info.context.require(*access.SCHOOL_READERS)
        async with info.context.runtime.db.sessionmaker() as session:
            report = await build_school_attendance(session, principal.school_id, starts_on, ends_on)
        return SchoolAttendanceReport(
            starts_on=report.starts_on,
            ends_on=report.ends_on,
            classes=[attendance_report(c) for c in report.classes],
            total=attendance_figures(report.total),
        )
