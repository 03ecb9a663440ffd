"""Lessons (scheduled, moved, cancelled, held; topic, homework and register with the time each
was first filled), the teaching load and the curriculum's hours (journal.lesson.*,
journal.register.taken, journal.teaching_load.*, journal.curriculum_hours.set)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.models import CurriculumHours, Lesson, TeachingLoad
from services.reports.projection import Row, Rules, State, version_of
from services.reports.projections.values import optional_uuid, uuid

LESSON_TYPES = frozenset(
    {
        "journal.lesson.scheduled",
        "journal.lesson.changed",
        "journal.lesson.cancelled",
        "journal.lesson.held",
        "journal.lesson.topic_set",
        "journal.register.taken",
    }
)
LOAD_TYPES = frozenset({"journal.teaching_load.assigned", "journal.teaching_load.withdrawn"})
TYPES = LESSON_TYPES | LOAD_TYPES | {"journal.curriculum_hours.set"}

LESSONS = Rules(
    table=Lesson.__table__,
    key=("lesson_id",),
    states=(
        State("version", ("teacher_id", "date", "number")),
        State("topic_version", ("has_topic", "has_homework")),
    ),
    facts=("school_id", "school_class_id", "subject_id", "subject_name", "subgroup_id"),
    earliest=("topic_first_at", "homework_first_at", "register_first_at"),
    sticky=("cancelled",),
    defaults={"has_topic": False, "has_homework": False},
)
LOADS = Rules(
    table=TeachingLoad.__table__,
    key=("teaching_load_id",),
    states=(State("version", ("withdrawn",)),),
    facts=("school_id", "teacher_id", "school_class_id", "subject_id", "subgroup_id"),
)
HOURS = Rules(
    table=CurriculumHours.__table__,
    key=("academic_year_id", "subject_id", "scope"),
    states=(State("version", ("hours_per_week",)),),
    facts=("school_id", "school_class_id", "grade_level"),
)


def _lesson(e: Envelope) -> Row:
    p = e.payload
    r: Row = {
        "lesson_id": uuid(p["lesson_id"]),
        "school_id": uuid(p["school_id"]),
        "school_class_id": optional_uuid(p.get("school_class_id")),
        "subject_id": optional_uuid(p.get("subject_id")),
        "subject_name": p.get("subject_name"),
    }
    v = version_of(e)
    if e.type in {"journal.lesson.scheduled", "journal.lesson.changed"}:
        r.update(
            version=v,
            teacher_id=optional_uuid(p.get("teacher_id")),
            date=date.fromisoformat(p["date"]),
            number=int(p["number"]),
            subgroup_id=optional_uuid(p.get("subgroup_id")),
        )
    elif e.type == "journal.lesson.cancelled":
        r["cancelled"] = True
    elif e.type == "journal.lesson.held":
        r["topic_first_at"] = datetime.fromisoformat(p["topic_set_at"])
    elif e.type == "journal.lesson.topic_set":
        has_topic, has_homework = bool(p.get("has_topic")), bool(p.get("has_homework"))
        r.update(topic_version=v, has_topic=has_topic, has_homework=has_homework)
        if has_topic:
            r["topic_first_at"] = e.occurred_at
        if has_homework:
            r["homework_first_at"] = e.occurred_at
    elif e.type == "journal.register.taken":
        r["register_first_at"] = e.occurred_at
    return r


def _load(e: Envelope) -> Row:
    p = e.payload
    return {
        "teaching_load_id": uuid(p["teaching_load_id"]),
        "school_id": uuid(p["school_id"]),
        "teacher_id": optional_uuid(p.get("teacher_id")),
        "school_class_id": optional_uuid(p.get("school_class_id")),
        "subject_id": optional_uuid(p.get("subject_id")),
        "subgroup_id": optional_uuid(p.get("subgroup_id")),
        "version": version_of(e),
        "withdrawn": e.type == "journal.teaching_load.withdrawn",
    }


def _hours(e: Envelope) -> Row:
    p = e.payload
    class_id = optional_uuid(p.get("school_class_id"))
    grade = p.get("grade_level")
    return {
        "academic_year_id": uuid(p["academic_year_id"]),
        "subject_id": uuid(p["subject_id"]),
        "scope": str(class_id) if class_id else f"grade:{grade}",
        "school_id": uuid(p["school_id"]),
        "school_class_id": class_id,
        "grade_level": int(grade) if grade is not None else None,
        "hours_per_week": Decimal(str(p["hours_per_week"])),
        "version": version_of(e),
    }


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    await LESSONS.apply(session, [_lesson(e) for e in envelopes if e.type in LESSON_TYPES])
    await LOADS.apply(session, [_load(e) for e in envelopes if e.type in LOAD_TYPES])
    await HOURS.apply(
        session, [_hours(e) for e in envelopes if e.type == "journal.curriculum_hours.set"]
    )
