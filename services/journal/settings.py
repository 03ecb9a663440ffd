"""A school's journal settings: the lock period, the rounding thresholds, the end of the school
day and the homework file limit, read by the staff and changed by the administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import require
from services.journal.defaults import ensure_school_defaults
from services.journal.domain import period_marks as rules
from services.journal.events import JournalSettingsChanged
from services.journal.models import JournalSettings
from services.kernel.db import Database
from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import STAFF, Role
from services.kernel.uow import UnitOfWork

SETTINGS_READERS = STAFF
SETTINGS_EDITORS = (Role.ADMINISTRATOR,)


@dataclass(frozen=True)
class SettingsView:
    school_id: UUID
    lock_days: int
    thresholds: rules.Thresholds
    day_ends_at: time
    max_file_bytes: int
    updated_by: UUID | None


@dataclass(frozen=True)
class SettingsChange:
    """Only the fields given change; None leaves a setting as it is."""

    lock_days: int | None = None
    thresholds: tuple[Decimal, Decimal, Decimal] | None = None
    day_ends_at: time | None = None
    max_file_bytes: int | None = None


def _view(row: JournalSettings) -> SettingsView:
    return SettingsView(
        row.school_id,
        row.lock_days,
        rules.Thresholds(row.threshold_5, row.threshold_4, row.threshold_3),
        row.day_ends_at,
        row.max_file_bytes,
        row.updated_by,
    )


async def _settings(s: AsyncSession, school_id: UUID, *, for_update: bool) -> JournalSettings:
    row = await s.get(JournalSettings, school_id, with_for_update=for_update)
    if row is None:  # a school whose event has not set up its defaults yet
        await ensure_school_defaults(s, school_id)
        row = await s.get(JournalSettings, school_id, with_for_update=for_update)
    assert row is not None
    return row


async def thresholds_of(s: AsyncSession, school_id: UUID) -> rules.Thresholds:
    row = await s.get(JournalSettings, school_id)
    if row is None:
        return rules.Thresholds(Decimal("4.65"), Decimal("3.65"), Decimal("2.65"))
    return rules.Thresholds(row.threshold_5, row.threshold_4, row.threshold_3)


async def journal_settings(db: Database, principal: Principal) -> SettingsView:
    require(principal, *SETTINGS_READERS)
    if principal.school_id is None:
        raise Forbidden("Настройки журнала доступны сотрудникам школы.")
    async with db.sessionmaker() as s, s.begin():
        return _view(await _settings(s, principal.school_id, for_update=False))


async def update_journal_settings(uow: UnitOfWork, change: SettingsChange) -> SettingsView:
    principal = uow.principal
    person_id = require(principal, *SETTINGS_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Настройки журнала меняет администратор своей школы.")
    values: dict[str, object] = {}
    if change.lock_days is not None:
        values["lock_days"] = rules.check_lock_days(change.lock_days)
    if change.thresholds is not None:
        t = rules.check_thresholds(*change.thresholds)
        values |= {"threshold_5": t.five, "threshold_4": t.four, "threshold_3": t.three}
    if change.day_ends_at is not None:
        if change.day_ends_at.tzinfo is not None:
            raise ValidationFailed(
                "Время окончания учебного дня указывается по местному времени школы.",
                field="dayEndsAt",
            )
        values["day_ends_at"] = change.day_ends_at.replace(second=0, microsecond=0)
    if change.max_file_bytes is not None:
        values["max_file_bytes"] = rules.check_max_file_bytes(change.max_file_bytes)
    if not values:
        raise ValidationFailed("Укажите хотя бы одну настройку.", field="input")
    async with uow:
        row = await _settings(uow.session, school_id, for_update=True)
        changed = [k for k, v in values.items() if getattr(row, k) != v]
        for key, value in values.items():
            setattr(row, key, value)
        if changed:
            row.updated_by, row.updated_at = person_id, utcnow()
            uow.emit(
                JournalSettingsChanged(
                    school_id=school_id, fields=_api_names(changed), changed_by=person_id
                ),
                school_id=school_id,
            )
        await uow.session.flush()
        view = _view(row)
        await uow.commit()
    return view


_API_NAMES = {
    "lock_days": "lockDays",
    "threshold_5": "thresholds",
    "threshold_4": "thresholds",
    "threshold_3": "thresholds",
    "day_ends_at": "dayEndsAt",
    "max_file_bytes": "maxFileBytes",
}


def _api_names(columns: list[str]) -> list[str]:
    return sorted({_API_NAMES[c] for c in columns})
