"""A class's current marks over a period's dates, as the reports read them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.models import Mark


@dataclass(frozen=True)
class CurrentMark:
    student_id: UUID
    subject_id: UUID
    subject_name: str
    value: int
    weight: Decimal
    date: date
    teacher_id: UUID | None


async def current_marks(
    session: AsyncSession,
    school_id: UUID,
    *,
    school_class_id: UUID | None = None,
    student_id: UUID | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    subject_ids: Iterable[UUID] | None = None,
) -> list[CurrentMark]:
    query = select(
        Mark.student_id,
        Mark.subject_id,
        Mark.subject_name,
        Mark.value,
        Mark.weight,
        Mark.date,
        Mark.teacher_id,
    ).where(
        Mark.school_id == school_id,
        Mark.removed.is_(False),
        # A mark known only from its change waits for its recording to be counted.
        Mark.value.is_not(None),
        Mark.date.is_not(None),
        Mark.subject_name.is_not(None),
    )
    if school_class_id is not None:
        query = query.where(Mark.school_class_id == school_class_id)
    if student_id is not None:
        query = query.where(Mark.student_id == student_id)
    if starts_on is not None:
        query = query.where(Mark.date >= starts_on)
    if ends_on is not None:
        query = query.where(Mark.date <= ends_on)
    if subject_ids is not None:
        query = query.where(Mark.subject_id.in_(list(subject_ids)))
    rows = (await session.execute(query.order_by(Mark.date, Mark.mark_id))).all()
    return [
        CurrentMark(
            r.student_id,
            r.subject_id,
            r.subject_name,
            r.value,
            r.weight or Decimal(1),
            r.date,
            r.teacher_id,
        )
        for r in rows
    ]
