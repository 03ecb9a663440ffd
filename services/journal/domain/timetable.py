"""The rules of the curriculum, the bells and the weekly timetable (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from uuid import UUID

from services.journal.domain import MAX_LESSONS_PER_DAY, check_russian
from services.kernel.errors import ValidationFailed

MAX_HOURS_PER_WEEK = Decimal(40)
HOURS_STEP = Decimal("0.5")
WEEKDAYS = {1: "понедельник", 2: "вторник", 3: "среда", 4: "четверг", 5: "пятница", 6: "суббота"}
MAX_ROOM = 50
MAX_REASON = 500
MAX_GRADE_LEVEL = 11


def check_hours_per_week(value: float | Decimal | str, field: str = "hoursPerWeek") -> Decimal:
    """Hours a week: 0 (none) to 40, in steps of half an hour (a lesson every other week)."""
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed("Часы в неделю — число.", field=field) from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS_PER_WEEK:
        raise ValidationFailed(
            f"Часов в неделю — от 0 до {MAX_HOURS_PER_WEEK} (0 снимает предмет с плана).",
            field=field,
        )
    if hours % HOURS_STEP != 0:
        raise ValidationFailed(
            "Часы в неделю задаются с шагом 0,5 (урок раз в две недели).", field=field
        )
    return hours.quantize(Decimal("0.1"))


def check_grade_level(grade_level: int) -> int:
    if not 1 <= grade_level <= MAX_GRADE_LEVEL:
        raise ValidationFailed(
            f"Параллель — номер класса от 1 до {MAX_GRADE_LEVEL}.", field="gradeLevel"
        )
    return grade_level


@dataclass(frozen=True)
class HoursRow:
    """A curriculum row: for a parallel (grade_level) or one class (school_class_id)."""

    subject_id: UUID
    hours_per_week: Decimal
    grade_level: int | None = None
    school_class_id: UUID | None = None


@dataclass(frozen=True)
class EffectiveHours:
    school_class_id: UUID
    subject_id: UUID
    hours_per_week: Decimal
    from_parallel: bool


def effective_hours(
    classes: Iterable[tuple[UUID, int]], rows: Iterable[HoursRow]
) -> list[EffectiveHours]:
    """Hours per class and subject: a class's own row overrides its parallel's."""
    by_parallel: dict[int, dict[UUID, Decimal]] = {}
    by_class: dict[UUID, dict[UUID, Decimal]] = {}
    for row in rows:
        if row.school_class_id is not None:
            by_class.setdefault(row.school_class_id, {})[row.subject_id] = row.hours_per_week
        elif row.grade_level is not None:
            by_parallel.setdefault(row.grade_level, {})[row.subject_id] = row.hours_per_week
    result: list[EffectiveHours] = []
    for class_id, grade_level in classes:
        own = by_class.get(class_id, {})
        parallel = by_parallel.get(grade_level, {})
        for subject_id in dict.fromkeys([*parallel, *own]):
            if subject_id in own:
                result.append(EffectiveHours(class_id, subject_id, own[subject_id], False))
            else:
                result.append(EffectiveHours(class_id, subject_id, parallel[subject_id], True))
    return result


# --- bells ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bell:
    number: int
    starts_at: time
    ends_at: time


def check_bells(bells: Sequence[Bell]) -> list[Bell]:
    """Numbers 1..10, each once, in ascending order; each lesson ends after it starts and
    before the next one starts."""
    if not bells:
        raise ValidationFailed("Укажите время хотя бы одного урока.", field="lessons")
    for bell in bells:
        if not 1 <= bell.number <= MAX_LESSONS_PER_DAY:
            raise ValidationFailed(
                f"Номер урока — от 1 до {MAX_LESSONS_PER_DAY}.", field="lessons.number"
            )
        if bell.starts_at >= bell.ends_at:
            raise ValidationFailed(
                f"{bell.number}-й урок: начало должно быть раньше окончания.",
                field="lessons.startsAt",
            )
    numbers = [b.number for b in bells]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailed("Номер урока встречается дважды.", field="lessons.number")
    if numbers != sorted(numbers):
        raise ValidationFailed("Уроки перечисляются по порядку номеров.", field="lessons.number")
    for before, after in pairwise(bells):
        if after.starts_at < before.ends_at:
            raise ValidationFailed(
                f"{after.number}-й урок начинается раньше, чем заканчивается {before.number}-й.",
                field="lessons.startsAt",
            )
    return list(bells)


# --- the weekly timetable ------------------------------------------------------------------------


def check_weekday(weekday: int) -> int:
    if weekday not in WEEKDAYS:
        raise ValidationFailed("День недели — от 1 (понедельник) до 6 (суббота).", field="weekday")
    return weekday


def check_validity(valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise ValidationFailed(
            "Расписание действует с даты начала по дату окончания: окончание раньше начала.",
            field="validTo",
        )


def check_room(room: str | None) -> str | None:
    text = " ".join((room or "").split())
    if len(text) > MAX_ROOM:
        raise ValidationFailed(f"Кабинет — не длиннее {MAX_ROOM} символов.", field="room")
    return text or None


def check_reason(reason: str) -> str:
    text = check_russian(reason, field="reason", what="Причина отмены урока")
    if not text:
        raise ValidationFailed("Укажите причину отмены урока.", field="reason")
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Причина — не длиннее {MAX_REASON} символов.", field="reason")
    return text


def same_subject_name(subgroup_subject: str, subject_name: str) -> bool:
    """People names a subgroup's subject in words; it must be the journal's subject."""
    return " ".join(subgroup_subject.split()).lower() == subject_name


def periods_overlap(a_from: date, a_to: date, b_from: date, b_to: date) -> bool:
    return a_from <= b_to and b_from <= a_to


def class_slot_taken(
    subject_id: UUID,
    subgroup_id: UUID | None,
    other_subject_id: UUID,
    other_subgroup_id: UUID | None,
) -> bool:
    """Subgroups of one subject share a slot; another subject, the whole class, or the same
    subgroup twice may not."""
    if subject_id != other_subject_id:
        return True
    if subgroup_id is None or other_subgroup_id is None:
        return True
    return subgroup_id == other_subgroup_id


def study_days(start: date, end: date, periods: Iterable[tuple[date, date]]) -> list[date]:
    """Dates of the range inside a study period (holidays lie between periods), Sunday off."""
    spans = list(periods)
    days: list[date] = []
    day = start
    while day <= end:
        if day.isoweekday() != 7 and any(a <= day <= b for a, b in spans):
            days.append(day)
        day += timedelta(days=1)
    return days
