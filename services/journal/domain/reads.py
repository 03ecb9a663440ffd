"""Reading the journal: a student's stays in classes and the weighted average of marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID


@dataclass(frozen=True)
class Stay:
    """A student's time in a class: from ``enrolled_on`` up to, not including, ``left_on``."""

    school_class_id: UUID
    enrolled_on: date | None
    left_on: date | None

    def covers(self, day: date) -> bool:
        return (self.enrolled_on is None or self.enrolled_on <= day) and (
            self.left_on is None or day < self.left_on
        )


def in_class_on(stays: Iterable[Stay], school_class_id: UUID, day: date) -> bool:
    return any(s.school_class_id == school_class_id and s.covers(day) for s in stays)


def weighted_average(marks: Iterable[tuple[int, int]]) -> Decimal | None:
    """Σ(value × weight) / Σ weight over (value, weight) pairs, to 0.01; None without marks."""
    total = weights = 0
    for value, weight in marks:
        total += value * weight
        weights += weight
    if weights == 0:
        return None
    return (Decimal(total) / Decimal(weights)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
