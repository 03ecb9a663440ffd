"""Stable ids of the demo school, so each context can seed its own part of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

DEMO_NAMESPACE = UUID("5a0c6f1e-7d2b-4c1e-9a57-2f1b7d8e0c11")


def demo_id(key: str) -> UUID:
    """``demo_id("person:teacher")``, ``demo_id("class:7Б")``, ``demo_id("school")``."""
    return uuid5(DEMO_NAMESPACE, key)


# The demo logins, one per role of the regulation that a person would try first.
DEMO_LOGINS: tuple[str, ...] = (
    "director",
    "admin",
    "zavuch",
    "teacher",
    "klassruk",
    "parent",
    "student",
    "medic",
    "psychologist",
    "secretary",
    "hr",
)


# --- the demo's calendar: the academic year around today, so the demo never goes stale ---------

DEMO_TIMEZONE = "Asia/Tomsk"


@dataclass(frozen=True)
class DemoPeriod:
    id: UUID
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class DemoYear:
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    periods: tuple[DemoPeriod, ...]


def demo_today() -> date:
    """Today where the demo school is (Tomsk, UTC+7), not the server's."""
    return datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()


def demo_year(today: date | None = None) -> DemoYear:
    """The academic year holding ``today`` (from July on, the one starting that September),
    in quarters as the school's order sets them; people and journal both build the demo on it."""
    today = today or demo_today()
    first = today.year if today.month >= 7 else today.year - 1
    quarters = (
        ("1 четверть", date(first, 9, 1), date(first, 10, 26)),
        ("2 четверть", date(first, 11, 5), date(first, 12, 28)),
        ("3 четверть", date(first + 1, 1, 12), date(first + 1, 3, 22)),
        ("4 четверть", date(first + 1, 4, 1), date(first + 1, 5, 31)),
    )
    return DemoYear(
        id=demo_id(f"year:{first}"),
        name=f"{first}/{first + 1}",
        starts_on=date(first, 9, 1),
        ends_on=date(first + 1, 5, 31),
        periods=tuple(
            DemoPeriod(demo_id(f"period:{first}:{n}"), name, starts, ends)
            for n, (name, starts, ends) in enumerate(quarters, start=1)
        ),
    )
