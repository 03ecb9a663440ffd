"""Notice rules: who is told about an absence, and the Russian text they read."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

ABSENT = "ОТ"
# A guardianship linked late still brings notices of absences this recent.
LATE_LINK_WINDOW = timedelta(days=7)


ABSENT_UNKNOWN = "absent_unknown"  # the journal's category of ОТ and a school's codes like it


class NoticeKind(StrEnum):
    ABSENCE = "absence"
    UNRESOLVED_ABSENCES = "unresolved_absences"
    FAILING_MARK = "failing_mark"
    FAILING_PERIOD_MARK = "failing_period_mark"
    CLASS_EVENT = "class_event"
    CORRECTION_DECIDED = "correction_decided"


NOTICE_KIND_LABELS: dict[NoticeKind, str] = {
    NoticeKind.ABSENCE: "отсутствие на уроке",
    NoticeKind.UNRESOLVED_ABSENCES: "пропуски без указанной причины",
    NoticeKind.FAILING_MARK: "неудовлетворительная отметка",
    NoticeKind.FAILING_PERIOD_MARK: "итоговая отметка «2»",
    NoticeKind.CLASS_EVENT: "мероприятие класса",
    NoticeKind.CORRECTION_DECIDED: "решение по заявке на исправление",
}


class Delivery(StrEnum):
    """How a person wants notices of a kind."""

    IMMEDIATE = "immediate"  # at once: live and by e-mail
    DIGEST = "digest"  # kept for the day's digest, not pushed
    OFF = "off"


# The regulation has parents told of an absence: they may not turn it off.
ALWAYS_ON = frozenset({NoticeKind.ABSENCE})


def failing_mark_text(
    student: str, subject: str, day: date, *, period: str | None = None, for_teacher: bool = False
) -> str:
    """«Петров Артём: отметка «2» по предмету «алгебра» (25.11.2026).»"""
    what = f"итоговая отметка «2» за {period}" if period else "отметка «2»"
    text = f"{student}: {what} по предмету «{subject}» ({day:%d.%m.%Y})."
    if for_teacher:
        text += " Сообщение классному руководителю от учителя-предметника."
    return text


def class_event_text(class_name: str, title: str, starts_on: date, ends_on: date) -> str:
    when = (
        f"{starts_on:%d.%m.%Y}"
        if starts_on == ends_on
        else f"{starts_on:%d.%m.%Y}–{ends_on:%d.%m.%Y}"
    )
    return f"Класс {class_name}: запланировано мероприятие «{title}» ({when})."


def correction_text(approved: bool, student: str) -> str:
    verdict = "одобрена" if approved else "отклонена"
    return f"Заявка на исправление записи в журнале ({student}) {verdict}."


def notifies_parents(code: str, category: str | None = None) -> bool:
    """Only an unexplained absence (ОТ) is sent to parents; a late arrival (ОП) or a reason the
    class teacher gave (Б, УП …) is not. Newer events name the code's category."""
    if category is not None:
        return category == ABSENT_UNKNOWN
    return code == ABSENT


def absence_verb(first_name: str, middle_name: str | None) -> str:
    """«отсутствовал» or «отсутствовала»: the patronymic tells, else the first name's ending."""
    patronymic = (middle_name or "").strip().lower()
    if patronymic.endswith(("вна", "чна", "кызы")):
        return "отсутствовала"
    if patronymic.endswith(("вич", "ич", "оглы")):
        return "отсутствовал"
    name = first_name.strip().lower()
    # Male names ending in -а/-я are common (Никита, Илья): without a patronymic say both.
    if name.endswith(("а", "я")):
        return "отсутствовал(а)"
    return "отсутствовал" if name else "отсутствовал(а)"


def student_display_name(last_name: str | None, first_name: str | None) -> str:
    parts = [p for p in (last_name, first_name) if p]
    return " ".join(parts) if parts else "Ученик"


def absence_text(
    *,
    last_name: str | None,
    first_name: str | None,
    middle_name: str | None,
    subject_name: str,
    lesson_number: int | None,
    lesson_date: date,
) -> str:
    """«Иванов Пётр отсутствовал на уроке «алгебра» (2-й урок, 25.11.2026).»"""
    who = student_display_name(last_name, first_name)
    verb = absence_verb(first_name or "", middle_name) if first_name else "отсутствовал(а)"
    when = lesson_date.strftime("%d.%m.%Y")
    place = f"{lesson_number}-й урок, {when}" if lesson_number else when
    return f"{who} {verb} на уроке «{subject_name}» ({place})."


def within_late_link_window(recorded_at: datetime, now: datetime) -> bool:
    return now - recorded_at <= LATE_LINK_WINDOW


# --- the end of the school day: ОТ left without a reason ------------------------------------


def lesson_numbers_text(numbers: list[int]) -> str:
    """«2-м уроке», «2, 3-м уроках» — the lessons a student missed that day."""
    ordered = sorted(set(numbers))
    if not ordered:
        return "уроках"
    if len(ordered) == 1:
        return f"{ordered[0]}-м уроке"
    return ", ".join(str(n) for n in ordered[:-1]) + f", {ordered[-1]}-м уроках"


def unresolved_for_class_teacher(day: date, students: list[tuple[str, list[int]]]) -> str:
    """«Не указана причина пропусков за 27.11.2026: Иванов Пётр (уроки 2, 3); …»"""
    items = "; ".join(
        f"{name} (урок{'и' if len(set(nums)) > 1 else ''} "
        f"{', '.join(str(n) for n in sorted(set(nums)))})"
        for name, nums in students
    )
    return (
        f"Не указана причина пропусков за {day:%d.%m.%Y}: {items}. "
        "Укажите причину (Б, УП, НП, ОСВ) в журнале."
    )


def unresolved_for_parent(
    day: date,
    children: list[tuple[str | None, str | None, str | None, list[int]]],
) -> str:
    """«Иванов Пётр отсутствовал на 2, 3-м уроках 27.11.2026, причина не указана. …»"""
    parts = []
    for last_name, first_name, middle_name, numbers in children:
        who = student_display_name(last_name, first_name)
        verb = absence_verb(first_name or "", middle_name) if first_name else "отсутствовал(а)"
        parts.append(f"{who} {verb} на {lesson_numbers_text(numbers)} {day:%d.%m.%Y}")
    return "; ".join(parts) + ", причина не указана. Сообщите причину классному руководителю."


def quiet_until(now_local: datetime, starts: time, ends: time) -> datetime | None:
    """When quiet hours holding ``now_local`` end (local time), or None outside them. The
    hours may wrap midnight (21:00–08:00)."""
    moment = now_local.timetz().replace(tzinfo=None)
    if starts <= ends:
        inside = starts <= moment < ends
    else:
        inside = moment >= starts or moment < ends
    if not inside:
        return None
    end = now_local.replace(hour=ends.hour, minute=ends.minute, second=0, microsecond=0)
    return end if end > now_local else end + timedelta(days=1)
