"""Term, year, exam and final marks (journal.period_mark.*) and the closed years.

The id of a period mark is derived from (student, subject, year, kind, period), so a mark set
again after a removal is the same row. From a year's closing on nothing changes its marks:
an event that happened after the closing is ignored, whenever it arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.models import ArchivedYear, ProgressSummaryMark
from services.reports.projection import Row, Rules, State, version_of
from services.reports.projections.values import optional_uuid, uuid

log = logging.getLogger("sgo.reports")

TYPES = frozenset({"journal.period_mark.set", "journal.period_mark.removed", "journal.year.closed"})

_STATE = (
    "value",
    "special",
    "average",
    "proposed",
    "removed",
    "event_at",
    "study_period_name",
    "subject_name",
)
PERIOD_MARKS = Rules(
    table=ProgressSummaryMark.__table__,
    key=("period_mark_id",),
    states=(State("version", _STATE),),
    facts=(
        "school_id",
        "academic_year_id",
        "study_period_id",
        "kind",
        "school_class_id",
        "subject_id",
        "student_id",
    ),
    # A removal that arrives first builds a tombstone without a name.
    defaults={"subject_name": ""},
)


def row(envelope: Envelope) -> Row:
    p = envelope.payload
    r: Row = {
        "period_mark_id": uuid(p["period_mark_id"]),
        "school_id": uuid(p["school_id"]),
        "academic_year_id": uuid(p["academic_year_id"]),
        "study_period_id": optional_uuid(p.get("study_period_id")),
        "kind": p["kind"],
        "school_class_id": uuid(p["school_class_id"]),
        "subject_id": uuid(p["subject_id"]),
        "student_id": uuid(p["student_id"]),
        "version": version_of(envelope),
        "event_at": envelope.occurred_at,
    }
    if envelope.type == "journal.period_mark.removed":
        return {**r, "removed": True}
    average = p.get("average")
    return {
        **r,
        "study_period_name": p.get("study_period_name"),
        "subject_name": p["subject_name"],
        "value": p.get("value"),
        "special": p.get("special"),
        "average": Decimal(str(average)) if average is not None else None,
        "proposed": p.get("proposed"),
        "removed": False,
    }


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    for e in envelopes:
        if e.type == "journal.year.closed":
            await _close_year(session, e)
    marks = [e for e in envelopes if e.type != "journal.year.closed"]
    if not marks:
        return
    years = {uuid(e.payload["academic_year_id"]) for e in marks}
    closed = dict(
        (
            await session.execute(
                select(ArchivedYear.academic_year_id, ArchivedYear.closed_at).where(
                    ArchivedYear.academic_year_id.in_(years)
                )
            )
        ).all()
    )
    admitted = []
    for e in marks:
        closed_at = closed.get(uuid(e.payload["academic_year_id"]))
        if closed_at is not None and e.occurred_at > closed_at:
            log.warning("year is archived: %s %s ignored", e.type, e.id)
            continue
        admitted.append(row(e))
    await PERIOD_MARKS.apply(session, admitted)


async def _close_year(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await session.execute(
        insert(ArchivedYear)
        .values(
            academic_year_id=uuid(p["academic_year_id"]),
            school_id=uuid(p["school_id"]),
            closed_by=optional_uuid(p.get("closed_by")),
            closed_at=envelope.occurred_at,
            results=p.get("results") or [],
            subject_names=p.get("subject_names") or {},
        )
        .on_conflict_do_nothing(index_elements=[ArchivedYear.academic_year_id])
    )
