"""Средний балл и его динамика: the weighted average of current marks per study period of a
year, for a class (per subject and overall), a student or a teacher."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import NotFound
from services.reports.current_marks import CurrentMark, current_marks
from services.reports.domain import metrics
from services.reports.models import AcademicYear, StudyPeriod


@dataclass(frozen=True)
class PeriodAverage:
    study_period_id: UUID
    study_period_name: str
    average: Decimal | None
    marks_count: int


@dataclass(frozen=True)
class SubjectDynamics:
    subject_id: UUID | None  # None: every subject together
    subject_name: str
    periods: list[PeriodAverage]


@dataclass(frozen=True)
class AverageDynamics:
    academic_year_id: UUID
    subjects: list[SubjectDynamics]  # the overall line first


async def build_average_dynamics(
    session: AsyncSession,
    school_id: UUID,
    academic_year_id: UUID,
    *,
    school_class_id: UUID | None = None,
    student_id: UUID | None = None,
    teacher_id: UUID | None = None,
    subject_ids: Iterable[UUID] | None = None,
) -> AverageDynamics:
    year = await session.get(AcademicYear, academic_year_id)
    if year is None or year.school_id != school_id:
        raise NotFound("Учебный год не найден.")
    periods = list(
        await session.scalars(
            select(StudyPeriod)
            .where(StudyPeriod.academic_year_id == academic_year_id)
            .order_by(StudyPeriod.starts_on)
        )
    )
    marks = await current_marks(
        session,
        school_id,
        school_class_id=school_class_id,
        student_id=student_id,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        subject_ids=subject_ids,
    )
    if teacher_id is not None:
        marks = [m for m in marks if m.teacher_id == teacher_id]
    by_subject: dict[UUID, list[CurrentMark]] = defaultdict(list)
    for m in marks:
        by_subject[m.subject_id].append(m)

    def line(subject_id: UUID | None, name: str, given: list[CurrentMark]) -> SubjectDynamics:
        out = []
        for p in periods:
            inside = [m for m in given if p.starts_on <= m.date <= p.ends_on]
            out.append(
                PeriodAverage(
                    p.study_period_id,
                    p.name,
                    metrics.weighted_average((m.value, m.weight) for m in inside),
                    len(inside),
                )
            )
        return SubjectDynamics(subject_id, name, out)

    lines = [line(None, "все предметы", marks)]
    lines += sorted(
        (line(sid, ms[0].subject_name, ms) for sid, ms in by_subject.items()),
        key=lambda s: (s.subject_name, str(s.subject_id)),
    )
    return AverageDynamics(academic_year_id, lines)
