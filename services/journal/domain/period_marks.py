"""Term and year marks: the weighted average, its rounding by the school's thresholds, what a
year needs before it closes, and what the closing tells other contexts.

The term average is Σ(mark·weight)/Σweight over the student's current marks in the subject on
lessons of the study period that were not cancelled; the weight is the assignment type's.

The year average is the arithmetic mean of the student's term marks (special results left
out), not of all the year's current marks: the year mark is set on the term marks in the
schools' local acts we follow, and a term's mark already carries the teacher's judgement of
that term (a term weighted by more lessons would otherwise outweigh a short one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import UUID

from services.kernel.errors import ValidationFailed

TWO_PLACES = Decimal("0.01")
MIN_LOCK_DAYS, MAX_LOCK_DAYS = 1, 60
MIN_THRESHOLD, MAX_THRESHOLD = Decimal(2), Decimal(5)
MIN_FILE_BYTES, MAX_FILE_BYTES = 1024 * 1024, 100 * 1024 * 1024


class PeriodMarkKind(StrEnum):
    TERM = "term"  # четвертная (триместровая, полугодовая)
    YEAR = "year"  # годовая
    EXAM = "exam"  # экзаменационная
    FINAL = "final"  # итоговая

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[PeriodMarkKind, str] = {
    PeriodMarkKind.TERM: "отметка за учебный период",
    PeriodMarkKind.YEAR: "годовая отметка",
    PeriodMarkKind.EXAM: "экзаменационная отметка",
    PeriodMarkKind.FINAL: "итоговая отметка",
}


class SpecialMark(StrEnum):
    NOT_ATTESTED = "not_attested"  # н/а: counts in the statistics' denominator
    PASS = "pass"  # зач
    FAIL = "fail"  # незач
    EXEMPT = "exempt"  # осв: does not count

    @property
    def code(self) -> str:
        return SPECIAL_CODES[self]


SPECIAL_CODES: dict[SpecialMark, str] = {
    SpecialMark.NOT_ATTESTED: "н/а",
    SpecialMark.PASS: "зач",
    SpecialMark.FAIL: "незач",
    SpecialMark.EXEMPT: "осв",
}


@dataclass(frozen=True)
class Thresholds:
    """The averages from which 5, 4 and 3 are proposed (a school setting)."""

    five: Decimal
    four: Decimal
    three: Decimal


def _decimal(value: Decimal | int | float | str) -> Decimal:
    # str() first: Decimal(4.65) would be 4.6500000000000003552713678800500929355621337890625.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def check_thresholds(five: object, four: object, three: object) -> Thresholds:
    """Strictly descending, each within 2..5, two decimal places at most."""
    try:
        values = [_decimal(v) for v in (five, four, three)]  # type: ignore[arg-type]
    except ArithmeticError:
        raise ValidationFailed("Пороги — числа от 2 до 5.", field="thresholds") from None
    if any(not v.is_finite() or v != v.quantize(TWO_PLACES) for v in values):
        raise ValidationFailed(
            "Пороги задаются с точностью до сотых (например, 4,65).", field="thresholds"
        )
    if any(not MIN_THRESHOLD <= v <= MAX_THRESHOLD for v in values):
        raise ValidationFailed("Пороги — числа от 2 до 5.", field="thresholds")
    if not values[0] > values[1] > values[2]:
        raise ValidationFailed(
            "Порог «5» выше порога «4», а тот выше порога «3» (например, 4,65 / 3,65 / 2,65).",
            field="thresholds",
        )
    return Thresholds(*(v.quantize(TWO_PLACES) for v in values))


def check_lock_days(days: int) -> int:
    if isinstance(days, bool) or not MIN_LOCK_DAYS <= days <= MAX_LOCK_DAYS:
        raise ValidationFailed(
            f"Срок редактирования отметок — от {MIN_LOCK_DAYS} до {MAX_LOCK_DAYS} дней.",
            field="lockDays",
        )
    return days


def check_max_file_bytes(size: int) -> int:
    if isinstance(size, bool) or not MIN_FILE_BYTES <= size <= MAX_FILE_BYTES:
        raise ValidationFailed(
            "Размер файла домашнего задания — от 1 до 100 МБ.", field="maxFileBytes"
        )
    return size


def weighted_average(marks: Iterable[tuple[int, int | Decimal]]) -> Decimal | None:
    """Σ(mark·weight)/Σweight, half up to two decimals; None without marks."""
    total = weights = Decimal(0)
    for value, weight in marks:
        w = _decimal(weight)
        total += Decimal(value) * w
        weights += w
    if weights == 0:
        return None
    return (total / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mean(values: Iterable[int]) -> Decimal | None:
    return weighted_average((v, 1) for v in values)


def propose(average: Decimal | None, thresholds: Thresholds) -> int | None:
    """The mark the average rounds to: reaching a threshold is enough (4.65 with 4.65 → 5)."""
    if average is None:
        return None
    if average >= thresholds.five:
        return 5
    if average >= thresholds.four:
        return 4
    if average >= thresholds.three:
        return 3
    return 2


@dataclass(frozen=True)
class PeriodMarkTarget:
    """What a period mark is for, once the input's combination is checked."""

    kind: PeriodMarkKind
    value: int | None
    special: SpecialMark | None


def check_period_mark(
    kind: PeriodMarkKind,
    value: int | None,
    special: SpecialMark | None,
    *,
    has_study_period: bool,
    has_academic_year: bool,
) -> PeriodMarkTarget:
    if (value is None) == (special is None):
        raise ValidationFailed(
            "Укажите либо отметку (2–5), либо особый результат (н/а, зач, незач, осв).",
            field="value",
        )
    if value is not None and (isinstance(value, bool) or value not in (2, 3, 4, 5)):
        raise ValidationFailed(
            "Отметка ставится по пятибалльной шкале: 2, 3, 4 или 5.", field="value"
        )
    if kind is PeriodMarkKind.TERM:
        if not has_study_period:
            raise ValidationFailed(
                "Для отметки за учебный период укажите четверть (триместр, полугодие).",
                field="studyPeriodId",
            )
    else:
        if has_study_period:
            raise ValidationFailed(
                f"{kind.label.capitalize()} ставится за учебный год, без учебного периода.",
                field="studyPeriodId",
            )
        if not has_academic_year:
            raise ValidationFailed(
                f"Для отметки «{kind.label}» укажите учебный год.", field="academicYearId"
            )
    return PeriodMarkTarget(kind, value, special)


def differs(value: int | None, proposed: int | None) -> bool:
    """The teacher's mark is not the one the average rounds to (special results never differ)."""
    return value is not None and proposed is not None and value != proposed


# --- closing the year ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedMark:
    """One mark a year needs: a term mark (study_period_id set) or a year mark."""

    school_class_id: UUID
    subject_id: UUID
    student_id: UUID
    study_period_id: UUID | None


def missing_marks(
    classes: Iterable[tuple[UUID, Sequence[UUID], Sequence[UUID]]],
    study_period_ids: Sequence[UUID],
    present: set[tuple[UUID, UUID, UUID | None]],
) -> list[ExpectedMark]:
    """Each class (id, its subjects, its students) needs, for each subject and student, a term
    mark for every study period and a year mark; ``present`` holds (student, subject, period)
    of the marks set (a year mark with period None; special results count as present)."""
    missing: list[ExpectedMark] = []
    for class_id, subjects, students in classes:
        for subject_id in subjects:
            for student_id in students:
                for period_id in (*study_period_ids, None):
                    if (student_id, subject_id, period_id) not in present:
                        missing.append(ExpectedMark(class_id, subject_id, student_id, period_id))
    return missing


@dataclass(frozen=True)
class StudentResult:
    student_id: UUID
    school_class_id: UUID
    failed_subject_ids: tuple[UUID, ...]
    not_attested_subject_ids: tuple[UUID, ...]

    @property
    def has_debt(self) -> bool:
        return bool(self.failed_subject_ids or self.not_attested_subject_ids)


def year_results(
    students: Iterable[tuple[UUID, UUID]],
    year_marks: Iterable[tuple[UUID, UUID, int | None, str | None]],
) -> list[StudentResult]:
    """Per (student, class): subjects failed (year mark 2 or «незач») and not attested («н/а»)."""
    failed: dict[UUID, list[UUID]] = {}
    not_attested: dict[UUID, list[UUID]] = {}
    for student_id, subject_id, value, special in year_marks:
        if value == 2 or special == SpecialMark.FAIL:
            failed.setdefault(student_id, []).append(subject_id)
        elif special == SpecialMark.NOT_ATTESTED:
            not_attested.setdefault(student_id, []).append(subject_id)
    return [
        StudentResult(
            student_id,
            class_id,
            tuple(sorted(failed.get(student_id, []), key=str)),
            tuple(sorted(not_attested.get(student_id, []), key=str)),
        )
        for student_id, class_id in students
    ]
