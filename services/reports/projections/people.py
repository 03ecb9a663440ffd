"""People's replicas: classes and their class teachers, names, years and study periods,
enrolments (history and movement) and guardianships (people.*)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.reports.models import (
    AcademicYear,
    Enrolment,
    Guardianship,
    Person,
    SchoolClass,
    StudyPeriod,
    Subgroup,
)
from services.reports.projection import Row, Rules, State, version_of
from services.reports.projections.values import optional_uuid, uuid

PERSONS = Rules(
    table=Person.__table__,
    key=("person_id",),
    states=(State("version", ("last_name", "first_name", "middle_name")),),
    facts=("school_id", "kind"),
)
# Enrolment and leaving write different columns: any order gives the same stay.
ENROLMENTS = Rules(
    table=Enrolment.__table__,
    key=("student_id", "school_class_id"),
    facts=("school_id", "enrolled_on", "left_on", "left_kind"),
)
# The whole membership comes with every change: the newest list wins.
SUBGROUPS = Rules(
    table=Subgroup.__table__,
    key=("subgroup_id",),
    states=(State("version", ("student_ids",)),),
    facts=("school_id", "school_class_id"),
    defaults={"student_ids": []},
)
NAMED = frozenset({"people.person.registered", "people.person.renamed", "people.person.anonymised"})
MOVED = frozenset({"people.student.enrolled", "people.student.left", "people.student.transferred"})
GROUPED = frozenset({"people.subgroup.created", "people.subgroup.members_changed"})


def _person(e: Envelope) -> Row:
    p = e.payload
    return {
        "person_id": uuid(p["person_id"]),
        "school_id": uuid(p["school_id"]),
        "kind": p.get("kind"),
        "last_name": p.get("last_name"),
        "first_name": p.get("first_name"),
        "middle_name": p.get("middle_name"),
        "version": version_of(e),
    }


def _subgroup(e: Envelope) -> Row:
    p = e.payload
    members = p.get("student_ids")
    return {
        "subgroup_id": uuid(p["subgroup_id"]),
        "school_id": uuid(p["school_id"]),
        "school_class_id": optional_uuid(p.get("school_class_id")),
        # created: no members yet (an older version than any membership change)
        "student_ids": [uuid(s) for s in members] if members is not None else None,
        "version": version_of(e) if members is not None else None,
    }


def _stay(e: Envelope) -> Row:
    p = e.payload
    base = {"student_id": uuid(p["person_id"]), "school_id": uuid(p["school_id"])}
    if e.type == "people.student.enrolled":
        return {
            **base,
            "school_class_id": uuid(p["school_class_id"]),
            "enrolled_on": date.fromisoformat(p["enrolled_on"]),
        }
    if e.type == "people.student.left":
        return {
            **base,
            "school_class_id": uuid(p["school_class_id"]),
            "left_on": date.fromisoformat(p["left_on"]),
            "left_kind": p.get("kind") or "departure",
        }
    return {
        **base,
        "school_class_id": uuid(p["from_class_id"]),
        "left_on": date.fromisoformat(p["transferred_on"]),
        "left_kind": "transfer",
    }


async def apply(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    await PERSONS.apply(session, [_person(e) for e in envelopes if e.type in NAMED])
    await ENROLMENTS.apply(session, [_stay(e) for e in envelopes if e.type in MOVED])
    await SUBGROUPS.apply(session, [_subgroup(e) for e in envelopes if e.type in GROUPED])
    for e in envelopes:
        handler = _ONE_BY_ONE.get(e.type)
        if handler is not None:
            await handler(session, e)


async def _school_class_created(session: AsyncSession, e: Envelope) -> None:
    p = e.payload
    values = {
        "school_id": uuid(p["school_id"]),
        "academic_year_id": optional_uuid(p.get("academic_year_id")),
        "grade_level": int(p["grade_level"]),
        "letter": p["letter"],
        "name": p["name"],
    }
    stmt = insert(SchoolClass).values(school_class_id=uuid(p["school_class_id"]), **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[SchoolClass.school_class_id], set_=values)
    )


async def _class_teacher_assigned(session: AsyncSession, e: Envelope) -> None:
    p = e.payload
    assigned = await session.execute(
        update(SchoolClass)
        .where(SchoolClass.school_class_id == uuid(p["school_class_id"]))
        .values(class_teacher_id=uuid(p["person_id"]))
    )
    if assigned.rowcount == 0:  # type: ignore[attr-defined]
        # The class's own event is on its way (aggregates are ordered, not the whole stream).
        raise LookupError(f"school class {p['school_class_id']} not replicated yet")


async def _role_withdrawn(session: AsyncSession, e: Envelope) -> None:
    p = e.payload
    if p["role"] != "class_teacher" or not p.get("school_class_id"):
        return
    await session.execute(
        update(SchoolClass)
        .where(
            SchoolClass.school_class_id == uuid(p["school_class_id"]),
            SchoolClass.class_teacher_id == uuid(p["person_id"]),
        )
        .values(class_teacher_id=None)
    )


async def _academic_year_created(session: AsyncSession, e: Envelope) -> None:
    p = e.payload
    school_id, year_id = uuid(p["school_id"]), uuid(p["academic_year_id"])
    year = {
        "school_id": school_id,
        "name": p["name"],
        "starts_on": date.fromisoformat(p["starts_on"]),
        "ends_on": date.fromisoformat(p["ends_on"]),
    }
    stmt = insert(AcademicYear).values(academic_year_id=year_id, **year)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[AcademicYear.academic_year_id], set_=year)
    )
    for sp in p.get("study_periods") or []:
        period = {
            "school_id": school_id,
            "academic_year_id": year_id,
            "name": sp["name"],
            "starts_on": date.fromisoformat(sp["starts_on"]),
            "ends_on": date.fromisoformat(sp["ends_on"]),
        }
        stmt = insert(StudyPeriod).values(study_period_id=uuid(sp["study_period_id"]), **period)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=[StudyPeriod.study_period_id], set_=period)
        )


async def _guardianship_linked(session: AsyncSession, e: Envelope) -> None:
    p = e.payload
    await session.execute(
        insert(Guardianship)
        .values(
            parent_id=uuid(p["parent_id"]),
            student_id=uuid(p["student_id"]),
            school_id=uuid(p["school_id"]),
        )
        .on_conflict_do_nothing()
    )


_ONE_BY_ONE = {
    "people.school_class.created": _school_class_created,
    "people.school_class.class_teacher_assigned": _class_teacher_assigned,
    "people.role.withdrawn": _role_withdrawn,
    "people.academic_year.created": _academic_year_created,
    "people.guardianship.linked": _guardianship_linked,
}
TYPES = NAMED | MOVED | GROUPED | frozenset(_ONE_BY_ONE)
