"""The сводная ведомость as its files read it: the class's summary, its students' names and a
version of the rows it was built from (a file is reused while that version holds)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.models import ArchivedYear, SchoolClass
from services.reports.names import names_of
from services.reports.progress_summary import Summary, summary_of


@dataclass(frozen=True)
class SheetData:
    summary: Summary
    class_name: str
    student_names: dict[UUID, str]


# Everything a rendered sheet shows: its marks (removals included), the names it prints, the
# class's name and whether the year is closed. md5 is a change detector here, not a seal.
_VERSION = text(
    """
    SELECT md5(
        coalesce((SELECT string_agg(
                     m.period_mark_id::text || m.event_at::text || m.removed::text,
                     ',' ORDER BY m.period_mark_id)
                  FROM progress_summary_mark m
                  WHERE m.school_id = :school AND m.school_class_id = :class
                    AND m.academic_year_id = :year), '')
        || '|' || coalesce((SELECT string_agg(p.person_id::text || p.version::text
                                              || p.last_name || p.first_name
                                              || coalesce(p.middle_name, ''),
                                              ',' ORDER BY p.person_id)
                            FROM person_name p
                            WHERE p.person_id IN (
                                SELECT m.student_id FROM progress_summary_mark m
                                WHERE m.school_id = :school AND m.school_class_id = :class
                                  AND m.academic_year_id = :year)), '')
        || '|' || coalesce((SELECT c.name FROM school_class c
                            WHERE c.school_class_id = :class), '')
        || '|' || coalesce((SELECT y.closed_at::text FROM archived_year y
                            WHERE y.academic_year_id = :year AND y.school_id = :school), '')
    )
    """
)


async def sheet_version(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, academic_year_id: UUID
) -> str:
    value = await session.scalar(
        _VERSION, {"school": school_id, "class": school_class_id, "year": academic_year_id}
    )
    return str(value)


async def load_sheet(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, academic_year_id: UUID
) -> SheetData:
    summary = await summary_of(session, school_id, school_class_id, academic_year_id)
    school_class = await session.get(SchoolClass, school_class_id)
    names = await names_of(session, {r.student_id for r in summary.rows})
    return SheetData(summary, school_class.name if school_class else "—", names)


async def closed_year(session: AsyncSession, school_id: UUID, year_id: UUID) -> ArchivedYear | None:
    return await session.scalar(
        select(ArchivedYear).where(
            ArchivedYear.academic_year_id == year_id, ArchivedYear.school_id == school_id
        )
    )
