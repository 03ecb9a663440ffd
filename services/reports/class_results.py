"""Итоги успеваемости класса за период: each subject's figures, and the lists of отличники,
хорошисты, students with one «4» or one «3» (naming the subject) and неуспевающие."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.domain.metrics import Figures, Result, Standing
from services.reports.periods import Period
from services.reports.progress_sheet import (
    ProgressSheet,
    SubjectFigures,
    build_progress_sheet,
)


@dataclass(frozen=True)
class ListedStudent:
    student_id: UUID
    student_name: str
    # The subjects that put them on the list: the one «4» or «3», the failed ones.
    subject_names: list[str]


@dataclass(frozen=True)
class ClassResults:
    school_class_id: UUID
    class_name: str
    period: Period
    period_name: str
    students: int
    figures: list[SubjectFigures]
    total: Figures
    excellent: list[ListedStudent]
    good: list[ListedStudent]
    one_four: list[ListedStudent]
    one_three: list[ListedStudent]
    failing: list[ListedStudent]


def results_of(sheet: ProgressSheet) -> ClassResults:
    lists: dict[Standing, list[ListedStudent]] = {s: [] for s in Standing}
    for row in sheet.rows:
        named: list[str] = []
        for subject, cell in zip(sheet.subjects, row.cells, strict=True):
            if cell is None:
                continue
            r = cell.result
            if (
                (row.standing is Standing.ONE_FOUR and r == 4)
                or (row.standing is Standing.ONE_THREE and r == 3)
                or (
                    row.standing is Standing.FAILING
                    and (r == 2 or r in (Result.NOT_ATTESTED, Result.FAIL))
                )
            ):
                named.append(subject.subject_name)
        lists[row.standing].append(ListedStudent(row.student_id, row.student_name, named))
    return ClassResults(
        school_class_id=sheet.school_class_id,
        class_name=sheet.class_name,
        period=sheet.period,
        period_name=sheet.period_name,
        students=len(sheet.rows),
        figures=sheet.figures,
        total=sheet.total,
        excellent=lists[Standing.EXCELLENT],
        good=lists[Standing.GOOD],
        one_four=lists[Standing.ONE_FOUR],
        one_three=lists[Standing.ONE_THREE],
        failing=lists[Standing.FAILING],
    )


async def build_class_results(
    session: AsyncSession,
    school_id: UUID,
    school_class_id: UUID,
    period: Period,
    *,
    subject_ids: Iterable[UUID] | None = None,
) -> ClassResults:
    sheet = await build_progress_sheet(
        session, school_id, school_class_id, period, subject_ids=subject_ids
    )
    return results_of(sheet)
