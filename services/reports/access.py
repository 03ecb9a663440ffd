"""Who may read which report rows: one helper per relationship.

Director and deputies (the administration) read the whole school; a class teacher their class;
a subject teacher the classes and subjects of their teaching load; a parent their children's
and a student their own letter and marks; the regional officer aggregates only. A row the
caller may not see answers exactly as a missing one (``NotFound``).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import NotFound, Unauthenticated
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.reports.models import Enrolment, Guardianship, SchoolClass, TeachingLoad

# Who may ask for class reports at all (the rows are narrowed below).
CLASS_READERS: tuple[Role, ...] = (*ADMINISTRATION, Role.CLASS_TEACHER, Role.SUBJECT_TEACHER)
# Who may ask for one student's marks and letter.
STUDENT_READERS: tuple[Role, ...] = (*ADMINISTRATION, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT)
SCHOOL_READERS: tuple[Role, ...] = ADMINISTRATION
REGIONAL_READERS: tuple[Role, ...] = (Role.REGIONAL_OFFICER,)
# Aggregates for the region hide any cell counting fewer students than this.
SMALLEST_CELL = 5


def require(principal: Principal) -> UUID:
    if not principal.is_authenticated or principal.person_id is None:
        raise Unauthenticated()
    return principal.person_id


def is_administration(principal: Principal) -> bool:
    return principal.has_role(*ADMINISTRATION)


def leads_class(principal: Principal, school_class: SchoolClass) -> bool:
    """The class teacher as people last recorded it (a token can lag behind a withdrawal)."""
    return (
        principal.has_role(Role.CLASS_TEACHER)
        and school_class.class_teacher_id is not None
        and school_class.class_teacher_id == principal.person_id
    )


@dataclass(frozen=True)
class ClassScope:
    """A class the caller may read, and which of its subjects (None: every subject)."""

    school_class: SchoolClass
    subject_ids: frozenset[UUID] | None

    def sees(self, subject_id: UUID) -> bool:
        return self.subject_ids is None or subject_id in self.subject_ids


async def taught_subjects(
    session: AsyncSession, teacher_id: UUID, school_class_id: UUID
) -> frozenset[UUID]:
    rows = await session.scalars(
        select(TeachingLoad.subject_id).where(
            TeachingLoad.teacher_id == teacher_id,
            TeachingLoad.school_class_id == school_class_id,
            TeachingLoad.withdrawn.is_(False),
        )
    )
    return frozenset(s for s in rows if s is not None)


async def class_scope(
    session: AsyncSession, principal: Principal, school_class_id: UUID
) -> ClassScope:
    """The class with the subjects the caller reads in it; NotFound when none."""
    person_id = require(principal)
    school_class = await session.get(SchoolClass, school_class_id)
    if school_class is None or school_class.school_id != principal.school_id:
        raise NotFound("Класс не найден.")
    if is_administration(principal) or leads_class(principal, school_class):
        return ClassScope(school_class, None)
    if principal.has_role(Role.SUBJECT_TEACHER):
        subjects = await taught_subjects(session, person_id, school_class_id)
        if subjects:
            return ClassScope(school_class, subjects)
    raise NotFound("Класс не найден.")


async def current_class_id(session: AsyncSession, student_id: UUID) -> UUID | None:
    return await session.scalar(
        select(Enrolment.school_class_id)
        .where(Enrolment.student_id == student_id, Enrolment.left_on.is_(None))
        .order_by(Enrolment.enrolled_on.desc().nulls_last())
        .limit(1)
    )


async def may_read_student(
    session: AsyncSession, principal: Principal, student_id: UUID, school_class_id: UUID
) -> bool:
    """The student, their parents, the class teacher of the class and the administration."""
    person_id = require(principal)
    if is_administration(principal):
        return True
    if principal.has_role(Role.STUDENT) and person_id == student_id:
        return True
    if principal.has_role(Role.PARENT):
        linked = await session.scalar(
            select(Guardianship.parent_id).where(
                Guardianship.parent_id == person_id, Guardianship.student_id == student_id
            )
        )
        if linked is not None:
            return True
    if principal.has_role(Role.CLASS_TEACHER):
        school_class = await session.get(SchoolClass, school_class_id)
        if school_class is not None and leads_class(principal, school_class):
            return True
    return False


def suppress(count: int | None) -> int | None:
    """A regional cell: hidden (None) below the smallest publishable group."""
    if count is None or count < SMALLEST_CELL:
        return None
    return count
