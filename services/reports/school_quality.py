"""Качество знаний школы: classes × subjects (with their teachers) for a period, compared with
the previous study period; and the region's aggregates with small cells suppressed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports import access
from services.reports.domain import metrics
from services.reports.domain.metrics import Figures, PeriodResult, Result
from services.reports.models import (
    AcademicYear,
    ProgressSummaryMark,
    SchoolClass,
    StudyPeriod,
    TeachingLoad,
)
from services.reports.periods import Period, span
from services.reports.progress_sheet import build_progress_sheet
from services.reports.roster import names


@dataclass(frozen=True)
class QualityCell:
    school_class_id: UUID
    class_name: str
    subject_id: UUID
    subject_name: str
    teacher_names: list[str]
    figures: Figures
    previous_quality_rate: Decimal | None  # the same cell in the previous study period


@dataclass(frozen=True)
class ClassQuality:
    school_class_id: UUID
    class_name: str
    figures: Figures


@dataclass(frozen=True)
class SchoolQuality:
    period: Period
    period_name: str
    cells: list[QualityCell]
    classes: list[ClassQuality]
    total: Figures


async def _previous(session: AsyncSession, period: Period) -> Period | None:
    if period.study_period_id is None:
        return None
    current = await session.get(StudyPeriod, period.study_period_id)
    if current is None:
        return None
    before = await session.scalar(
        select(StudyPeriod.study_period_id)
        .where(
            StudyPeriod.academic_year_id == period.academic_year_id,
            StudyPeriod.starts_on < current.starts_on,
        )
        .order_by(StudyPeriod.starts_on.desc())
        .limit(1)
    )
    return Period(period.academic_year_id, before) if before else None


async def build_school_quality(
    session: AsyncSession, school_id: UUID, period: Period
) -> SchoolQuality:
    when = await span(session, school_id, period)
    previous = await _previous(session, period)
    classes = list(
        await session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == school_id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
    )
    loads = (
        await session.execute(
            select(TeachingLoad.school_class_id, TeachingLoad.subject_id, TeachingLoad.teacher_id)
            .where(TeachingLoad.school_id == school_id, TeachingLoad.withdrawn.is_(False))
            .distinct()
        )
    ).all()
    teaching: dict[tuple[UUID, UUID], set[UUID]] = defaultdict(set)
    for class_id, subject_id, teacher_id in loads:
        if class_id and subject_id and teacher_id:
            teaching[(class_id, subject_id)].add(teacher_id)
    teacher_names = await names(session, {t for ts in teaching.values() for t in ts})
    cells: list[QualityCell] = []
    per_class: list[ClassQuality] = []
    everything: list[PeriodResult] = []
    for c in classes:
        sheet = await build_progress_sheet(session, school_id, c.school_class_id, period)
        before = (
            {
                f.subject.subject_id: f.figures.quality_rate
                for f in (
                    await build_progress_sheet(session, school_id, c.school_class_id, previous)
                ).figures
            }
            if previous
            else {}
        )
        for f in sheet.figures:
            cells.append(
                QualityCell(
                    c.school_class_id,
                    c.name,
                    f.subject.subject_id,
                    f.subject.subject_name,
                    sorted(
                        teacher_names.get(t, "")
                        for t in teaching.get((c.school_class_id, f.subject.subject_id), ())
                    ),
                    f.figures,
                    before.get(f.subject.subject_id),
                )
            )
        per_class.append(ClassQuality(c.school_class_id, c.name, sheet.total))
        everything += [
            Result.NO_MARKS if cell is None else cell.result for r in sheet.rows for cell in r.cells
        ]
    return SchoolQuality(period, when.name, cells, per_class, metrics.figures(everything))


# --- the region ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionalCell:
    """One school's grade in one calendar year's year marks; counts under 5 are hidden."""

    school_id: UUID
    grade_level: int
    n: int | None
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    learning_level: Decimal | None
    suppressed: bool


async def build_regional_quality(session: AsyncSession, year_ending: int) -> list[RegionalCell]:
    """Year marks of the academic years ending in ``year_ending``, by school and grade."""
    rows = (
        await session.execute(
            select(
                ProgressSummaryMark.school_id,
                SchoolClass.grade_level,
                ProgressSummaryMark.value,
                ProgressSummaryMark.special,
            )
            .join(SchoolClass, SchoolClass.school_class_id == ProgressSummaryMark.school_class_id)
            .join(
                AcademicYear,
                AcademicYear.academic_year_id == ProgressSummaryMark.academic_year_id,
            )
            .where(
                ProgressSummaryMark.kind == "year",
                ProgressSummaryMark.removed.is_(False),
                extract("year", AcademicYear.ends_on) == year_ending,
            )
        )
    ).all()
    groups: dict[tuple[UUID, int], list[PeriodResult]] = defaultdict(list)
    for school_id, grade, value, special in rows:
        result: PeriodResult = (
            value if value is not None else Result(special) if special else Result.NO_MARKS
        )
        groups[(school_id, grade)].append(result)
    out = []
    for (school_id, grade), results in sorted(
        groups.items(), key=lambda g: (str(g[0][0]), g[0][1])
    ):
        f = metrics.figures(results)
        hidden = access.suppress(f.n) is None
        out.append(
            RegionalCell(
                school_id,
                grade,
                None if hidden else f.n,
                None if hidden else f.pass_rate,
                None if hidden else f.quality_rate,
                None if hidden else f.learning_level,
                hidden,
            )
        )
    return out
