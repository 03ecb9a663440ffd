"""Discussions with no I/O: who belongs to which, who moderates it, what it is called."""

from __future__ import annotations

from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from services.messaging.domain.mail import Facts

POST_MAX = 4_000
TITLE_MAX = 200
REASON_MAX = 500
PAGE_MAX = 200

_IDS = uuid5(NAMESPACE_URL, "sgo:messaging:discussion")


class DiscussionKind(StrEnum):
    STAFF_ROOM = "staff_room"  # «Учительская»: all teachers
    CLASS_CHAT = "class_chat"  # a class's students and its class teacher
    PARENTS_CHAT = "parents_chat"  # a class's parents and its class teacher
    FORUM_TOPIC = "forum_topic"  # opened by the administration for an audience


def system_id(school_id: UUID, kind: DiscussionKind, school_class_id: UUID | None) -> UUID:
    """The system's chats have fixed ids: replayed events find the same discussion."""
    return uuid5(_IDS, f"{school_id}:{kind.value}:{school_class_id or '-'}")


def title(kind: DiscussionKind, class_name: str | None) -> str:
    if kind is DiscussionKind.STAFF_ROOM:
        return "Учительская"
    if kind is DiscussionKind.CLASS_CHAT:
        return f"Чат класса {class_name}"
    return f"Родители класса {class_name}"


def may_moderate(kind: DiscussionKind, school_class_id: UUID | None, person: Facts) -> bool:
    """The administration moderates every discussion, a class teacher their class's chats."""
    if person.is_admin:
        return True
    return school_class_id is not None and school_class_id in person.class_teacher_of


def is_member(kind: DiscussionKind, school_class_id: UUID | None, person: Facts) -> bool:
    """Membership of the system's chats, from the replica as it is now."""
    if kind is DiscussionKind.STAFF_ROOM:
        return person.is_teacher or person.is_admin
    if school_class_id is None:
        return False
    if school_class_id in person.class_teacher_of:
        return True
    if kind is DiscussionKind.CLASS_CHAT:
        return person.class_id == school_class_id
    if kind is DiscussionKind.PARENTS_CHAT:
        return school_class_id in {c for c in person.children.values() if c is not None}
    return False
