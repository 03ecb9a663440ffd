"""Attendance rules: the code dictionary, who sets which category, and the counting.

The regulation splits the work: the subject teacher marks during the lesson that a student is
absent (ОТ) or late (ОП); the class teacher turns every ОТ into a reason (Б, УП, НП, ОСВ); at the
end of the school day no ОТ may remain.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.journal.domain import (
    CLASS_TEACHER_CATEGORIES,
    DEFAULT_ATTENDANCE_CODES,
    SUBJECT_TEACHER_CATEGORIES,
    AttendanceCategory,
    AttendanceCode,
    DefaultAttendanceCode,
    has_russian_word,
)
from services.kernel.errors import ValidationFailed

MAX_CODE_LETTERS = 4
MAX_LABEL = 100
_CODE = re.compile(rf"^[А-ЯЁ]{{1,{MAX_CODE_LETTERS}}}$")

CATEGORY_LABELS: dict[AttendanceCategory, str] = {
    AttendanceCategory.ABSENT_UNKNOWN: "отсутствовал, причина не указана",
    AttendanceCategory.LATE: "опоздал",
    AttendanceCategory.ILLNESS: "по болезни",
    AttendanceCategory.EXCUSED: "по уважительной причине",
    AttendanceCategory.UNEXCUSED: "по неуважительной причине",
    AttendanceCategory.EXEMPT: "освобождён",
}
# Every category but a late arrival means the lesson was missed.
MISSED_CATEGORIES = frozenset(set(AttendanceCategory) - {AttendanceCategory.LATE})


# --- the dictionary ---------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """A code as the dictionary keeps it: trimmed and in capitals (ОТ, Б, ОСВ)."""
    return code.strip().upper()


def check_code(code: str) -> str:
    text = normalize_code(code)
    if not _CODE.match(text):
        raise ValidationFailed(
            f"Код посещаемости — от 1 до {MAX_CODE_LETTERS} заглавных русских букв "
            "(например, «Б» или «УП»).",
            field="code",
        )
    return text


def check_label(label: str) -> str:
    text = " ".join(label.split())
    if not text:
        raise ValidationFailed("Укажите расшифровку кода посещаемости.", field="label")
    if len(text) > MAX_LABEL:
        raise ValidationFailed(f"Расшифровка кода не длиннее {MAX_LABEL} символов.", field="label")
    if not has_russian_word(text):
        raise ValidationFailed(
            "Расшифровка кода пишется по-русски (например, «по болезни»).", field="label"
        )
    return text


def default_entry(code: str) -> DefaultAttendanceCode:
    """The default meaning of a code (an unknown one reads as an absence of unknown reason)."""
    for entry in DEFAULT_ATTENDANCE_CODES:
        if entry.code == code:
            return entry
    return DefaultAttendanceCode(code, code, AttendanceCategory.ABSENT_UNKNOWN)


def kind_of(category: AttendanceCategory) -> AttendanceCode:
    """The old two-valued kind: a late arrival, or an absence of whatever reason."""
    return AttendanceCode.LATE if category is AttendanceCategory.LATE else AttendanceCode.ABSENT


# --- who sets which category ------------------------------------------------------------------


def check_subject_teacher_category(code: str, category: AttendanceCategory) -> None:
    if category not in SUBJECT_TEACHER_CATEGORIES:
        raise ValidationFailed(
            f"Учитель на уроке отмечает только отсутствие («ОТ») или опоздание («ОП»); "
            f"причину («{code}») указывает классный руководитель.",
            field="code",
        )


def check_class_teacher_category(code: str, category: AttendanceCategory) -> None:
    if category not in CLASS_TEACHER_CATEGORIES:
        raise ValidationFailed(
            f"Код «{code}» не указывает причину пропуска: выберите «Б», «УП», «НП» или «ОСВ».",
            field="code",
        )


def is_reason(category: AttendanceCategory) -> bool:
    """A class teacher's reason: a subject teacher does not overwrite it."""
    return category in CLASS_TEACHER_CATEGORIES


def check_register(absent: Iterable[UUID], late: Iterable[UUID]) -> tuple[list[UUID], list[UUID]]:
    """A register names each student once: absent or late, not both."""
    absent_ids, late_ids = list(dict.fromkeys(absent)), list(dict.fromkeys(late))
    if set(absent_ids) & set(late_ids):
        raise ValidationFailed(
            "Учащийся не может быть одновременно отсутствующим и опоздавшим.", field="late"
        )
    return absent_ids, late_ids


# --- counting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassLesson:
    """A lesson of the student's class over the period, as the counting needs it."""

    lesson_id: UUID
    date: date
    subgroup_id: UUID | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class AttendanceCount:
    lessons: int  # lessons the student was to attend
    missed: int  # of which missed, whatever the reason
    unknown: int  # ОТ not yet turned into a reason
    illness: int
    excused: int
    unexcused: int
    exempt: int
    late: int
    missed_days: int  # days every lesson of which was missed
    days: int  # school days with at least one of the student's lessons


def attends(lesson: ClassLesson, subgroups: frozenset[UUID]) -> bool:
    """Cancelled lessons and lessons of another subgroup are not the student's."""
    if lesson.cancelled:
        return False
    return lesson.subgroup_id is None or lesson.subgroup_id in subgroups


def count(
    lessons: Iterable[ClassLesson],
    categories: Mapping[UUID, AttendanceCategory],
    subgroups: frozenset[UUID] = frozenset(),
) -> AttendanceCount:
    """One student's attendance over the lessons of their class.

    ``categories`` maps a lesson id to the category of the student's mark on it (no mark: present).
    A missed day counts only when every lesson of that day the student was to attend was missed.
    """
    by_category: dict[AttendanceCategory, int] = defaultdict(int)
    per_day: dict[date, list[bool]] = defaultdict(list)
    for lesson in lessons:
        if not attends(lesson, subgroups):
            continue
        category = categories.get(lesson.lesson_id)
        if category is not None:
            by_category[category] += 1
        per_day[lesson.date].append(category in MISSED_CATEGORIES)
    return AttendanceCount(
        lessons=sum(len(day) for day in per_day.values()),
        missed=sum(by_category[c] for c in MISSED_CATEGORIES),
        unknown=by_category[AttendanceCategory.ABSENT_UNKNOWN],
        illness=by_category[AttendanceCategory.ILLNESS],
        excused=by_category[AttendanceCategory.EXCUSED],
        unexcused=by_category[AttendanceCategory.UNEXCUSED],
        exempt=by_category[AttendanceCategory.EXEMPT],
        late=by_category[AttendanceCategory.LATE],
        missed_days=sum(1 for day in per_day.values() if day and all(day)),
        days=len(per_day),
    )


def total(counts: Iterable[AttendanceCount]) -> AttendanceCount:
    """A class's counts: the sum over its students."""
    items = list(counts)
    return AttendanceCount(
        **{
            name: sum(getattr(c, name) for c in items)
            for name in AttendanceCount.__dataclass_fields__
        }
    )


# --- the end of the day -----------------------------------------------------------------------


@dataclass(frozen=True)
class UnresolvedMark:
    school_class_id: UUID
    student_id: UUID
    lesson_id: UUID
    lesson_number: int


@dataclass(frozen=True)
class UnresolvedStudent:
    student_id: UUID
    lesson_ids: tuple[UUID, ...]
    lesson_numbers: tuple[int, ...]


@dataclass(frozen=True)
class UnresolvedClass:
    school_class_id: UUID
    students: tuple[UnresolvedStudent, ...]


def group_unresolved(marks: Iterable[UnresolvedMark]) -> list[UnresolvedClass]:
    """ОТ marks still without a reason, per class and student, lessons in their order."""
    tree: dict[UUID, dict[UUID, list[UnresolvedMark]]] = defaultdict(lambda: defaultdict(list))
    for mark in marks:
        tree[mark.school_class_id][mark.student_id].append(mark)
    classes = []
    for class_id, students in tree.items():
        items = []
        for student_id, student_marks in students.items():
            ordered = sorted(student_marks, key=lambda m: (m.lesson_number, str(m.lesson_id)))
            items.append(
                UnresolvedStudent(
                    student_id,
                    tuple(m.lesson_id for m in ordered),
                    tuple(m.lesson_number for m in ordered),
                )
            )
        items.sort(key=lambda s: str(s.student_id))
        classes.append(UnresolvedClass(class_id, tuple(items)))
    classes.sort(key=lambda c: str(c.school_class_id))
    return classes
