"""Which period a report covers: a study period of a year, or the whole year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import NotFound
from services.reports.models import AcademicYear, StudyPeriod


@dataclass(frozen=True)
class Period:
    """``study_period_id`` None: the year (its year marks); else that period's term marks."""

    academic_year_id: UUID
    study_period_id: UUID | None = None

    @property
    def kind(self) -> str:
        return "term" if self.study_period_id else "year"


@dataclass(frozen=True)
class PeriodSpan:
    period: Period
    name: str
    starts_on: date | None
    ends_on: date | None


async def span(session: AsyncSession, school_id: UUID, period: Period) -> PeriodSpan:
    """The period's name and dates as people described them; a year or study period this
    school does not have (or people has not told yet) is not found."""
    if period.study_period_id is not None:
        sp = await session.get(StudyPeriod, period.study_period_id)
        if (
            sp is None
            or sp.school_id != school_id
            or sp.academic_year_id != period.academic_year_id
        ):
            raise NotFound("Учебный период не найден.")
        return PeriodSpan(period, sp.name, sp.starts_on, sp.ends_on)
    year = await session.get(AcademicYear, period.academic_year_id)
    if year is None or year.school_id != school_id:
        raise NotFound("Учебный год не найден.")
    return PeriodSpan(period, f"{year.name} учебный год", year.starts_on, year.ends_on)
