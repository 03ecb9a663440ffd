"""A school's journal settings and dictionaries, created with the domain's defaults."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.models import AssignmentType, AttendanceCodeEntry, JournalSettings

_NAMESPACE = uuid5(NAMESPACE_URL, "sgo:journal:defaults")


def default_id(school_id: UUID, kind: str, name: str) -> UUID:
    """The same default row gets the same id however many times the school's event arrives."""
    return uuid5(_NAMESPACE, f"{school_id}:{kind}:{name}")


async def ensure_school_defaults(session: AsyncSession, school_id: UUID) -> None:
    """Idempotent: rows a school already has (and may have changed) are left alone."""
    await session.execute(
        insert(JournalSettings)
        .values(school_id=school_id, lock_days=domain.DEFAULT_LOCK_DAYS)
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(AssignmentType)
        .values(
            [
                {
                    "id": default_id(school_id, "assignment_type", t.name),
                    "school_id": school_id,
                    "name": t.name,
                    "weight": t.weight,
                    "position": position,
                    "is_default": t.is_default,
                    "archived": False,
                }
                for position, t in enumerate(domain.DEFAULT_ASSIGNMENT_TYPES)
            ]
        )
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(AttendanceCodeEntry)
        .values(
            [
                {
                    "id": default_id(school_id, "attendance_code", c.code),
                    "school_id": school_id,
                    "code": c.code,
                    "label": c.label,
                    "category": c.category.value,
                    "position": position,
                    "archived": False,
                }
                for position, c in enumerate(domain.DEFAULT_ATTENDANCE_CODES)
            ]
        )
        .on_conflict_do_nothing()
    )
