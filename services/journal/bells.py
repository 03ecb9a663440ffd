"""The school's bells: when each lesson number starts and ends."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, insert, select

from services.journal.access import require
from services.journal.domain import timetable as rules
from services.journal.events import BellScheduleSet
from services.journal.models import BellSchedule
from services.journal.views import BellView
from services.kernel.db import Database
from services.kernel.errors import Forbidden
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork

BELL_EDITORS = (Role.ACADEMIC_SECRETARY, Role.ADMINISTRATOR)


async def set_bell_schedule(uow: UnitOfWork, bells: Sequence[rules.Bell]) -> list[BellView]:
    """Replaces the school's bells as a whole."""
    principal = uow.principal
    require(principal, *BELL_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Звонки задаются в своей школе.")
    checked = rules.check_bells(bells)
    async with uow:
        s = uow.session
        await s.execute(delete(BellSchedule).where(BellSchedule.school_id == school_id))
        await s.execute(
            insert(BellSchedule),
            [
                {
                    "id": uuid7(),
                    "school_id": school_id,
                    "number": b.number,
                    "starts_at": b.starts_at,
                    "ends_at": b.ends_at,
                }
                for b in checked
            ],
        )
        uow.emit(
            BellScheduleSet(
                school_id=school_id,
                lessons=[
                    {
                        "number": b.number,
                        "starts_at": b.starts_at.isoformat(),
                        "ends_at": b.ends_at.isoformat(),
                    }
                    for b in checked
                ],
            ),
            school_id=school_id,
        )
        await uow.commit()
    return [BellView(b.number, b.starts_at, b.ends_at) for b in checked]


async def bell_schedule(db: Database, principal: Principal) -> list[BellView]:
    require(principal)
    [bells] = await bells_by_school(db, [principal.school_id])
    return sorted(bells.values(), key=lambda b: b.number)


async def bells_by_school(
    db: Database, school_ids: Sequence[UUID | None]
) -> list[dict[int, BellView]]:
    """DataLoader batch: each school's bells by lesson number, in key order."""
    wanted = [i for i in set(school_ids) if i is not None]
    found: dict[UUID, dict[int, BellView]] = {i: {} for i in wanted}
    if wanted:
        async with db.sessionmaker() as s:
            rows = await s.scalars(select(BellSchedule).where(BellSchedule.school_id.in_(wanted)))
            for r in rows:
                found[r.school_id][r.number] = BellView(r.number, r.starts_at, r.ends_at)
    return [found.get(i, {}) if i is not None else {} for i in school_ids]
