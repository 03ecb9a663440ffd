"""The people replica ends in the same state whatever order people's events arrive in."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy import text

from services.journal.events import SUBSCRIPTIONS
from services.kernel.db import Database
from services.kernel.events import Envelope
from tests.journal.roster import Roster
from tests.support import Infra

HANDLERS = SUBSCRIPTIONS[0].handlers


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[Database]:
    database = Database.connect(await infra.fresh_database("journal"))
    yield database
    await database.dispose()


def sequenced(envelopes: list[Envelope], first: int) -> list[Envelope]:
    """Stamp envelopes as the relay would: their position in people's outbox."""
    return [
        e.model_copy(update={"sequence": first + i, "aggregate": str(e.payload.get("person_id"))})
        for i, e in enumerate(envelopes)
    ]


async def apply(db: Database, envelopes: list[Envelope]) -> None:
    """Deliver each event in its own transaction; one that is early is redelivered later."""
    pending = list(envelopes)
    for _ in range(len(envelopes) + 1):
        waiting = []
        for envelope in pending:
            try:
                async with db.sessionmaker() as session, session.begin():
                    await HANDLERS[envelope.type](session, envelope)
            except LookupError:
                waiting.append(envelope)
        if not waiting:
            return
        pending = waiting
    raise AssertionError(f"never applied: {[e.type for e in pending]}")


async def state(db: Database) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "person": "SELECT id, last_name, first_name FROM person ORDER BY id",
        "grant": "SELECT person_id, role, school_class_id FROM role_grant ORDER BY id",
        "enrolment": "SELECT person_id, school_class_id FROM enrolment ORDER BY person_id",
        "class_teacher": "SELECT id, class_teacher_id FROM school_class ORDER BY id",
    }
    async with db.engine.connect() as conn:
        return {
            k: [tuple(r) for r in (await conn.execute(text(q))).all()] for k, q in queries.items()
        }


def story() -> tuple[list[Envelope], list[Envelope]]:
    """A school's base, then a life of changes whose order is what the test shuffles."""
    roster = Roster()
    a, b = roster.school_class(7, "А"), roster.school_class(7, "Б")
    base = list(roster.envelopes)
    roster.envelopes.clear()
    teacher = roster.staff("Смирнова", school_class_id=a)
    roster.add(
        "people.person.renamed",
        person_id=teacher,
        last_name="Кузнецова",
        first_name="Анна",
        middle_name=None,
    )
    for role, scoped in (("subject_teacher", None), ("class_teacher", a)):
        roster.add(
            "people.role.granted",
            person_id=teacher,
            school_id=roster.school_id,
            role=role,
            school_class_id=str(scoped) if scoped else None,
        )
    roster.add(
        "people.school_class.class_teacher_assigned",
        school_class_id=a,
        school_id=roster.school_id,
        person_id=teacher,
    )
    roster.add(
        "people.role.withdrawn",
        person_id=teacher,
        school_id=roster.school_id,
        role="class_teacher",
        school_class_id=str(a),
    )
    student = roster.student("Иванов", a)
    roster.add(
        "people.student.enrolled",
        person_id=student,
        school_id=roster.school_id,
        school_class_id=b,
        enrolled_on="2026-10-01",
    )
    leaver = roster.student("Петров", b)
    roster.add(
        "people.student.left",
        person_id=leaver,
        school_id=roster.school_id,
        school_class_id=b,
        left_on="2026-11-01",
    )
    roster.add(
        "people.person.anonymised",
        person_id=leaver,
        school_id=roster.school_id,
        last_name="Обезличено",
        first_name="—",
        middle_name=None,
    )
    return sequenced(base, 1), sequenced(roster.envelopes, 100)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_shuffled_delivery_of_people_events_ends_as_the_ordered_one(
    infra: Infra, seed: int
) -> None:
    base, changes = story()
    in_order = Database.connect(await infra.fresh_database("journal"))
    shuffled = Database.connect(await infra.fresh_database("journal"))
    try:
        await apply(in_order, base + changes)
        expected = await state(in_order)
        late = list(changes)
        random.Random(seed).shuffle(late)
        # A redelivery after a crash: a shuffled stream, and every event again at the end.
        await apply(shuffled, base + late + list(reversed(changes)))
        assert await state(shuffled) == expected
    finally:
        await in_order.dispose()
        await shuffled.dispose()


async def test_a_late_copy_of_a_grant_does_not_bring_back_a_withdrawn_role(db: Database) -> None:
    base, changes = story()
    await apply(db, base + changes)
    granted = next(
        e
        for e in changes
        if e.type == "people.role.granted" and e.payload["role"] == "class_teacher"
    )
    await apply(db, [granted])
    grants = (await state(db))["grant"]
    assert not [g for g in grants if g[1] == "class_teacher"]
    assert all(isinstance(g[0], UUID) for g in grants)
