"""Контингент (ОО-1) as of 20 September: classes and students by grade; arrivals and
departures over the year. People's events carry neither sex nor date of birth, so those
columns of the form are not counted here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import NotFound
from services.reports.models import AcademicYear, Enrolment, SchoolClass
from services.reports.roster import enrolled_at


@dataclass(frozen=True)
class GradeContingent:
    grade_level: int
    classes: int
    students: int


@dataclass(frozen=True)
class Contingent:
    academic_year_id: UUID
    as_of: date
    grades: list[GradeContingent]
    classes: int
    students: int
    arrivals: int  # enrolled in the school after the year began (not moved between classes)
    departures: int  # left the school during the year (graduation and departure)


async def build_contingent(
    session: AsyncSession, school_id: UUID, academic_year_id: UUID
) -> Contingent:
    year = await session.get(AcademicYear, academic_year_id)
    if year is None or year.school_id != school_id:
        raise NotFound("Учебный год не найден.")
    as_of = date(year.starts_on.year, 9, 20)
    classes = list(
        await session.scalars(
            select(SchoolClass).where(
                SchoolClass.school_id == school_id,
                SchoolClass.academic_year_id == academic_year_id,
            )
        )
    )
    per_grade_classes: Counter[int] = Counter()
    per_grade_students: Counter[int] = Counter()
    for c in classes:
        per_grade_classes[c.grade_level] += 1
        per_grade_students[c.grade_level] += len(
            await enrolled_at(session, c.school_class_id, as_of)
        )
    class_ids = [c.school_class_id for c in classes]
    stays = (
        await session.scalars(select(Enrolment).where(Enrolment.school_class_id.in_(class_ids)))
    ).all()
    moved_in = {s.student_id for s in stays if s.left_kind == "transfer"}
    arrivals = {
        s.student_id
        for s in stays
        if s.enrolled_on is not None
        and year.starts_on < s.enrolled_on <= year.ends_on
        and s.student_id not in moved_in
    }
    departures = {
        s.student_id
        for s in stays
        if s.left_on is not None
        and year.starts_on <= s.left_on <= year.ends_on
        and s.left_kind in ("departure", "graduation")
    }
    grades = [
        GradeContingent(g, per_grade_classes[g], per_grade_students[g])
        for g in sorted(per_grade_classes)
    ]
    return Contingent(
        academic_year_id=academic_year_id,
        as_of=as_of,
        grades=grades,
        classes=len(classes),
        students=sum(g.students for g in grades),
        arrivals=len(arrivals),
        departures=len(departures),
    )
