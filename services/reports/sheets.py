"""The сводная ведомость as its files read it: the year's sheet and each study period's (the
report builders' ``ProgressSheet``), and a version of the rows they were built from — a file
is reused while that version holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.models import ProgressSummaryMark, SchoolClass, StudyPeriod
from services.reports.periods import Period
from services.reports.progress_sheet import ProgressSheet, build_progress_sheet


@dataclass(frozen=True)
class ClassSheets:
    year: ProgressSheet
    terms: list[ProgressSheet]


# Everything a rendered sheet shows: its marks (removals included), who was in the class and
# when, the names it prints, the class's and periods' names, whether the year is closed.
# md5 is a change detector here, not a seal.
_VERSION = text(
    """
    SELECT md5(concat_ws('|',
        (SELECT string_agg(m.period_mark_id::text || m.event_at::text || m.removed::text,
                           ',' ORDER BY m.period_mark_id)
           FROM progress_summary_mark m
          WHERE m.school_id = :school AND m.academic_year_id = :year
            AND m.school_class_id = ANY(:classes)),
        (SELECT string_agg(e.student_id::text || e.school_class_id::text
                           || coalesce(e.enrolled_on::text, '') || coalesce(e.left_on::text, ''),
                           ',' ORDER BY e.student_id, e.school_class_id)
           FROM enrolment e WHERE e.school_class_id = ANY(:classes)),
        (SELECT string_agg(p.person_id::text || p.version::text, ',' ORDER BY p.person_id)
           FROM person p
          WHERE p.person_id IN (
                SELECT m.student_id FROM progress_summary_mark m
                 WHERE m.school_id = :school AND m.academic_year_id = :year
                   AND m.school_class_id = ANY(:classes)
                UNION SELECT e.student_id FROM enrolment e
                 WHERE e.school_class_id = ANY(:classes))),
        (SELECT string_agg(c.school_class_id::text || c.name, ',' ORDER BY c.school_class_id)
           FROM school_class c WHERE c.school_class_id = ANY(:classes)),
        (SELECT string_agg(sp.study_period_id::text || sp.name, ',' ORDER BY sp.study_period_id)
           FROM study_period sp WHERE sp.academic_year_id = :year),
        (SELECT y.name FROM academic_year y WHERE y.academic_year_id = :year),
        (SELECT y.closed_at::text FROM archived_year y
          WHERE y.academic_year_id = :year AND y.school_id = :school)
    ))
    """
)


async def sheets_version(
    session: AsyncSession, school_id: UUID, school_class_ids: Iterable[UUID], academic_year_id: UUID
) -> str:
    value = await session.scalar(
        _VERSION,
        {"school": school_id, "classes": list(school_class_ids), "year": academic_year_id},
    )
    return str(value)


async def study_periods(session: AsyncSession, academic_year_id: UUID) -> list[UUID]:
    """The year's study periods in order, as people described them."""
    return list(
        await session.scalars(
            select(StudyPeriod.study_period_id)
            .where(StudyPeriod.academic_year_id == academic_year_id)
            .order_by(StudyPeriod.starts_on, StudyPeriod.name)
        )
    )


async def load_class_sheets(
    session: AsyncSession,
    school_id: UUID,
    school_class_id: UUID,
    academic_year_id: UUID,
    subject_ids: frozenset[UUID] | None = None,
) -> ClassSheets:
    """``subject_ids`` narrows the sheets to a subject teacher's subjects."""
    year = await build_progress_sheet(
        session, school_id, school_class_id, Period(academic_year_id), subject_ids=subject_ids
    )
    terms = [
        await build_progress_sheet(
            session,
            school_id,
            school_class_id,
            Period(academic_year_id, period_id),
            subject_ids=subject_ids,
        )
        for period_id in await study_periods(session, academic_year_id)
    ]
    return ClassSheets(year, terms)


async def classes_of_year(session: AsyncSession, school_id: UUID, year_id: UUID) -> list[UUID]:
    """The year's classes, 1А … 11Б, and any class with marks of the year."""
    listed = list(
        await session.scalars(
            select(SchoolClass.school_class_id)
            .where(SchoolClass.school_id == school_id, SchoolClass.academic_year_id == year_id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter, SchoolClass.name)
        )
    )
    marked = await session.scalars(
        select(ProgressSummaryMark.school_class_id)
        .where(
            ProgressSummaryMark.school_id == school_id,
            ProgressSummaryMark.academic_year_id == year_id,
        )
        .distinct()
    )
    return listed + sorted((c for c in set(marked) if c not in listed), key=str)
