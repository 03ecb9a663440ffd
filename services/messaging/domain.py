"""Notice rules: who is told about an absence, and the Russian text they read."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

ABSENT = "ОТ"
# A guardianship linked late still brings notices of absences this recent.
LATE_LINK_WINDOW = timedelta(days=7)


class NoticeKind(StrEnum):
    ABSENCE = "absence"


NOTICE_KIND_LABELS: dict[NoticeKind, str] = {NoticeKind.ABSENCE: "отсутствие на уроке"}


def notifies_parents(code: str) -> bool:
    """Only an unexplained absence (ОТ) is sent to parents; a late arrival (ОП) is not."""
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
