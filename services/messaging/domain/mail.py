"""Mail rules with no I/O: who may write to whom, the sender's rank for a reader, the limits."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from uuid import UUID

from services.kernel.errors import ValidationFailed
from services.kernel.roles import ADMINISTRATION, STAFF, Role

SUBJECT_MAX = 200
BODY_MAX = 20_000
RECIPIENTS_MAX = 60  # a hand-picked letter; more is a mass mailing
MASS_FROM = 31  # recipients from which a letter is a mass mailing («массовая рассылка»)
MASS_PER_HOUR = 10  # mass mailings one sender may send in an hour
MASS_RECIPIENTS_MAX = 5_000
PAGE_MAX = 200
SEARCH_MAX = 200

TEACHING_ROLES = frozenset({Role.SUBJECT_TEACHER.value, Role.CLASS_TEACHER.value})
ADMIN_ROLES = frozenset(r.value for r in ADMINISTRATION)
STAFF_ROLES = frozenset(r.value for r in STAFF)


class SenderGroup(StrEnum):
    ADMINISTRATION = "administration"
    STAFF = "staff"
    STUDENT = "student"
    PARENT = "parent"


class Relation(StrEnum):
    """How a recipient stands to the sender; the rule table allows a group some relations."""

    SCHOOL = "school"  # anyone of the sender's school
    ADMINISTRATION = "administration"
    CLASS_TEACHERS = "class_teachers"  # the teachers of the sender's (or their child's) class
    CLASSMATES = "classmates"
    CLASS_PARENTS = "class_parents"  # parents of the sender's child's class
    AUDIENCE = "audience"  # a whole group at once («массовая рассылка»)


RELATION_LABELS: dict[Relation, str] = {
    Relation.SCHOOL: "всем в школе",
    Relation.ADMINISTRATION: "администрации",
    Relation.CLASS_TEACHERS: "учителям класса (своего или своего ребёнка)",
    Relation.CLASSMATES: "одноклассникам",
    Relation.CLASS_PARENTS: "родителям класса своего ребёнка",
    Relation.AUDIENCE: "группам получателей (массовая рассылка)",
}
GROUP_LABELS: dict[SenderGroup, str] = {
    SenderGroup.ADMINISTRATION: "Администрация",
    SenderGroup.STAFF: "Сотрудник",
    SenderGroup.STUDENT: "Ученик",
    SenderGroup.PARENT: "Родитель",
}


class SenderRank(IntEnum):
    """The regulation's reading order: administration, class teacher, subject teacher, parent,
    student."""

    ADMINISTRATION = 1
    CLASS_TEACHER = 2
    SUBJECT_TEACHER = 3
    PARENT = 4
    STUDENT = 5


RANK_LABELS: dict[SenderRank, str] = {
    SenderRank.ADMINISTRATION: "администрация",
    SenderRank.CLASS_TEACHER: "классный руководитель",
    SenderRank.SUBJECT_TEACHER: "учитель",
    SenderRank.PARENT: "родитель",
    SenderRank.STUDENT: "ученик",
}


@dataclass(frozen=True)
class Facts:
    """What the replica knows of one person, as far as mail cares."""

    person_id: UUID
    school_id: UUID
    kind: str | None = None  # staff | student | parent
    roles: frozenset[str] = frozenset()
    class_id: UUID | None = None  # a student's current class
    children: dict[UUID, UUID | None] = field(default_factory=dict)  # child -> class
    class_teacher_of: frozenset[UUID] = frozenset()
    teaches: frozenset[UUID] = frozenset()  # classes of the teaching load

    @property
    def is_admin(self) -> bool:
        return bool(self.roles & ADMIN_ROLES)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES) or self.kind == "staff"

    @property
    def is_teacher(self) -> bool:
        return bool(self.roles & TEACHING_ROLES) or bool(self.teaches or self.class_teacher_of)

    @property
    def is_student(self) -> bool:
        return self.kind == "student" or Role.STUDENT.value in self.roles

    @property
    def is_parent(self) -> bool:
        return self.kind == "parent" or Role.PARENT.value in self.roles or bool(self.children)

    @property
    def taught_classes(self) -> frozenset[UUID]:
        return self.teaches | self.class_teacher_of

    @property
    def own_classes(self) -> frozenset[UUID]:
        """The classes the person belongs to: their own and their children's."""
        classes = {c for c in self.children.values() if c is not None}
        if self.class_id is not None:
            classes.add(self.class_id)
        return frozenset(classes)


def sender_groups(roles: Iterable[str]) -> frozenset[SenderGroup]:
    held = set(roles)
    groups = set()
    if held & ADMIN_ROLES:
        groups.add(SenderGroup.ADMINISTRATION)
    if held & STAFF_ROLES:
        groups.add(SenderGroup.STAFF)
    if Role.STUDENT.value in held:
        groups.add(SenderGroup.STUDENT)
    if Role.PARENT.value in held:
        groups.add(SenderGroup.PARENT)
    return frozenset(groups)


def relations(sender: Facts, recipient: Facts) -> frozenset[Relation]:
    """Every way the recipient stands to the sender (any one the rules allow suffices)."""
    found = {Relation.SCHOOL} if recipient.school_id == sender.school_id else set()
    if not found:
        return frozenset()
    if recipient.is_admin:
        found.add(Relation.ADMINISTRATION)
    if recipient.taught_classes & sender.own_classes:
        found.add(Relation.CLASS_TEACHERS)
    if sender.class_id is not None and recipient.is_student:
        if recipient.class_id == sender.class_id:
            found.add(Relation.CLASSMATES)
    children_classes = {c for c in sender.children.values() if c is not None}
    if children_classes and {c for c in recipient.children.values() if c} & children_classes:
        found.add(Relation.CLASS_PARENTS)
    return frozenset(found)


def rank_for(sender: Facts, reader: Facts) -> SenderRank:
    """The sender's rank for this reader, fixed when the letter is delivered: 1 administration;
    2 the reader's class teacher (a parent's: their child's); 3 any other staff (a subject
    teacher of the class, or for a staff reader any colleague); 4 a parent; 5 a student."""
    if sender.is_admin:
        return SenderRank.ADMINISTRATION
    if sender.is_staff or sender.is_teacher:
        if sender.class_teacher_of & reader.own_classes:
            return SenderRank.CLASS_TEACHER
        return SenderRank.SUBJECT_TEACHER
    if sender.is_parent:
        return SenderRank.PARENT
    return SenderRank.STUDENT


def child_concerned(
    sender: Facts, reader: Facts, about: UUID | None, names: dict[UUID, str]
) -> UUID | None:
    """The child a letter to a parent is about: the one named, else the child the sender
    teaches or shares a class with, else an only child."""
    if not reader.children:
        return None
    if about is not None and about in reader.children:
        return about
    related = sender.taught_classes | sender.own_classes
    near = sorted(
        (c for c, cls in reader.children.items() if cls in related), key=lambda c: names.get(c, "")
    )
    if near:
        return near[0]
    return next(iter(reader.children)) if len(reader.children) == 1 else None


def children_to_confirm(
    reader: Facts, about: UUID | None, related: frozenset[UUID] | set[UUID]
) -> list[UUID | None]:
    """A parent confirms once per child the letter concerns (a trip's consent for each of
    twins); anyone else once for themselves (``None``)."""
    if not reader.children:
        return [None]
    if about is not None and about in reader.children:
        return [about]
    near = sorted(c for c, cls in reader.children.items() if cls in related)
    return near or [None]


# --- input ---------------------------------------------------------------------------------------


def clean_text(value: str, *, field_name: str, limit: int, required: bool, label: str) -> str:
    """Plain text as a person typed it: NUL and other control characters (but line breaks and
    tabs) are refused, length is bounded, surrounding blanks go."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise ValidationFailed(f"{label}: недопустимые символы.", field=field_name)
    text = value.strip()
    if required and not text:
        raise ValidationFailed(f"{label}: заполните поле.", field=field_name)
    if len(text) > limit:
        raise ValidationFailed(
            f"{label}: не длиннее {limit} символов (сейчас {len(text)}).", field=field_name
        )
    return text


def clean_subject(value: str, *, required: bool = True) -> str:
    return clean_text(
        value, field_name="subject", limit=SUBJECT_MAX, required=required, label="Тема письма"
    )


def clean_body(value: str, *, required: bool = True) -> str:
    return clean_text(
        value, field_name="body", limit=BODY_MAX, required=required, label="Текст письма"
    )


def quoted(subject_prefix: str, subject: str) -> str:
    """«Re: тема», without piling prefixes up on a long thread."""
    bare = subject
    while bare[:4].lower() in ("re: ", "fw: ") or bare[:5].lower() == "fwd: ":
        bare = bare.split(": ", 1)[1]
    return f"{subject_prefix}: {bare}"[:SUBJECT_MAX]


def full_name(last: str | None, first: str | None, middle: str | None) -> str:
    return " ".join(p for p in (last, first, middle) if p) or "—"
