"""The сводная ведомость успеваемости of a class for a study period or the year: students ×
subjects with their period marks (н/а, осв, зач shown as such) and each subject's figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.domain import metrics
from services.reports.domain.metrics import Figures, PeriodResult, Result, Standing
from services.reports.models import ArchivedYear, ProgressSummaryMark, SchoolClass
from services.reports.periods import Period, span
from services.reports.roster import names, stays_at

SPECIAL_DISPLAY = {"not_attested": "н/а", "pass": "зач", "fail": "незач", "exempt": "осв"}


@dataclass(frozen=True)
class SheetSubject:
    subject_id: UUID
    subject_name: str


@dataclass(frozen=True)
class SheetCell:
    """One period mark: ``display`` is how the sheet prints it (5, н/а, осв, зач …)."""

    subject_id: UUID
    value: int | None
    special: str | None
    display: str
    average: Decimal | None
    proposed: int | None

    @property
    def result(self) -> PeriodResult:
        if self.value is not None:
            return self.value
        return Result(self.special) if self.special else Result.NO_MARKS


@dataclass(frozen=True)
class SheetRow:
    student_id: UUID
    student_name: str
    cells: list[SheetCell | None]  # aligned with ``ProgressSheet.subjects``
    standing: Standing
    average_mark: Decimal | None  # of the numeric period marks


@dataclass(frozen=True)
class SubjectFigures:
    subject: SheetSubject
    figures: Figures


@dataclass(frozen=True)
class ProgressSheet:
    school_id: UUID
    school_class_id: UUID
    class_name: str
    period: Period
    period_name: str
    closed_at: datetime | None  # the year's closing: the sheet is archived as it stands
    subjects: list[SheetSubject]
    rows: list[SheetRow]
    figures: list[SubjectFigures]  # per subject, aligned with ``subjects``
    total: Figures  # every subject's results together


def cell(m: Any) -> SheetCell:
    """A period mark (a row of ``period_marks``) as the sheet prints it."""
    display = SPECIAL_DISPLAY.get(m.special or "", m.special or "") or str(m.value or "")
    return SheetCell(m.subject_id, m.value, m.special, display, m.average, m.proposed)


def result_of(c: SheetCell | None) -> PeriodResult:
    return Result.NO_MARKS if c is None else c.result


async def period_marks(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, period: Period
) -> list[Row[Any]]:
    """The class's period marks of the kind the period asks for, as plain rows (a school's
    year is tens of thousands: ORM objects cost more than the query)."""
    t = ProgressSummaryMark.__table__.c
    query = select(
        t.subject_id,
        t.subject_name,
        t.student_id,
        t.value,
        t.special,
        t.average,
        t.proposed,
    ).where(
        t.school_id == school_id,
        t.school_class_id == school_class_id,
        t.academic_year_id == period.academic_year_id,
        t.kind == period.kind,
        t.removed.is_(False),
    )
    if period.study_period_id is not None:
        query = query.where(t.study_period_id == period.study_period_id)
    return list((await session.execute(query)).all())


async def build_progress_sheet(
    session: AsyncSession,
    school_id: UUID,
    school_class_id: UUID,
    period: Period,
    *,
    subject_ids: Iterable[UUID] | None = None,
) -> ProgressSheet:
    """The sheet; ``subject_ids`` narrows it to those subjects (a subject teacher's view)."""
    wanted = None if subject_ids is None else set(subject_ids)
    school_class = await session.get(SchoolClass, school_class_id)
    when = await span(session, school_id, period)
    marks = [
        m
        for m in await period_marks(session, school_id, school_class_id, period)
        if wanted is None or m.subject_id in wanted
    ]
    present, gone = await stays_at(session, school_class_id, when.ends_on)
    students = present | {m.student_id for m in marks if m.student_id not in gone}
    subjects = sorted(
        {m.subject_id: SheetSubject(m.subject_id, m.subject_name) for m in marks}.values(),
        key=lambda s: (s.subject_name, str(s.subject_id)),
    )
    column = {s.subject_id: i for i, s in enumerate(subjects)}
    grid: dict[UUID, list[SheetCell | None]] = {s: [None] * len(subjects) for s in students}
    for m in marks:
        if m.student_id in grid:
            grid[m.student_id][column[m.subject_id]] = cell(m)
    student_names = await names(session, students)
    rows = sorted(
        (
            SheetRow(
                student_id=sid,
                student_name=student_names.get(sid, ""),
                cells=cells,
                standing=metrics.standing(result_of(c) for c in cells),
                average_mark=metrics.simple_average(
                    c.value for c in cells if c is not None and c.value is not None
                ),
            )
            for sid, cells in grid.items()
        ),
        key=lambda r: (r.student_name, str(r.student_id)),
    )
    per_subject = [
        SubjectFigures(s, metrics.figures(result_of(r.cells[i]) for r in rows))
        for i, s in enumerate(subjects)
    ]
    closed_at = await session.scalar(
        select(ArchivedYear.closed_at).where(
            ArchivedYear.academic_year_id == period.academic_year_id,
            ArchivedYear.school_id == school_id,
        )
    )
    return ProgressSheet(
        school_id=school_id,
        school_class_id=school_class_id,
        class_name=school_class.name if school_class else "",
        period=period,
        period_name=when.name,
        closed_at=closed_at,
        subjects=subjects,
        rows=rows,
        figures=per_subject,
        total=metrics.figures(result_of(c) for r in rows for c in r.cells),
    )
