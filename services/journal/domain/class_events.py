"""The rules of a class's events (субботник, собрание, экскурсия …): pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.journal.domain import MAX_CLASS_EVENT_DAYS, check_russian
from services.kernel.errors import ValidationFailed

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_PLACE = 200


@dataclass(frozen=True)
class ClassEventText:
    title: str
    description: str | None
    place: str | None


def check_class_event(
    title: str, description: str | None, place: str | None, starts_on: date, ends_on: date
) -> ClassEventText:
    """Title in Russian; over one day or a range of days up to the regulation's month."""
    clean_title = check_russian(title, field="title", what="Название мероприятия")
    if not clean_title:
        raise ValidationFailed("Укажите название мероприятия.", field="title")
    if len(clean_title) > MAX_TITLE:
        raise ValidationFailed(
            f"Название мероприятия не длиннее {MAX_TITLE} символов.", field="title"
        )
    clean_description = check_russian(description, field="description", what="Описание")
    if clean_description and len(clean_description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"Описание не длиннее {MAX_DESCRIPTION} символов.", field="description"
        )
    clean_place = " ".join((place or "").split()) or None
    if clean_place and len(clean_place) > MAX_PLACE:
        raise ValidationFailed(f"Место не длиннее {MAX_PLACE} символов.", field="place")
    if ends_on < starts_on:
        raise ValidationFailed("Мероприятие заканчивается раньше, чем начинается.", field="endsOn")
    if (ends_on - starts_on).days + 1 > MAX_CLASS_EVENT_DAYS:
        raise ValidationFailed(
            f"Мероприятие длится не больше {MAX_CLASS_EVENT_DAYS} дней.", field="endsOn"
        )
    return ClassEventText(clean_title, clean_description, clean_place)
