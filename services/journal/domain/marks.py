"""Assignments, their types and weights, the lock period and correction requests: pure rules."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from services.journal.domain import (
    _ABBREVIATIONS,
    _WORD,
    DEFAULT_ASSIGNMENT_TYPES,
    MAX_COMMENT,
    MAX_TOPIC,
    check_russian,
    check_weight,
)
from services.kernel.errors import ValidationFailed
from services.kernel.roles import ADMINISTRATION, Role

ASSIGNMENT_TYPE_NAME_RULE = (
    "Название типа задания пишется полностью по-русски, без сокращений, со строчной буквы "
    "(например, «контрольная работа», «ответ на уроке»)."
)
MAX_TYPE_NAME = 80
MAX_REASON = 1000
MAX_MARKS_AT_ONCE = 60  # a class and a bit: one journal page in one transaction
# The type a mark given without an assignment goes to, as a new school gets it.
DEFAULT_TYPE_NAME = next(t.name for t in DEFAULT_ASSIGNMENT_TYPES if t.is_default)
ALREADY_MARKED = "За это задание у учащегося уже есть отметка, измените её."


def normalize_assignment_type_name(name: str) -> str:
    """The same rule as subject names: full Russian words, lower case, no abbreviations."""
    text = " ".join(name.split())
    if not text:
        raise ValidationFailed("Укажите название. " + ASSIGNMENT_TYPE_NAME_RULE, field="name")
    if len(text) > MAX_TYPE_NAME:
        raise ValidationFailed(
            f"Название типа задания не длиннее {MAX_TYPE_NAME} символов.", field="name"
        )
    if not text[0].islower() or "." in text:
        raise ValidationFailed(ASSIGNMENT_TYPE_NAME_RULE, field="name")
    for raw in text.split(" "):
        word = raw.strip("(),")
        if not _WORD.match(word) or word in _ABBREVIATIONS:
            raise ValidationFailed(ASSIGNMENT_TYPE_NAME_RULE, field="name")
    return text


def check_type_change(*, is_default: bool, archived: bool | None, weight: int | None) -> None:
    """The default type takes every mark given without an assignment: it stays in use."""
    if weight is not None:
        check_weight(weight)
    if archived and is_default:
        raise ValidationFailed(
            "Тип «по умолчанию» нельзя убрать в архив: в него попадают отметки, поставленные "
            "без задания.",
            field="archived",
        )


def check_assignment(
    *,
    lesson_date: date,
    topic: str | None,
    comment: str | None,
    mandatory: bool,
    due_on: date | None,
) -> tuple[str | None, str | None]:
    """An assignment's topic is Russian; a mandatory one has a due date, never before the lesson."""
    topic_text = check_russian(topic, field="topic", what="Тема задания")
    if topic_text and len(topic_text) > MAX_TOPIC:
        raise ValidationFailed(f"Тема задания не длиннее {MAX_TOPIC} символов.", field="topic")
    comment_text = (comment or "").strip() or None
    if comment_text and len(comment_text) > MAX_COMMENT:
        raise ValidationFailed(
            f"Комментарий к заданию не длиннее {MAX_COMMENT} символов.", field="comment"
        )
    if mandatory and due_on is None:
        raise ValidationFailed(
            "Для обязательного задания укажите срок сдачи: по нему видны долги учащихся.",
            field="dueOn",
        )
    if due_on is not None and due_on < lesson_date:
        raise ValidationFailed(
            f"Срок сдачи не может быть раньше урока ({lesson_date:%d.%m.%Y}).", field="dueOn"
        )
    return topic_text, comment_text


def is_past_lock(lesson_date: date, today: date, lock_days: int) -> bool:
    """A lesson's marks and attendance lock once more than ``lock_days`` days have passed."""
    return (today - lesson_date).days > lock_days


def is_ahead(lesson_date: date, today: date) -> bool:
    """A lesson after the school's today has not happened: nothing to mark or register yet."""
    return lesson_date > today


class CorrectionAction(StrEnum):
    RECORD_MARK = "record_mark"
    CHANGE_MARK = "change_mark"
    REMOVE_MARK = "remove_mark"
    SET_ATTENDANCE = "set_attendance"
    CLEAR_ATTENDANCE = "clear_attendance"

    @property
    def label(self) -> str:
        return CORRECTION_ACTION_LABELS[self]


CORRECTION_ACTION_LABELS: dict[CorrectionAction, str] = {
    CorrectionAction.RECORD_MARK: "поставить отметку",
    CorrectionAction.CHANGE_MARK: "изменить отметку",
    CorrectionAction.REMOVE_MARK: "удалить отметку",
    CorrectionAction.SET_ATTENDANCE: "отметить посещаемость",
    CorrectionAction.CLEAR_ATTENDANCE: "снять отметку о посещаемости",
}
MARK_ACTIONS = frozenset(
    {CorrectionAction.RECORD_MARK, CorrectionAction.CHANGE_MARK, CorrectionAction.REMOVE_MARK}
)


class CorrectionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def check_reason(reason: str | None) -> str:
    """Why the locked record must change: required, in Russian (it is kept with the change)."""
    text = check_russian(reason, field="reason", what="Причина исправления")
    if not text:
        raise ValidationFailed(
            "Укажите причину исправления: её читает администрация, решая заявку.", field="reason"
        )
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Причина не длиннее {MAX_REASON} символов.", field="reason")
    return text


def check_correction_fields(
    action: CorrectionAction,
    *,
    mark_id: object | None,
    value: int | None,
    attendance_code: str | None,
) -> None:
    """Each action names what it changes: the mark, the new value or the attendance code."""
    if action in (CorrectionAction.CHANGE_MARK, CorrectionAction.REMOVE_MARK) and mark_id is None:
        raise ValidationFailed("Укажите отметку, которую нужно исправить.", field="markId")
    if action in (CorrectionAction.RECORD_MARK, CorrectionAction.CHANGE_MARK) and value is None:
        raise ValidationFailed("Укажите отметку: 2, 3, 4 или 5.", field="value")
    if action is CorrectionAction.SET_ATTENDANCE and not (attendance_code or "").strip():
        raise ValidationFailed("Укажите код посещаемости.", field="attendanceCode")


# The roles that may decide correction requests: the administration only (the regulation's
# "approval of the administration").
APPROVER_ROLES: tuple[Role, ...] = ADMINISTRATION


def check_approvers(roles: list[Role]) -> list[str]:
    unique = list(dict.fromkeys(roles))
    if not unique:
        raise ValidationFailed(
            "Назовите хотя бы одну роль, которая согласует исправления.", field="roles"
        )
    for role in unique:
        if role not in APPROVER_ROLES:
            raise ValidationFailed(
                "Исправления журнала согласует администрация школы: выберите роли директора, "
                "его заместителей или администратора.",
                field="roles",
            )
    return [role.value for role in unique]
