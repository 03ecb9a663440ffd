"""Attendance with its reasons: one row per student and lesson (journal.attendance.set and
cleared; a class teacher's resolution comes as a set per lesson too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.models import Attendance
from services.reports.projection import Row, Rules, State, version_of
from services.reports.projections.values import uuid

TYPES = frozenset({"journal.attendance.set", "journal.attendance.cleared"})

ATTENDANCE = Rules(
    table=Attendance.__table__,
    key=("lesson_id", "student_id"),
    states=(State("version", ("code", "category", "cleared")),),
    facts=("school_id", "school_class_id", "subject_name", "date", "lesson_number"),
)


def row(e: Envelope) -> Row:
    p = e.payload
    r: Row = {
        "lesson_id": uuid(p["lesson_id"]),
        "student_id": uuid(p["student_id"]),
        "school_id": uuid(p["school_id"]),
        "school_class_id": uuid(p["school_class_id"]),
        "subject_name": p.get("subject_name"),
        "date": date.fromisoformat(p["date"]),
        "lesson_number": int(p["lesson_number"]),
        "version": version_of(e),
    }
    if e.type == "journal.attendance.cleared":
        return {**r, "code": None, "category": None, "cleared": True}
    return {**r, "code": p["code"], "category": p.get("category"), "cleared": False}


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    await ATTENDANCE.apply(session, [row(e) for e in envelopes])
