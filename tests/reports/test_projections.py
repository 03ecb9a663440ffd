"""Every projection converges whatever order its events arrive in, batch by batch or one by
one, and a rebuild by replay equals the live projection."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import nats
import orjson
import pytest
from nats.aio.client import Client
from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.events import Envelope
from services.reports.events import JOURNAL_PROJECTION, apply_journal, apply_people
from services.reports.models import (
    Attendance,
    Checkpoint,
    CurriculumHours,
    Enrolment,
    Lesson,
    Mark,
    ProgressSummaryMark,
    TeachingLoad,
)
from services.reports.rebuild import rebuild
from tests.support import Infra, eventually, running_service

SCHOOL, CLASS_7A = uuid4(), uuid4()
ALGEBRA, STUDENT, TEACHER = uuid4(), uuid4(), uuid4()
T0 = datetime(2026, 10, 5, 3, tzinfo=UTC)


def event(type_: str, sequence: int, aggregate: object, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID | date | datetime) else v for k, v in payload.items()}
    return Envelope(
        type=type_,
        school_id=SCHOOL,
        payload={"school_id": str(SCHOOL), **body},
        aggregate=str(aggregate),
        sequence=sequence,
        occurred_at=T0 + timedelta(minutes=sequence),
    )


def mark_events(mark_id: UUID) -> list[Envelope]:
    """Recorded 2, changed to 5, removed: the issue's sequence of one mark."""
    ids = {
        "mark_id": mark_id,
        "student_id": STUDENT,
        "school_class_id": CLASS_7A,
        "subject_id": ALGEBRA,
    }
    return [
        recorded(mark_id, 1, 2),
        event("journal.mark.changed", 2, mark_id, **ids, value_before=2, value=5),
        event("journal.mark.removed", 3, mark_id, **ids),
    ]


def recorded(mark_id: UUID, sequence: int, value: int) -> Envelope:
    return event(
        "journal.mark.recorded",
        sequence,
        mark_id,
        mark_id=mark_id,
        lesson_id=uuid4(),
        student_id=STUDENT,
        school_class_id=CLASS_7A,
        subject_id=ALGEBRA,
        subject_name="алгебра",
        teacher_id=TEACHER,
        value=value,
        weight=2,
        date=date(2026, 10, 5),
        assignment_type="контрольная работа",
    )


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[Database]:
    database = Database.connect(await infra.fresh_database("reports"), pool_size=2)
    yield database
    await database.dispose()


async def apply(db: Database, envelopes: list[Envelope], *, batch: bool) -> None:
    """As the consumer does: the whole list in one transaction, or one event each."""
    applier = (
        apply_people if envelopes and envelopes[0].type.startswith("people.") else apply_journal
    )
    if batch:
        async with db.sessionmaker() as s, s.begin():
            await applier(s, envelopes)
        return
    for e in envelopes:
        async with db.sessionmaker() as s, s.begin():
            await applier(s, [e])


async def state(db: Database, model: Any, key: Callable[[Any], Any], *columns: str) -> Any:
    async with db.sessionmaker() as s:
        rows = (await s.scalars(select(model))).all()
    return sorted((key(r), tuple(getattr(r, c) for c in columns)) for r in rows)


def orders(events: list[Envelope], seed: int, count: int) -> list[list[Envelope]]:
    """Every permutation of a short list, else ``count`` shuffles."""
    if len(events) <= 4:
        return [list(p) for p in itertools.permutations(events)]
    rng = random.Random(seed)
    return [rng.sample(events, len(events)) for _ in range(count)]


MARK_COLUMNS = ("value", "removed", "subject_name", "weight", "date", "teacher_id", "version")


async def test_the_issue_s_reproduction_recorded_changed_redelivered_recorded_keeps_5(
    db: Database,
) -> None:
    mark_id = uuid4()
    first, changed, _ = mark_events(mark_id)
    for e in (first, changed, first):
        await apply(db, [e], batch=False)
    async with db.sessionmaker() as s:
        mark = await s.get(Mark, mark_id)
    assert mark is not None and (mark.value, mark.removed) == (5, False)


async def test_a_change_arriving_before_its_recording_builds_the_mark(db: Database) -> None:
    mark_id = uuid4()
    first, changed, _ = mark_events(mark_id)
    await apply(db, [changed], batch=False)
    async with db.sessionmaker() as s:
        built = await s.get(Mark, mark_id)
        assert built is not None and built.value == 5 and built.subject_name is None
    await apply(db, [first], batch=False)
    async with db.sessionmaker() as s:
        mark = await s.get(Mark, mark_id)
    assert mark is not None
    assert (mark.value, mark.subject_name, mark.weight, mark.teacher_id) == (
        5,
        "алгебра",
        2,
        TEACHER,
    )


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
async def test_mark_events_in_any_order_give_the_state_of_their_own_order(
    db: Database, batch: bool
) -> None:
    # Every order of (recorded 2, changed 5, removed) and of (recorded 2, changed 5), each on
    # its own mark; the in-order result is the reference.
    cases: list[tuple[UUID, list[Envelope]]] = []
    for length in (3, 2):
        for permutation in itertools.permutations(range(length)):
            mark_id = uuid4()
            events = mark_events(mark_id)[:length]
            cases.append((mark_id, [events[i] for i in permutation]))
    for _, events in cases:
        await apply(db, events, batch=batch)
    got = dict(await state(db, Mark, lambda m: m.mark_id, *MARK_COLUMNS))
    for mark_id, events in cases:
        reference = sorted(events, key=lambda e: e.sequence)
        ref_db_state = got[mark_id]
        assert ref_db_state[0] == (None if len(reference) == 3 else 5)
        assert ref_db_state[1] is (len(reference) == 3)
        assert ref_db_state[2:] == ("алгебра", 2, date(2026, 10, 5), TEACHER, len(reference))


async def test_a_shuffled_journal_converges_on_the_in_order_projection(infra: Infra) -> None:
    events = journal_story()
    reference = Database.connect(await infra.fresh_database("reports"), pool_size=2)
    shuffled = Database.connect(await infra.fresh_database("reports"), pool_size=2)
    try:
        await apply(reference, events, batch=False)
        expected = await snapshot(reference)
        for i, order in enumerate(orders(events, seed=12, count=3)):
            # Alternate: a shuffled batch, then shuffled one by one.
            async with shuffled.sessionmaker() as s, s.begin():
                for table in SNAPSHOT_TABLES:
                    await s.execute(table.__table__.delete())
            await apply(shuffled, order, batch=i % 2 == 0)
            assert await snapshot(shuffled) == expected
    finally:
        await reference.dispose()
        await shuffled.dispose()


async def test_enrolment_and_leaving_in_either_order_give_the_same_stay(db: Database) -> None:
    enrolled = event(
        "people.student.enrolled",
        1,
        STUDENT,
        person_id=STUDENT,
        school_class_id=CLASS_7A,
        enrolled_on=date(2026, 9, 1),
    )
    left = event(
        "people.student.left",
        2,
        STUDENT,
        person_id=STUDENT,
        school_class_id=CLASS_7A,
        left_on=date(2026, 11, 3),
        kind="departure",
        destination_school_id=None,
        destination_school_name=None,
        order_number="12",
        order_date="2026-11-02",
    )
    await apply(db, [left], batch=False)
    await apply(db, [enrolled], batch=False)
    stays = await state(
        db, Enrolment, lambda e: e.student_id, "enrolled_on", "left_on", "left_kind"
    )
    assert stays == [(STUDENT, (date(2026, 9, 1), date(2026, 11, 3), "departure"))]


# --- a small journal: lessons, attendance, period marks, load and curriculum ----------------

SNAPSHOT_TABLES = (Mark, Lesson, Attendance, ProgressSummaryMark, TeachingLoad, CurriculumHours)


async def snapshot(db: Database) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with db.sessionmaker() as s:
        for model in SNAPSHOT_TABLES:
            table = model.__table__
            rows = (await s.execute(select(table))).all()
            out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def journal_story() -> list[Envelope]:
    lesson, moved = uuid4(), uuid4()
    load, pm_id, year, term = uuid4(), uuid4(), uuid4(), uuid4()
    lesson_ids = {"school_class_id": CLASS_7A, "subject_id": ALGEBRA}
    pm = {
        "period_mark_id": pm_id,
        "academic_year_id": year,
        "study_period_id": term,
        "kind": "term",
        "school_class_id": CLASS_7A,
        "subject_id": ALGEBRA,
        "student_id": STUDENT,
    }
    att = {
        "lesson_id": lesson,
        "student_id": STUDENT,
        "school_class_id": CLASS_7A,
        "date": date(2026, 10, 5),
        "lesson_number": 2,
    }
    seq = itertools.count(1)
    return [
        *mark_events(uuid4()),
        recorded(uuid4(), next(seq) + 10, 4),
        event(
            "journal.lesson.scheduled",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            subject_name="алгебра",
            teacher_id=TEACHER,
            date=date(2026, 10, 5),
            number=2,
        ),
        event(
            "journal.lesson.held",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            teacher_id=TEACHER,
            date=date(2026, 10, 5),
            number=2,
            topic_set_at=T0,
        ),
        event(
            "journal.lesson.topic_set",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            date=date(2026, 10, 5),
            number=2,
            set_by=TEACHER,
            has_topic=True,
            has_homework=False,
        ),
        event(
            "journal.lesson.changed",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            subgroup_id=None,
            teacher_id=TEACHER,
            date=date(2026, 10, 6),
            number=3,
            room=None,
            teacher_id_before=TEACHER,
            date_before=date(2026, 10, 5),
            number_before=2,
        ),
        event(
            "journal.lesson.topic_set",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            date=date(2026, 10, 6),
            number=3,
            set_by=TEACHER,
            has_topic=True,
            has_homework=True,
        ),
        event(
            "journal.register.taken",
            next(seq) + 20,
            lesson,
            lesson_id=lesson,
            **lesson_ids,
            date=date(2026, 10, 6),
            number=3,
            teacher_id=TEACHER,
            absent_ids=[],
            late_ids=[],
        ),
        event(
            "journal.lesson.cancelled",
            next(seq) + 20,
            moved,
            lesson_id=moved,
            **lesson_ids,
            subgroup_id=None,
            teacher_id=TEACHER,
            date=date(2026, 10, 7),
            number=1,
            reason="карантин",
        ),
        event(
            "journal.attendance.set",
            next(seq) + 40,
            f"{lesson}:{STUDENT}",
            attendance_id=uuid4(),
            **att,
            subject_name="алгебра",
            code="ОТ",
            set_by=TEACHER,
            category="absent_unknown",
        ),
        event(
            "journal.attendance.set",
            next(seq) + 40,
            f"{lesson}:{STUDENT}",
            attendance_id=uuid4(),
            **att,
            subject_name="алгебра",
            code="Б",
            set_by=TEACHER,
            category="illness",
        ),
        event(
            "journal.period_mark.set",
            next(seq) + 60,
            pm_id,
            **pm,
            study_period_name="I четверть",
            subject_name="алгебра",
            value=4,
            special=None,
            average="4.40",
            proposed=4,
            set_by=TEACHER,
        ),
        event("journal.period_mark.removed", next(seq) + 60, pm_id, **pm, removed_by=TEACHER),
        event(
            "journal.period_mark.set",
            next(seq) + 60,
            pm_id,
            **pm,
            study_period_name="I четверть",
            subject_name="алгебра",
            value=5,
            special=None,
            average="4.70",
            proposed=5,
            set_by=TEACHER,
        ),
        event(
            "journal.teaching_load.assigned",
            next(seq) + 80,
            load,
            teaching_load_id=load,
            teacher_id=TEACHER,
            **lesson_ids,
            subgroup_id=None,
            hours_per_week=4,
        ),
        event(
            "journal.teaching_load.withdrawn",
            next(seq) + 80,
            load,
            teaching_load_id=load,
            teacher_id=TEACHER,
            **lesson_ids,
            subgroup_id=None,
        ),
        event(
            "journal.curriculum_hours.set",
            next(seq) + 90,
            f"{year}:{ALGEBRA}",
            academic_year_id=year,
            subject_id=ALGEBRA,
            school_class_id=CLASS_7A,
            grade_level=None,
            hours_per_week=4,
        ),
        event(
            "journal.curriculum_hours.set",
            next(seq) + 90,
            f"{year}:{ALGEBRA}",
            academic_year_id=year,
            subject_id=ALGEBRA,
            school_class_id=CLASS_7A,
            grade_level=None,
            hours_per_week=3,
        ),
    ]


async def test_the_story_in_order_ends_as_the_journal_left_it(db: Database) -> None:
    await apply(db, journal_story(), batch=True)
    lessons = await state(
        db,
        Lesson,
        lambda x: x.cancelled,
        "date",
        "number",
        "has_topic",
        "has_homework",
        "topic_first_at",
    )
    moved = next(v for cancelled, v in lessons if not cancelled)
    assert moved == (date(2026, 10, 6), 3, True, True, T0)
    attendance = await state(db, Attendance, lambda a: a.student_id, "code", "category")
    assert attendance == [(STUDENT, ("Б", "illness"))]
    period = await state(db, ProgressSummaryMark, lambda p: p.student_id, "value", "removed")
    assert period == [(STUDENT, (5, False))]
    assert await state(db, TeachingLoad, lambda t: t.teacher_id, "withdrawn") == [
        (TEACHER, (True,))
    ]
    hours = await state(db, CurriculumHours, lambda h: h.subject_id, "hours_per_week")
    assert hours == [(ALGEBRA, (3,))]


# --- rebuild by replay ------------------------------------------------------------------------


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


async def test_a_rebuild_by_replay_equals_the_live_projection(
    infra: Infra, namespace: str, nc: Client
) -> None:
    events = journal_story()
    async with running_service(infra, "reports", namespace=namespace) as svc:
        for e in events:
            await nc.jetstream().publish(
                e.subject(namespace),
                orjson.dumps(e.model_dump(mode="json")),
                headers={"Nats-Msg-Id": str(e.id)},
            )

        async def caught_up() -> bool:
            async with svc.runtime.db.sessionmaker() as s:
                checkpoint = await s.get(Checkpoint, JOURNAL_PROJECTION)
            return checkpoint is not None and checkpoint.events_applied == len(events)

        await eventually(caught_up)
        live = await snapshot(svc.runtime.db)
        assert await rebuild(svc.runtime) == len(events)
        assert await snapshot(svc.runtime.db) == live
        assert live["lesson"] and live["attendance"] and live["progress_summary_mark"]
