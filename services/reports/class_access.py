"""Who may have a class's reports as files (ordered or archived): the director and deputies
the whole school; the class teacher their class; a subject teacher the classes they teach.

A class of another school, or one the caller may not see, answers as one that does not exist.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.reports.archive_models import TeachingLoad
from services.reports.models import SchoolClass

CLASS_FILE_ROLES: tuple[Role, ...] = (*ADMINISTRATION, Role.CLASS_TEACHER, Role.SUBJECT_TEACHER)
SCHOOL_FILE_ROLES: tuple[Role, ...] = ADMINISTRATION


async def visible_class(
    session: AsyncSession, principal: Principal, school_class_id: UUID
) -> SchoolClass | None:
    """The class if the caller may have its files, else None (not found, for the caller)."""
    school_class = await session.get(SchoolClass, school_class_id)
    if school_class is None or school_class.school_id != principal.school_id:
        return None
    if principal.has_role(*ADMINISTRATION):
        return school_class
    person = principal.person_id
    if person is None:
        return None
    if principal.has_role(Role.CLASS_TEACHER) and school_class.class_teacher_id == person:
        return school_class
    if principal.has_role(Role.SUBJECT_TEACHER):
        teaches = await session.scalar(
            select(
                exists().where(
                    TeachingLoad.teacher_id == person,
                    TeachingLoad.school_class_id == school_class_id,
                    TeachingLoad.active.is_(True),
                )
            )
        )
        if teaches:
            return school_class
    return None
