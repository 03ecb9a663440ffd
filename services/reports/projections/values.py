"""Reading payload values: ids and dates as the publishers wrote them (strings)."""

from __future__ import annotations

from datetime import date
from uuid import UUID


def uuid(value: object) -> UUID:
    return UUID(str(value))


def optional_uuid(value: object) -> UUID | None:
    return UUID(str(value)) if value else None


def optional_date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None
