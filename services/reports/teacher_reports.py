"""Отчёт классного руководителя (the class's results and attendance for a period) and отчёт
учителя-предметника (each class and subject of their load: figures, averages, density)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.attendance import ClassAttendance, build_class_attendance
from services.reports.class_results import ClassResults, build_class_results
from services.reports.current_marks import current_marks
from services.reports.domain import metrics
from services.reports.domain.metrics import Figures
from services.reports.journal_control import hours_per_week
from services.reports.models import SchoolClass, TeachingLoad
from services.reports.periods import Period, span
from services.reports.progress_sheet import build_progress_sheet
from services.reports.roster import names


@dataclass(frozen=True)
class ClassTeacherReport:
    results: ClassResults
    attendance: ClassAttendance | None  # None while the period's dates are unknown


async def build_class_teacher_report(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, period: Period
) -> ClassTeacherReport:
    results = await build_class_results(session, school_id, school_class_id, period)
    when = await span(session, school_id, period)
    attendance = None
    if when.starts_on is not None and when.ends_on is not None:
        attendance = await build_class_attendance(
            session, school_id, school_class_id, when.starts_on, when.ends_on
        )
    return ClassTeacherReport(results, attendance)


@dataclass(frozen=True)
class TaughtCourse:
    school_class_id: UUID
    class_name: str
    subject_id: UUID
    subject_name: str
    figures: Figures  # of the period marks
    average_mark: Decimal | None  # weighted, of the current marks
    marks_count: int
    students_below_density: int | None  # None without the curriculum's hours


@dataclass(frozen=True)
class SubjectTeacherReport:
    teacher_id: UUID
    teacher_name: str
    period: Period
    period_name: str
    courses: list[TaughtCourse]


async def build_subject_teacher_report(
    session: AsyncSession, school_id: UUID, teacher_id: UUID, period: Period
) -> SubjectTeacherReport:
    when = await span(session, school_id, period)
    loads = (
        await session.execute(
            select(TeachingLoad.school_class_id, TeachingLoad.subject_id)
            .where(
                TeachingLoad.school_id == school_id,
                TeachingLoad.teacher_id == teacher_id,
                TeachingLoad.withdrawn.is_(False),
            )
            .distinct()
        )
    ).all()
    classes = {
        c.school_class_id: c
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id)
        )
    }
    hours = await hours_per_week(session, school_id, period.academic_year_id, classes)
    courses: list[TaughtCourse] = []
    for class_id, subject_id in loads:
        if class_id is None or subject_id is None:
            continue
        sheet = await build_progress_sheet(
            session, school_id, class_id, period, subject_ids=[subject_id]
        )
        marks = await current_marks(
            session,
            school_id,
            school_class_id=class_id,
            starts_on=when.starts_on,
            ends_on=when.ends_on,
            subject_ids=[subject_id],
        )
        per_student = Counter(m.student_id for m in marks)
        per_week = hours.get((class_id, subject_id))
        below = (
            None
            if per_week is None
            else sum(metrics.below_density(per_student[r.student_id], per_week) for r in sheet.rows)
        )
        name = (
            sheet.subjects[0].subject_name
            if sheet.subjects
            else (marks[0].subject_name if marks else "")
        )
        courses.append(
            TaughtCourse(
                school_class_id=class_id,
                class_name=sheet.class_name,
                subject_id=subject_id,
                subject_name=name,
                figures=sheet.figures[0].figures if sheet.figures else metrics.figures([]),
                average_mark=metrics.weighted_average((m.value, m.weight) for m in marks),
                marks_count=len(marks),
                students_below_density=below,
            )
        )
    courses.sort(key=lambda c: (c.class_name, c.subject_name))
    teacher_name = (await names(session, {teacher_id})).get(teacher_id, "")
    return SubjectTeacherReport(teacher_id, teacher_name, period, when.name, courses)
