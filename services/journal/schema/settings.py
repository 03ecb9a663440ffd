"""The school's journal settings: read by the staff, changed by the administrator."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import strawberry

from services.journal import settings
from services.journal.domain.period_marks import Thresholds
from services.kernel.graphql import Info
from services.kernel.roles import any_of


@strawberry.federation.type(
    authenticated=True,
    description="Пороги среднего балла, с которых предлагаются отметки 5, 4 и 3.",
)
class MarkThresholds:
    five: Decimal
    four: Decimal
    three: Decimal

    @classmethod
    def of(cls, t: Thresholds) -> MarkThresholds:
        return cls(five=t.five, four=t.four, three=t.three)


@strawberry.federation.type(authenticated=True, description="Настройки журнала школы.")
class JournalSettings:
    lock_days: int = strawberry.field(
        description="Через сколько дней после урока отметки и посещаемость закрываются."
    )
    thresholds: MarkThresholds
    day_ends_at: time = strawberry.field(description="Конец учебного дня (местное время школы).")
    max_file_bytes: int = strawberry.field(description="Наибольший размер файла задания, байт.")

    @classmethod
    def of(cls, v: settings.SettingsView) -> JournalSettings:
        return cls(
            lock_days=v.lock_days,
            thresholds=MarkThresholds.of(v.thresholds),
            day_ends_at=v.day_ends_at,
            max_file_bytes=v.max_file_bytes,
        )


@strawberry.input
class MarkThresholdsInput:
    five: Decimal
    four: Decimal
    three: Decimal


@strawberry.input
class UpdateJournalSettingsInput:
    lock_days: int | None = None
    thresholds: MarkThresholdsInput | None = None
    day_ends_at: time | None = None
    max_file_bytes: int | None = None


@strawberry.type
class SettingsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*settings.SETTINGS_READERS),
        description="Настройки журнала своей школы (сотрудники школы).",
    )
    async def journal_settings(self, info: Info) -> JournalSettings | None:
        principal = info.context.require(*settings.SETTINGS_READERS)
        return JournalSettings.of(
            await settings.journal_settings(info.context.runtime.db, principal)
        )


@strawberry.type
class SettingsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*settings.SETTINGS_EDITORS),
        description="Изменить настройки журнала (системный администратор).",
    )
    async def update_journal_settings(
        self, info: Info, input: UpdateJournalSettingsInput
    ) -> JournalSettings | None:
        info.context.require(*settings.SETTINGS_EDITORS)
        t = input.thresholds
        change = settings.SettingsChange(
            lock_days=input.lock_days,
            thresholds=(t.five, t.four, t.three) if t else None,
            day_ends_at=input.day_ends_at,
            max_file_bytes=input.max_file_bytes,
        )
        return JournalSettings.of(
            await settings.update_journal_settings(info.context.uow(), change)
        )
