"""Who reports' files name and who may order them: replicas of people's names, the director's
role, and journal's teaching loads (a subject teacher's classes).

Each row keeps the outbox sequence of the event last applied (``version``): an older event
arriving late changes nothing, a withdrawal is a tombstone, a rename arriving before the
registration builds the row.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import Handler
from services.kernel.events import Envelope
from services.reports.archive_models import (
    AcademicYearName,
    PersonName,
    SchoolName,
    StaffRole,
    TeachingLoad,
)

# Roles the files print (signatories); class teachers are on the school_class replica.
NAMED_ROLES = ("director",)


def _uuid(value: object) -> UUID:
    return UUID(str(value))


def full_name(row: PersonName | None) -> str | None:
    if row is None:
        return None
    return " ".join(p for p in (row.last_name, row.first_name, row.middle_name) if p)


async def _names(session: AsyncSession, envelope: Envelope, *, kind: str | None) -> None:
    p = envelope.payload
    names = {
        "last_name": p["last_name"],
        "first_name": p["first_name"],
        "middle_name": p.get("middle_name"),
        "version": envelope.sequence,
    }
    stmt = insert(PersonName).values(
        person_id=_uuid(p["person_id"]),
        school_id=_uuid(p["school_id"]),
        kind=kind or "",
        **names,
    )
    updates: dict[str, object] = {k: stmt.excluded[k] for k in names}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PersonName.person_id],
            set_=updates,
            where=PersonName.version <= stmt.excluded.version,
        )
    )
    if kind:  # the kind never changes; a rename that came first left it blank
        await session.execute(
            PersonName.__table__.update()
            .where(PersonName.person_id == _uuid(p["person_id"]), PersonName.kind == "")
            .values(kind=kind)
        )


async def on_person_registered(session: AsyncSession, envelope: Envelope) -> None:
    await _names(session, envelope, kind=envelope.payload["kind"])


async def on_person_renamed(session: AsyncSession, envelope: Envelope) -> None:
    """A corrected name, or anonymisation's placeholder: the replica holds the latest. The
    archive does not read it back: a sealed sheet keeps the names as of its year's closing."""
    await _names(session, envelope, kind=None)


async def _role(session: AsyncSession, envelope: Envelope, active: bool) -> None:
    p = envelope.payload
    if p["role"] not in NAMED_ROLES:
        return
    stmt = insert(StaffRole).values(
        person_id=_uuid(p["person_id"]),
        role=p["role"],
        school_id=_uuid(p["school_id"]),
        active=active,
        version=envelope.sequence,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StaffRole.person_id, StaffRole.role],
            set_={"active": stmt.excluded.active, "version": stmt.excluded.version},
            where=StaffRole.version <= stmt.excluded.version,
        )
    )


async def on_role_granted(session: AsyncSession, envelope: Envelope) -> None:
    await _role(session, envelope, True)


async def on_role_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    await _role(session, envelope, False)


async def _teaching(session: AsyncSession, envelope: Envelope, active: bool) -> None:
    p = envelope.payload
    stmt = insert(TeachingLoad).values(
        teaching_load_id=_uuid(p["teaching_load_id"]),
        school_id=_uuid(p["school_id"]),
        teacher_id=_uuid(p["teacher_id"]),
        school_class_id=_uuid(p["school_class_id"]),
        active=active,
        version=envelope.sequence,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[TeachingLoad.teaching_load_id],
            set_={"active": stmt.excluded.active, "version": stmt.excluded.version},
            where=TeachingLoad.version <= stmt.excluded.version,
        )
    )


async def on_teaching_load_assigned(session: AsyncSession, envelope: Envelope) -> None:
    await _teaching(session, envelope, True)


async def on_teaching_load_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    await _teaching(session, envelope, False)


async def on_school_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    stmt = insert(SchoolName).values(school_id=_uuid(p["school_id"]), name=p["name"])
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SchoolName.school_id], set_={"name": stmt.excluded.name}
        )
    )


async def on_academic_year_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    stmt = insert(AcademicYearName).values(
        academic_year_id=_uuid(p["academic_year_id"]),
        school_id=_uuid(p["school_id"]),
        name=p["name"],
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[AcademicYearName.academic_year_id], set_={"name": stmt.excluded.name}
        )
    )


PEOPLE_HANDLERS: dict[str, Handler] = {
    "people.school.created": on_school_created,
    "people.academic_year.created": on_academic_year_created,
    "people.person.registered": on_person_registered,
    "people.person.renamed": on_person_renamed,
    "people.person.anonymised": on_person_renamed,
}
# people.role.* also feeds the school_class replica: events.py chains both handlers.
ROLE_HANDLERS: dict[str, Handler] = {
    "people.role.granted": on_role_granted,
    "people.role.withdrawn": on_role_withdrawn,
}
JOURNAL_HANDLERS: dict[str, Handler] = {
    "journal.teaching_load.assigned": on_teaching_load_assigned,
    "journal.teaching_load.withdrawn": on_teaching_load_withdrawn,
}


async def names_of(session: AsyncSession, person_ids: set[UUID]) -> dict[UUID, str]:
    if not person_ids:
        return {}
    rows = await session.scalars(select(PersonName).where(PersonName.person_id.in_(person_ids)))
    return {row.person_id: full_name(row) or "" for row in rows}


async def director_of(session: AsyncSession, school_id: UUID) -> tuple[UUID, str] | None:
    row = (
        await session.execute(
            select(PersonName)
            .join(StaffRole, StaffRole.person_id == PersonName.person_id)
            .where(
                StaffRole.school_id == school_id,
                StaffRole.role == "director",
                StaffRole.active.is_(True),
            )
            .order_by(StaffRole.version.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return (row.person_id, full_name(row) or "") if row is not None else None


async def school_and_year(
    session: AsyncSession, school_id: UUID, academic_year_id: UUID
) -> tuple[str | None, str]:
    """The school's name (None if unknown) and the year's («—» if unknown)."""
    school = await session.get(SchoolName, school_id)
    year = await session.get(AcademicYearName, academic_year_id)
    return (school.name if school else None), (year.name if year else "—")
