"""The figures of every report, pure: the formulas of SGO's own help, no I/O.

N, the denominator of the quality figures, is the students enrolled at the period's end,
minus those exempt from the subject («осв»), minus those with no marks; «н/а» stays in N.
«зач»/«незач» subjects have no graded result and are outside N too.

- успеваемость, % = (n5 + n4 + n3) · 100 / N                      ``pass_rate``
- качество знаний, % = (n5 + n4) · 100 / N                         ``quality_rate``
- СОУ, % = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n_на) / N           ``learning_level``
- средний балл = Σ marks / count, or Σ(mark·weight) / Σ weight     ``average_mark``
Percentages and averages are rounded half up to two decimals; with N = 0 they are None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


class Result(StrEnum):
    """A student's period result in one subject, beside the marks 2..5."""

    NOT_ATTESTED = "not_attested"  # н/а: counted in N
    EXEMPT = "exempt"  # осв: not in N
    PASS = "pass"  # зач
    FAIL = "fail"  # незач
    NO_MARKS = "no_marks"  # nothing recorded: not in N


PeriodResult = int | Result


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    return _round(Decimal(part) * 100 / whole) if whole else None


@dataclass(frozen=True)
class Figures:
    """The quality figures of one group of students in one subject (or over subjects)."""

    n: int
    n5: int
    n4: int
    n3: int
    n2: int
    not_attested: int
    exempt: int
    no_marks: int
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    learning_level: Decimal | None
    average_mark: Decimal | None


def figures(results: Iterable[PeriodResult]) -> Figures:
    """Figures of the period results of the students enrolled at the period's end."""
    counted: Counter[PeriodResult] = Counter(results)
    n5, n4, n3, n2 = (counted[v] for v in (5, 4, 3, 2))
    na = counted[Result.NOT_ATTESTED]
    n = n5 + n4 + n3 + n2 + na
    graded = n5 + n4 + n3 + n2
    level = (100 * n5 + 64 * n4 + 36 * n3 + 16 * n2 + 7 * na) if n else 0
    return Figures(
        n=n,
        n5=n5,
        n4=n4,
        n3=n3,
        n2=n2,
        not_attested=na,
        exempt=counted[Result.EXEMPT],
        no_marks=counted[Result.NO_MARKS],
        pass_rate=percent(n5 + n4 + n3, n),
        quality_rate=percent(n5 + n4, n),
        learning_level=_round(Decimal(level) / n) if n else None,
        average_mark=_round(Decimal(5 * n5 + 4 * n4 + 3 * n3 + 2 * n2) / graded)
        if graded
        else None,
    )


def simple_average(values: Iterable[int]) -> Decimal | None:
    """Σ marks / number of marks."""
    values = list(values)
    return _round(Decimal(sum(values)) / len(values)) if values else None


def weighted_average(marks: Iterable[tuple[int, Decimal | int | float]]) -> Decimal | None:
    """Σ(value·weight) / Σ weight; None without marks (or with zero weights only)."""
    total = weights = Decimal(0)
    for value, weight in marks:
        w = Decimal(str(weight))
        total += Decimal(value) * w
        weights += w
    return _round(total / weights) if weights else None


# --- the class's students by their period marks (итоги успеваемости) --------------------------


class Standing(StrEnum):
    EXCELLENT = "excellent"  # отличник: only 5
    GOOD = "good"  # хорошист: 4 and 5, more than one 4
    ONE_FOUR = "one_four"  # one «4», the rest 5
    ONE_THREE = "one_three"  # one «3», the rest 4 and 5
    FAILING = "failing"  # a 2, or н/а (неуспевающий)
    OTHER = "other"  # more than one 3, or no graded subjects


def standing(results: Iterable[PeriodResult]) -> Standing:
    """Where a student's period results put them (осв, зач, no marks do not count)."""
    marks: list[int] = []
    for r in results:
        if r == 2 or r in (Result.NOT_ATTESTED, Result.FAIL):
            return Standing.FAILING
        if isinstance(r, int):
            marks.append(r)
    if not marks:
        return Standing.OTHER
    fours, threes = marks.count(4), marks.count(3)
    if threes == 0 and fours == 0:
        return Standing.EXCELLENT
    if threes == 0 and fours == 1:
        return Standing.ONE_FOUR
    if threes == 0:
        return Standing.GOOD
    if threes == 1:
        return Standing.ONE_THREE
    return Standing.OTHER


# --- attendance ---------------------------------------------------------------------------------

MISSED = frozenset({"absent_unknown", "illness", "excused", "unexcused", "exempt"})


@dataclass(frozen=True)
class Absence:
    date: date
    lesson_key: object  # the lesson (its id); only identity matters
    category: str  # absent_unknown | late | illness | excused | unexcused | exempt


@dataclass(frozen=True)
class AttendanceFigures:
    """Missed lessons, of which through illness, excused (УП, ОСВ) and unexcused (ОТ left
    without a reason counts here too); lates; missed days."""

    missed: int
    by_illness: int
    excused: int
    unexcused: int
    lates: int
    missed_days: int


def attendance(
    absences: Iterable[Absence], lessons_per_day: Mapping[date, int]
) -> AttendanceFigures:
    """``lessons_per_day``: how many lessons the student's class or subgroup had each day; a
    day is missed only when every one of them was."""
    by_category: Counter[str] = Counter()
    missed_on: dict[date, set[object]] = {}
    for a in absences:
        by_category[a.category] += 1
        if a.category in MISSED:
            missed_on.setdefault(a.date, set()).add(a.lesson_key)
    days = sum(
        1 for day, missed in missed_on.items() if 0 < lessons_per_day.get(day, 0) <= len(missed)
    )
    return AttendanceFigures(
        missed=sum(by_category[c] for c in MISSED),
        by_illness=by_category["illness"],
        excused=by_category["excused"] + by_category["exempt"],
        unexcused=by_category["unexcused"] + by_category["absent_unknown"],
        lates=by_category["late"],
        missed_days=days,
    )


# --- journal keeping: накопляемость, своевременность, прохождение программы --------------------

# (hours a week from, current marks a student needs per study period): the school's bands.
DEFAULT_DENSITY_BANDS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(0), 3),
    (Decimal(2), 5),
    (Decimal(3), 7),
    (Decimal(5), 9),
)


def required_marks(
    hours_per_week: Decimal, bands: Iterable[tuple[Decimal, int]] = DEFAULT_DENSITY_BANDS
) -> int:
    """The least number of current marks a student needs in a study period at these hours."""
    need = 0
    for hours_from, marks in sorted(bands):
        if hours_per_week >= hours_from:
            need = marks
    return need


def below_density(
    marks_count: int,
    hours_per_week: Decimal,
    bands: Iterable[tuple[Decimal, int]] = DEFAULT_DENSITY_BANDS,
) -> bool:
    return marks_count < required_marks(hours_per_week, bands)


SCHOOL_TIMEZONE = ZoneInfo("Asia/Tomsk")


def filled_late(
    lesson_date: date, filled_at: datetime | None, days: int, tz: ZoneInfo = SCHOOL_TIMEZONE
) -> bool:
    """Filled later than ``days`` school days after the lesson's day (never filled: late once
    the allowance has passed is for the caller to decide; None here is not late)."""
    if filled_at is None:
        return False
    return filled_at.astimezone(tz).date() > lesson_date + timedelta(days=days)


def planned_lessons(hours_per_week: Decimal, starts_on: date, ends_on: date) -> int:
    """Lessons the curriculum plans over a period: hours a week × weeks (rounded half up)."""
    weeks = Decimal((ends_on - starts_on).days + 1) / 7
    return int((hours_per_week * weeks).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def coverage(held: int, planned: int) -> Decimal | None:
    """Прохождение программы, %: lessons held against the lessons planned."""
    return percent(held, planned)


def differs_from_proposal(value: int | None, proposed: int | None) -> bool:
    """Объективность: a period mark that is not the one the average proposed."""
    return value is not None and proposed is not None and value != proposed
