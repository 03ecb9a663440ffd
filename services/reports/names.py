"""What files print besides the sheets: the school's name and its director (the archive's
signatory), replicated from people's events. Students' and teachers' names are the
``person`` replica's (``roster.names``).

A director's grant keeps the sequence of the event last applied (``version``): a late, older
event changes nothing and a withdrawal is a tombstone.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.archive_models import SchoolName, StaffRole
from services.reports.models import AcademicYear
from services.reports.projection import version_of
from services.reports.roster import names

# Roles the files print; class teachers are on the school_class replica.
NAMED_ROLES = frozenset({"director"})
TYPES = frozenset({"people.school.created", "people.role.granted", "people.role.withdrawn"})


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        p = envelope.payload
        if envelope.type == "people.school.created":
            stmt = insert(SchoolName).values(school_id=UUID(str(p["school_id"])), name=p["name"])
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[SchoolName.school_id], set_={"name": stmt.excluded.name}
                )
            )
        elif envelope.type in ("people.role.granted", "people.role.withdrawn"):
            if p.get("role") not in NAMED_ROLES:
                continue
            stmt = insert(StaffRole).values(
                person_id=UUID(str(p["person_id"])),
                role=p["role"],
                school_id=UUID(str(p["school_id"])),
                active=envelope.type == "people.role.granted",
                version=version_of(envelope),
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[StaffRole.person_id, StaffRole.role],
                    set_={"active": stmt.excluded.active, "version": stmt.excluded.version},
                    where=StaffRole.version < stmt.excluded.version,
                )
            )


async def director_of(session: AsyncSession, school_id: UUID) -> tuple[UUID, str] | None:
    director = await session.scalar(
        select(StaffRole.person_id)
        .where(
            StaffRole.school_id == school_id,
            StaffRole.role == "director",
            StaffRole.active.is_(True),
        )
        .order_by(StaffRole.version.desc())
        .limit(1)
    )
    if director is None:
        return None
    return director, (await names(session, {director})).get(director, "")


async def school_and_year(
    session: AsyncSession, school_id: UUID, academic_year_id: UUID
) -> tuple[str | None, str]:
    """The school's name (None if unknown) and the year's («—» if unknown)."""
    school = await session.get(SchoolName, school_id)
    year = await session.get(AcademicYear, academic_year_id)
    return (school.name if school else None), (year.name if year else "—")
