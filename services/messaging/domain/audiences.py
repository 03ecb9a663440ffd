"""Audiences («получатели рассылки»): groups named instead of hand-picked lists."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from services.kernel.errors import ValidationFailed

AUDIENCES_MAX = 20  # in one letter


class AudienceKind(StrEnum):
    CLASS_PARENTS = "class_parents"  # родители 7Б
    CLASS_STUDENTS = "class_students"  # ученики 9А
    SUBJECT_GROUP = "subject_group"  # изучающие физику в 9А
    ALL_TEACHERS = "all_teachers"  # все учителя
    ALL_STAFF = "all_staff"  # все сотрудники
    ABSENT_TODAY_PARENTS = "absent_today_parents"  # родители отсутствующих сегодня без причины
    WHOLE_SCHOOL = "whole_school"  # вся школа: сотрудники, ученики, родители


# Audiences of one class: its class teacher and its teachers may use them without the right
# to mass mailings («массовая рассылка»).
CLASS_KINDS = frozenset(
    {
        AudienceKind.CLASS_PARENTS,
        AudienceKind.CLASS_STUDENTS,
        AudienceKind.SUBJECT_GROUP,
        AudienceKind.ABSENT_TODAY_PARENTS,
    }
)
SCHOOL_WIDE = frozenset(
    {AudienceKind.ALL_TEACHERS, AudienceKind.ALL_STAFF, AudienceKind.WHOLE_SCHOOL}
)
NEEDS_CLASS = frozenset(
    {AudienceKind.CLASS_PARENTS, AudienceKind.CLASS_STUDENTS, AudienceKind.SUBJECT_GROUP}
)


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    school_class_id: UUID | None = None
    subject_id: UUID | None = None

    def validated(self) -> Audience:
        if self.kind in NEEDS_CLASS and self.school_class_id is None:
            raise ValidationFailed("Для этой группы получателей укажите класс.", field="audiences")
        if self.kind is AudienceKind.SUBJECT_GROUP and self.subject_id is None:
            raise ValidationFailed("Для группы по предмету укажите предмет.", field="audiences")
        if self.kind in SCHOOL_WIDE and (self.school_class_id or self.subject_id):
            raise ValidationFailed(
                "Для всей школы, всех учителей или сотрудников класс и предмет не указываются.",
                field="audiences",
            )
        return self

    @property
    def of_one_class(self) -> bool:
        return self.kind in CLASS_KINDS and self.school_class_id is not None


def label(audience: Audience, class_name: str | None, subject_name: str | None) -> str:
    cls = class_name or "?"
    return {
        AudienceKind.CLASS_PARENTS: f"Родители {cls}",
        AudienceKind.CLASS_STUDENTS: f"Ученики {cls}",
        AudienceKind.SUBJECT_GROUP: f"Группа {cls} по предмету «{subject_name or '?'}»",
        AudienceKind.ALL_TEACHERS: "Все учителя",
        AudienceKind.ALL_STAFF: "Все сотрудники",
        AudienceKind.WHOLE_SCHOOL: "Вся школа",
        AudienceKind.ABSENT_TODAY_PARENTS: (
            f"Родители отсутствующих сегодня без причины ({cls})"
            if class_name
            else "Родители отсутствующих сегодня без причины"
        ),
    }[audience.kind]
