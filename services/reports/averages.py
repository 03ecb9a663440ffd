"""Class averages: the weighted average of each subject's current marks in one class."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import func, select

from services.kernel.db import Database
from services.kernel.errors import Forbidden, Unauthenticated
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.reports.models import Mark, SchoolClass

# Who may read class averages at all; the class teacher only for their own class.
CLASS_AVERAGE_READERS: tuple[Role, ...] = (*ADMINISTRATION, Role.CLASS_TEACHER)


def may_read_class(principal: Principal, class_teacher_id: UUID | None) -> bool:
    """The administration reads every class of its school; the class teacher their own class,
    as people last recorded it (a token may be up to its lifetime behind a withdrawal)."""
    if not principal.is_authenticated:
        return False
    if principal.has_role(*ADMINISTRATION):
        return True
    return (
        principal.has_role(Role.CLASS_TEACHER)
        and class_teacher_id is not None
        and principal.person_id == class_teacher_id
    )


@dataclass(frozen=True)
class SubjectAverage:
    subject_id: UUID
    subject_name: str
    average: Decimal
    marks_count: int


async def class_averages(
    db: Database, principal: Principal, school_class_id: UUID
) -> list[SubjectAverage]:
    """Weighted average per subject of a class's current marks, ordered by subject name."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    weights = func.sum(Mark.weight)
    query = (
        select(
            Mark.subject_id,
            func.max(Mark.subject_name).label("subject_name"),
            (func.sum(Mark.value * Mark.weight) / func.nullif(weights, 0)).label("average"),
            func.count().label("marks_count"),
        )
        .where(
            Mark.school_class_id == school_class_id,
            Mark.school_id == principal.school_id,
            Mark.removed.is_(False),
            Mark.value.is_not(None),
            Mark.weight.is_not(None),
        )
        .group_by(Mark.subject_id)
        .order_by(func.max(Mark.subject_name), Mark.subject_id)
    )
    async with db.sessionmaker() as session:
        school_class = await session.get(SchoolClass, school_class_id)
        if school_class is not None and school_class.school_id != principal.school_id:
            raise Forbidden("Класс относится к другой школе.")
        class_teacher_id = school_class.class_teacher_id if school_class else None
        if not may_read_class(principal, class_teacher_id):
            raise Forbidden("Сводка по классу доступна администрации и классному руководителю.")
        rows = (await session.execute(query)).all()
    return [
        SubjectAverage(
            subject_id=row.subject_id,
            subject_name=row.subject_name,
            average=Decimal(row.average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            marks_count=row.marks_count,
        )
        for row in rows
        if row.average is not None
    ]
