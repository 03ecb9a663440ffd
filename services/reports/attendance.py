"""Посещаемость: a class's students over dates (missed lessons by reason, lates, missed
days), by month and by reason, and the school's classes side by side."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import ValidationFailed
from services.reports.domain import metrics
from services.reports.domain.metrics import Absence, AttendanceFigures
from services.reports.models import Attendance, Lesson, SchoolClass, Subgroup
from services.reports.roster import enrolled_at, left_before, names

MAX_DAYS = 400  # a school year and a little: bounded for the database

CATEGORY_LABELS = {
    "absent_unknown": "не указана",
    "illness": "по болезни",
    "excused": "по уважительной причине",
    "unexcused": "без уважительной причины",
    "exempt": "освобождён",
    "late": "опоздания",
}


@dataclass(frozen=True)
class StudentAttendance:
    student_id: UUID
    student_name: str
    figures: AttendanceFigures


@dataclass(frozen=True)
class MonthAttendance:
    month: str  # YYYY-MM
    figures: AttendanceFigures


@dataclass(frozen=True)
class ClassAttendance:
    school_class_id: UUID
    class_name: str
    starts_on: date
    ends_on: date
    students: list[StudentAttendance]
    total: AttendanceFigures
    by_month: list[MonthAttendance]
    by_reason: dict[str, int]  # category → missed lessons (lates under "late")


@dataclass(frozen=True)
class SchoolAttendance:
    starts_on: date
    ends_on: date
    classes: list[ClassAttendance]
    total: AttendanceFigures


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationFailed("Конец периода раньше его начала.", field="endsOn")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise ValidationFailed("Период не длиннее учебного года.", field="endsOn")


def _sum(parts: list[AttendanceFigures]) -> AttendanceFigures:
    return AttendanceFigures(
        missed=sum(p.missed for p in parts),
        by_illness=sum(p.by_illness for p in parts),
        excused=sum(p.excused for p in parts),
        unexcused=sum(p.unexcused for p in parts),
        lates=sum(p.lates for p in parts),
        missed_days=sum(p.missed_days for p in parts),
    )


async def build_class_attendance(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, starts_on: date, ends_on: date
) -> ClassAttendance:
    check_dates(starts_on, ends_on)
    school_class = await session.get(SchoolClass, school_class_id)
    lessons = (
        await session.execute(
            select(Lesson.lesson_id, Lesson.date, Lesson.subgroup_id).where(
                Lesson.school_id == school_id,
                Lesson.school_class_id == school_class_id,
                Lesson.cancelled.is_(False),
                Lesson.date.between(starts_on, ends_on),
            )
        )
    ).all()
    members: dict[UUID, set[UUID]] = {
        g.subgroup_id: set(g.student_ids)
        for g in await session.scalars(
            select(Subgroup).where(Subgroup.school_class_id == school_class_id)
        )
    }
    marks = (
        await session.execute(
            select(
                Attendance.student_id, Attendance.lesson_id, Attendance.date, Attendance.category
            ).where(
                Attendance.school_id == school_id,
                Attendance.school_class_id == school_class_id,
                Attendance.cleared.is_(False),
                Attendance.date.between(starts_on, ends_on),
            )
        )
    ).all()
    gone = await left_before(session, school_class_id, starts_on)
    students = (await enrolled_at(session, school_class_id, ends_on)) | {
        m.student_id for m in marks if m.student_id not in gone
    }
    absences: dict[UUID, list[Absence]] = defaultdict(list)
    for m in marks:
        absences[m.student_id].append(Absence(m.date, m.lesson_id, m.category or "absent_unknown"))
    student_names = await names(session, students)
    rows: list[StudentAttendance] = []
    monthly: dict[str, list[AttendanceFigures]] = defaultdict(list)
    for student in students:
        per_day: Counter[date] = Counter(
            lesson.date
            for lesson in lessons
            if lesson.subgroup_id is None or student in members.get(lesson.subgroup_id, set())
        )
        mine = absences.get(student, [])
        rows.append(
            StudentAttendance(
                student, student_names.get(student, ""), metrics.attendance(mine, per_day)
            )
        )
        by_month: dict[str, list[Absence]] = defaultdict(list)
        for a in mine:
            by_month[f"{a.date:%Y-%m}"].append(a)
        for month, items in by_month.items():
            monthly[month].append(metrics.attendance(items, per_day))
    rows.sort(key=lambda r: (r.student_name, str(r.student_id)))
    reasons: Counter[str] = Counter(a.category for items in absences.values() for a in items)
    return ClassAttendance(
        school_class_id=school_class_id,
        class_name=school_class.name if school_class else "",
        starts_on=starts_on,
        ends_on=ends_on,
        students=rows,
        total=_sum([r.figures for r in rows]),
        by_month=[MonthAttendance(m, _sum(parts)) for m, parts in sorted(monthly.items())],
        by_reason={c: reasons[c] for c in CATEGORY_LABELS if reasons[c]},
    )


async def build_school_attendance(
    session: AsyncSession, school_id: UUID, starts_on: date, ends_on: date
) -> SchoolAttendance:
    check_dates(starts_on, ends_on)
    class_ids = list(
        await session.scalars(
            select(SchoolClass.school_class_id)
            .where(SchoolClass.school_id == school_id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
    )
    classes = [
        await build_class_attendance(session, school_id, c, starts_on, ends_on) for c in class_ids
    ]
    return SchoolAttendance(starts_on, ends_on, classes, _sum([c.total for c in classes]))
