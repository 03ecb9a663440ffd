"""Debts («точки»): a mandatory assignment a student has not been marked for by its due date.

Pure rules, no I/O: the service loads the stays, subgroups, assignments and marks and asks here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.journal.domain.reads import Stay, in_class_on


@dataclass(frozen=True)
class MandatoryAssignment:
    id: UUID
    lesson_id: UUID
    school_class_id: UUID
    subgroup_id: UUID | None  # the lesson's subgroup; None for the whole class
    lesson_date: date
    due_on: date


def owes(
    assignment: MandatoryAssignment,
    today: date,
    stays: Iterable[Stay],
    subgroup_ids: frozenset[UUID],
    marked: bool,
) -> bool:
    """The due date has passed, there is no mark, and the work was the student's to do.

    It was theirs when they were in the class (and, for a subgroup's lesson, in that subgroup)
    both on the day it was given and on the day it was due: a student who arrived later or
    left before the due date owes nothing. The due date itself is still in time.
    """
    if marked or assignment.due_on >= today:
        return False
    if assignment.subgroup_id is not None and assignment.subgroup_id not in subgroup_ids:
        return False
    stays = list(stays)
    return in_class_on(stays, assignment.school_class_id, assignment.lesson_date) and in_class_on(
        stays, assignment.school_class_id, assignment.due_on
    )
