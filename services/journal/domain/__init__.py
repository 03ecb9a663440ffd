"""The journal's rules: the mark scale, attendance codes, a school's defaults, journal text.

Pure functions and enums only (no I/O); each area of the journal keeps its larger rules in a
module of this package (``domain.<area>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from services.kernel.errors import ValidationFailed

MARK_VALUES: tuple[int, ...] = (2, 3, 4, 5)
MARK_LABELS: dict[int, str] = {
    2: "неудовлетворительно",
    3: "удовлетворительно",
    4: "хорошо",
    5: "отлично",
}
MIN_WEIGHT, MAX_WEIGHT = 1, 10
MAX_COMMENT = 500
MAX_TOPIC = 500
MAX_HOMEWORK = 2000
MAX_LESSONS_PER_DAY = 10


class AttendanceCode(StrEnum):
    """The codes a subject teacher sets during the lesson (reasons are the class teacher's)."""

    ABSENT = "ОТ"
    LATE = "ОП"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS: dict[AttendanceCode, str] = {
    AttendanceCode.ABSENT: "отсутствовал",
    AttendanceCode.LATE: "опоздал",
}


def check_mark(value: int) -> int:
    """A current mark is one of 2, 3, 4, 5 (the regulation's scale)."""
    if isinstance(value, bool) or value not in MARK_VALUES:
        raise ValidationFailed(
            "Отметка ставится по пятибалльной шкале: 2, 3, 4 или 5.", field="value"
        )
    return value


def check_weight(weight: int) -> int:
    if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise ValidationFailed(
            f"Вес отметки — целое число от {MIN_WEIGHT} до {MAX_WEIGHT}.", field="weight"
        )
    return weight


def check_comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(
            f"Комментарий к отметке не длиннее {MAX_COMMENT} символов.", field="comment"
        )
    return text or None


def parse_attendance_code(code: str) -> AttendanceCode:
    try:
        return AttendanceCode(code.strip().upper())
    except ValueError:
        raise ValidationFailed(
            "Учитель на уроке отмечает только «ОТ» (отсутствовал) или «ОП» (опоздал).",
            field="code",
        ) from None


SUBJECT_NAME_RULE = (
    "Название предмета пишется полностью, без сокращений, со строчной буквы "
    "(например, «русский язык», «алгебра»)."
)
# A word of Russian letters, optionally hyphenated ("естественно-научный"); digits and Latin
# letters are not part of curriculum subject names.
_WORD = re.compile(r"^[а-яё]+(?:-[а-яё]+)*$")
# Common journal shorthands that pass the letter check but are abbreviations all the same.
_ABBREVIATIONS = frozenset(
    {"изо", "физ-ра", "физра", "рус", "лит", "мат", "англ", "нем", "франц", "обж", "мхк"}
)


def normalize_subject_name(name: str) -> str:
    """The regulation's rule: full name, no abbreviations, starting with a lower-case letter."""
    text = " ".join(name.split())
    if not text:
        raise ValidationFailed("Укажите название предмета. " + SUBJECT_NAME_RULE, field="name")
    if len(text) > 120:
        raise ValidationFailed("Название предмета не длиннее 120 символов.", field="name")
    if not text[0].islower():
        raise ValidationFailed(SUBJECT_NAME_RULE, field="name")
    if "." in text:
        raise ValidationFailed(SUBJECT_NAME_RULE, field="name")
    words = text.split(" ")
    for raw in words:
        word = raw.strip("(),")  # "труд (технология)" is a full name too
        if not _WORD.match(word):
            raise ValidationFailed(SUBJECT_NAME_RULE, field="name")
        if word in _ABBREVIATIONS:
            raise ValidationFailed(SUBJECT_NAME_RULE, field="name")
    return text


def check_topic(topic: str | None, homework: str | None) -> tuple[str | None, str | None]:
    topic_text = (topic or "").strip() or None
    homework_text = (homework or "").strip() or None
    if topic_text and len(topic_text) > MAX_TOPIC:
        raise ValidationFailed(f"Тема урока не длиннее {MAX_TOPIC} символов.", field="topic")
    if homework_text and len(homework_text) > MAX_HOMEWORK:
        raise ValidationFailed(
            f"Домашнее задание не длиннее {MAX_HOMEWORK} символов.", field="homework"
        )
    return topic_text, homework_text


def check_lesson_number(number: int) -> int:
    if not 1 <= number <= MAX_LESSONS_PER_DAY:
        raise ValidationFailed(f"Номер урока — от 1 до {MAX_LESSONS_PER_DAY}.", field="number")
    return number


# --- a school's defaults (created when the school arrives in the journal) ------------------------


class AttendanceCategory(StrEnum):
    """What an attendance code means, whatever letters a school gives it."""

    ABSENT_UNKNOWN = "absent_unknown"  # ОТ: the reason is not known yet
    LATE = "late"  # ОП
    ILLNESS = "illness"  # Б
    EXCUSED = "excused"  # УП
    UNEXCUSED = "unexcused"  # НП
    EXEMPT = "exempt"  # ОСВ


# The subject teacher sets these during the lesson; the class teacher turns an absence into a
# reason (the regulation's split of duties).
SUBJECT_TEACHER_CATEGORIES = frozenset({AttendanceCategory.ABSENT_UNKNOWN, AttendanceCategory.LATE})
CLASS_TEACHER_CATEGORIES = frozenset(
    {
        AttendanceCategory.ILLNESS,
        AttendanceCategory.EXCUSED,
        AttendanceCategory.UNEXCUSED,
        AttendanceCategory.EXEMPT,
    }
)


@dataclass(frozen=True)
class DefaultAttendanceCode:
    code: str
    label: str
    category: AttendanceCategory


DEFAULT_ATTENDANCE_CODES: tuple[DefaultAttendanceCode, ...] = (
    DefaultAttendanceCode("ОТ", "отсутствовал", AttendanceCategory.ABSENT_UNKNOWN),
    DefaultAttendanceCode("ОП", "опоздал", AttendanceCategory.LATE),
    DefaultAttendanceCode("Б", "по болезни", AttendanceCategory.ILLNESS),
    DefaultAttendanceCode("УП", "по уважительной причине", AttendanceCategory.EXCUSED),
    DefaultAttendanceCode("НП", "по неуважительной причине", AttendanceCategory.UNEXCUSED),
    DefaultAttendanceCode("ОСВ", "освобождён", AttendanceCategory.EXEMPT),
)


@dataclass(frozen=True)
class DefaultAssignmentType:
    name: str
    weight: int
    is_default: bool = False


# Weights as many schools' local acts set them; each school changes them in its settings.
DEFAULT_ASSIGNMENT_TYPES: tuple[DefaultAssignmentType, ...] = (
    DefaultAssignmentType("ответ на уроке", 1, is_default=True),
    DefaultAssignmentType("самостоятельная работа", 2),
    DefaultAssignmentType("контрольная работа", 3),
    DefaultAssignmentType("диктант", 3),
    DefaultAssignmentType("лабораторная работа", 2),
    DefaultAssignmentType("практическая работа", 2),
    DefaultAssignmentType("тест", 2),
    DefaultAssignmentType("проект", 2),
    DefaultAssignmentType("домашнее задание", 1),
    DefaultAssignmentType("сочинение", 3),
    DefaultAssignmentType("изложение", 3),
    DefaultAssignmentType("зачёт", 3),
)
DEFAULT_LOCK_DAYS = 10


# --- journal text is Russian --------------------------------------------------------------------

_RUSSIAN_WORD = re.compile(r"[А-Яа-яЁё]{2,}")


def has_russian_word(text: str) -> bool:
    return _RUSSIAN_WORD.search(text) is not None


def check_russian(text: str | None, *, field: str, what: str) -> str | None:
    """The regulation keeps all journal records in Russian, foreign-language lessons too."""
    clean = (text or "").strip()
    if clean and not has_russian_word(clean):
        raise ValidationFailed(
            f"{what} записывается на русском языке (так требует положение о журнале, "
            "в том числе на уроках иностранного языка): добавьте описание по-русски.",
            field=field,
        )
    return clean or None


# --- class events (the class teacher's calendar) -----------------------------------------------


class ClassEventKind(StrEnum):
    SUBBOTNIK = "subbotnik"
    PARENT_MEETING = "parent_meeting"
    TRIP = "trip"  # выезд, экскурсия
    EXTRACURRICULAR = "extracurricular"
    CONTEST = "contest"
    DOCUMENT_HANDIN = "document_handin"
    PROGRESS_NOTICE = "progress_notice"  # рассылка уведомлений об успеваемости

    @property
    def label(self) -> str:
        return CLASS_EVENT_LABELS[self]


CLASS_EVENT_LABELS: dict[ClassEventKind, str] = {
    ClassEventKind.SUBBOTNIK: "субботник",
    ClassEventKind.PARENT_MEETING: "родительское собрание",
    ClassEventKind.TRIP: "выезд, экскурсия",
    ClassEventKind.EXTRACURRICULAR: "внеклассное мероприятие",
    ClassEventKind.CONTEST: "конкурс",
    ClassEventKind.DOCUMENT_HANDIN: "сдача документации",
    ClassEventKind.PROGRESS_NOTICE: "рассылка уведомлений об успеваемости",
}
MAX_CLASS_EVENT_DAYS = 31  # the regulation: events over a range of days up to a month
