"""The journal's locks: a lesson's marks and attendance after the lock period, a closed year."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.models import AcademicYear, JournalSettings, Lesson, School, YearClosing
from services.kernel.errors import Locked


async def school_today(session: AsyncSession, school_id: UUID) -> date:
    """Today where the school is (Tomsk is UTC+7: "today" is not the server's)."""
    tz = await session.scalar(select(School.timezone).where(School.id == school_id))
    return datetime.now(ZoneInfo(tz or "Asia/Tomsk")).date()


async def lock_days(session: AsyncSession, school_id: UUID) -> int:
    days = await session.scalar(
        select(JournalSettings.lock_days).where(JournalSettings.school_id == school_id)
    )
    return domain.DEFAULT_LOCK_DAYS if days is None else int(days)


async def year_closed_on(session: AsyncSession, school_id: UUID, day: date) -> bool:
    """Whether the academic year that holds ``day`` is closed."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    YearClosing.academic_year_id == AcademicYear.id,
                    AcademicYear.school_id == school_id,
                    AcademicYear.starts_on <= day,
                    AcademicYear.ends_on >= day,
                )
            )
        )
    )


async def ensure_year_open(session: AsyncSession, lesson: Lesson) -> None:
    if await year_closed_on(session, lesson.school_id, lesson.date):
        raise Locked(
            "Учебный год закрыт: журнал этого года доступен только для чтения.",
            reason="year_closed",
        )


async def is_past_lock(session: AsyncSession, lesson: Lesson) -> bool:
    today = await school_today(session, lesson.school_id)
    return (today - lesson.date).days > await lock_days(session, lesson.school_id)


async def ensure_editable(session: AsyncSession, lesson: Lesson) -> None:
    """Teachers change marks and attendance only within the lock period of a year still open.

    Past it the change goes through a correction request the administration decides.
    """
    await ensure_year_open(session, lesson)
    if await is_past_lock(session, lesson):
        days = await lock_days(session, lesson.school_id)
        raise Locked(
            f"Отметки и посещаемость урока {lesson.date:%d.%m.%Y} нельзя изменить: прошло "
            f"больше {days} дней. Подайте заявку на исправление с указанием причины.",
            reason="lock_period",
        )


# periods: period marks belong to a year, not to a lesson's date


async def year_closed(session: AsyncSession, academic_year_id: UUID) -> bool:
    return await session.get(YearClosing, academic_year_id) is not None


async def ensure_academic_year_open(session: AsyncSession, academic_year_id: UUID) -> None:
    if await year_closed(session, academic_year_id):
        raise Locked(
            "Учебный год закрыт: журнал этого года доступен только для чтения.",
            reason="year_closed",
        )
