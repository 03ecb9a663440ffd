"""Reports rules: who may read a class's figures, and the weighted average of marks."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role

# Who may read class figures at all; the class teacher only for their own class.
CLASS_REPORT_ROLES: tuple[Role, ...] = (*ADMINISTRATION, Role.CLASS_TEACHER)


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


def weighted_average(marks: Iterable[tuple[int, Decimal | int | float]]) -> Decimal | None:
    """Σ(value·weight) / Σ weight, rounded half up to two decimals; None without marks."""
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in marks:
        w = Decimal(str(weight))
        total += Decimal(value) * w
        weights += w
    if weights == 0:
        return None
    return (total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
