"""Who sees which people rows: what ``services.kernel.visibility`` asks of people.

A person the caller may not see answers as a person who does not exist (NOT_FOUND, the same
message); FORBIDDEN is left for a person they see but may not read this of.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.principal import Principal
from services.kernel.roles import STAFF, Role
from services.people.domain import PersonKind
from services.people.models import Guardianship, Person


async def sees_person(session: AsyncSession, principal: Principal, person: Person) -> bool:
    """The caller could have met this person (of their school) elsewhere in the API.

    Staff see the school's people (rosters, staff lists); anyone sees the staff (timetables,
    class teachers, mail); a student sees themself; a parent themself and their children, by
    the guardianship row (a token may be older than a link's removal). Another family's
    child, and other parents, are not there for a student or a parent.
    """
    if principal.school_id != person.school_id:
        return False
    if principal.person_id == person.id or principal.has_role(*STAFF):
        return True
    if person.kind == PersonKind.STAFF:
        return True
    if principal.has_role(Role.PARENT) and principal.person_id is not None:
        return bool(
            await session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == principal.person_id,
                        Guardianship.student_id == person.id,
                    )
                )
            )
        )
    return False
