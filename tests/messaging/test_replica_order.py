"""The replica converges whatever order its events arrive in.

A school's life is published as stamped envelopes (people's and journal's outboxes each give
their events growing sequences); the handlers get them in order in one database and shuffled in
others, and every replica row ends the same: newer events win, removals stay removed.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.events import Envelope
from services.kernel.uow import NAMESPACE_KEY
from services.messaging.events import SUBSCRIPTIONS
from services.messaging.models import (
    Absence,
    ClassTeacher,
    Enrolment,
    Guardianship,
    Person,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingLoad,
)
from tests.support import Infra

SCHOOL = uuid4()
HANDLERS = {t: h for sub in SUBSCRIPTIONS for t, h in sub.handlers.items()}


def stamped(event_type: str, sequence: int, aggregate: object, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID) else v for k, v in payload.items()}
    return Envelope(
        type=event_type,
        school_id=SCHOOL,
        payload={"school_id": str(SCHOOL), **body},
        aggregate=str(aggregate),
        sequence=sequence,
    )


def school_life() -> list[Envelope]:
    """Enrolment then transfer then departure, a class teacher granted then withdrawn, a load
    assigned then withdrawn, renames and an anonymisation, an ОТ then its clearing."""
    class_a, class_b, teacher, student, parent = (uuid4() for _ in range(5))
    subject, load, attendance = uuid4(), uuid4(), uuid4()
    people: list[tuple[str, object, dict[str, Any]]] = [
        (
            "people.school_class.created",
            class_a,
            {"school_class_id": class_a, "grade_level": 7, "letter": "Б", "name": "7Б"},
        ),
        (
            "people.school_class.created",
            class_b,
            {"school_class_id": class_b, "grade_level": 7, "letter": "А", "name": "7А"},
        ),
        (
            "people.person.registered",
            teacher,
            {
                "person_id": teacher,
                "kind": "staff",
                "last_name": "Орлова",
                "first_name": "Анна",
                "middle_name": "Ивановна",
            },
        ),
        (
            "people.role.granted",
            teacher,
            {"person_id": teacher, "role": "subject_teacher", "school_class_id": None},
        ),
        (
            "people.role.granted",
            teacher,
            {"person_id": teacher, "role": "class_teacher", "school_class_id": class_a},
        ),
        (
            "people.school_class.class_teacher_assigned",
            class_a,
            {"school_class_id": class_a, "person_id": teacher},
        ),
        (
            "people.person.registered",
            student,
            {
                "person_id": student,
                "kind": "student",
                "last_name": "Петров",
                "first_name": "Илья",
                "middle_name": None,
            },
        ),
        (
            "people.student.enrolled",
            student,
            {"person_id": student, "school_class_id": class_a, "enrolled_on": "2026-09-01"},
        ),
        (
            "people.person.registered",
            parent,
            {
                "person_id": parent,
                "kind": "parent",
                "last_name": "Петрова",
                "first_name": "Мария",
                "middle_name": None,
            },
        ),
        (
            "people.guardianship.linked",
            student,
            {"parent_id": parent, "student_id": student, "relation": "мать"},
        ),
        (
            "people.person.renamed",
            student,
            {
                "person_id": student,
                "last_name": "Петров",
                "first_name": "Илья",
                "middle_name": "Олегович",
            },
        ),
        (
            "people.student.enrolled",
            student,
            {"person_id": student, "school_class_id": class_b, "enrolled_on": "2026-11-01"},
        ),
        (
            "people.student.left",
            student,
            {
                "person_id": student,
                "school_class_id": class_b,
                "left_on": "2026-12-01",
                "kind": "departure",
            },
        ),
        (
            "people.role.withdrawn",
            teacher,
            {"person_id": teacher, "role": "class_teacher", "school_class_id": class_a},
        ),
        (
            "people.person.anonymised",
            teacher,
            {
                "person_id": teacher,
                "reason": "dismissal",
                "last_name": "Обезличено",
                "first_name": "a1b2",
                "middle_name": None,
            },
        ),
    ]
    journal: list[tuple[str, object, dict[str, Any]]] = [
        ("journal.subject.created", subject, {"subject_id": subject, "name": "алгебра"}),
        (
            "journal.teaching_load.assigned",
            load,
            {
                "teaching_load_id": load,
                "teacher_id": teacher,
                "school_class_id": class_a,
                "subject_id": subject,
                "subgroup_id": None,
                "hours_per_week": 3,
            },
        ),
        (
            "journal.subject.renamed",
            subject,
            {"subject_id": subject, "name_before": "алгебра", "name": "алгебра и начала анализа"},
        ),
        (
            "journal.teaching_load.withdrawn",
            load,
            {
                "teaching_load_id": load,
                "teacher_id": teacher,
                "school_class_id": class_a,
                "subject_id": subject,
                "subgroup_id": None,
            },
        ),
        (
            "journal.attendance.set",
            attendance,
            {
                "attendance_id": attendance,
                "lesson_id": uuid4(),
                "student_id": student,
                "school_class_id": class_a,
                "subject_name": "алгебра",
                "date": "2026-11-25",
                "lesson_number": 2,
                "code": "ОТ",
                "set_by": teacher,
                "category": "absent_unknown",
            },
        ),
        (
            "journal.attendance.cleared",
            attendance,
            {
                "attendance_id": attendance,
                "lesson_id": None,
                "student_id": student,
                "school_class_id": class_a,
                "date": "2026-11-25",
                "lesson_number": 2,
                "code_before": "ОТ",
                "cleared_by": teacher,
            },
        ),
    ]
    return [
        stamped(t, seq, agg, **payload)
        for stream in (people, journal)
        for seq, (t, agg, payload) in enumerate(stream, start=1)
    ]


@pytest.fixture
async def databases(infra: Infra) -> AsyncIterator[list[Database]]:
    dbs = [Database.connect(await infra.fresh_database("messaging"), pool_size=2) for _ in range(4)]
    yield dbs
    for db in dbs:
        await db.dispose()


async def deliver(db: Database, envelopes: list[Envelope]) -> None:
    """Each event in a transaction of its own, as the consumer hands them to the handlers."""
    for envelope in envelopes:
        session = db.sessionmaker()
        session.info[NAMESPACE_KEY] = "t"
        async with session, session.begin():
            await HANDLERS[envelope.type](session, envelope)


async def replica_state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = {
        "person": select(
            Person.person_id,
            Person.kind,
            Person.last_name,
            Person.first_name,
            Person.middle_name,
            Person.version,
        ),
        "school_class": select(SchoolClass.id, SchoolClass.name, SchoolClass.version),
        "role_grant": select(RoleGrant.id, RoleGrant.role, RoleGrant.active, RoleGrant.version),
        "enrolment": select(
            Enrolment.student_id, Enrolment.school_class_id, Enrolment.active, Enrolment.version
        ),
        "guardianship": select(
            Guardianship.parent_id,
            Guardianship.student_id,
            Guardianship.relation,
            Guardianship.version,
        ),
        "class_teacher": select(
            ClassTeacher.school_class_id,
            ClassTeacher.person_id,
            ClassTeacher.active,
            ClassTeacher.version,
        ),
        "teaching_load": select(TeachingLoad.id, TeachingLoad.active, TeachingLoad.version),
        "subject": select(Subject.id, Subject.name, Subject.version),
        "absence": select(Absence.attendance_id, Absence.cleared, Absence.version),
    }
    async with db.sessionmaker() as session:
        return {
            name: sorted(tuple(row) for row in (await session.execute(query)).all())
            for name, query in tables.items()
        }


async def test_shuffled_events_leave_the_same_replica_as_events_in_order(
    databases: list[Database],
) -> None:
    events = school_life()
    in_order, *shuffled_dbs = databases
    await deliver(in_order, events)
    expected = await replica_state(in_order)

    # The end state the school's life leads to, whatever the order.
    assert [row[2] for row in expected["person"] if row[1] == "staff"] == ["Обезличено"]
    assert [row[2] for row in expected["enrolment"]] == [False]  # left
    assert [row[2] for row in expected["class_teacher"]] == [False]  # withdrawn
    assert sorted(row[2] for row in expected["role_grant"]) == [False, True]
    assert [row[1] for row in expected["teaching_load"]] == [False]
    assert [row[1] for row in expected["subject"]] == ["алгебра и начала анализа"]
    assert [row[1] for row in expected["absence"]] == [True]  # cleared

    orders = [events[::-1]]  # fully backwards, then two shuffles
    for seed in (1, 2):
        mixed = events[:]
        random.Random(seed).shuffle(mixed)
        orders.append(mixed)
    for number, (db, order) in enumerate(zip(shuffled_dbs, orders, strict=True)):
        await deliver(db, order)
        assert await replica_state(db) == expected, f"order {number}"


async def test_an_old_event_redelivered_after_newer_ones_changes_nothing(
    databases: list[Database],
) -> None:
    events = school_life()
    db = databases[0]
    await deliver(db, events)
    before = await replica_state(db)
    await deliver(db, events[:5])  # a consumer killed before its acks gets these again
    assert await replica_state(db) == before
