"""The lock period and the closed year: what teachers can no longer change, and the rule itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete, event, func, select, update

from services.journal.domain.marks import is_ahead, is_past_lock
from services.journal.models import JournalSettings, Lesson, Mark, YearClosing
from tests.journal.marks_world import (
    LOCKED_DAY,
    SCHEDULE,
    World,
    code_of,
    data,
    marks_world,
    message_of,
)
from tests.support import Infra

RECORD = """mutation($l: ID!, $s: ID!, $v: Int!, $a: ID) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v, assignmentId: $a}) { id value }
}"""
CHANGE = "mutation($id: ID!, $v: Int!) { changeMark(input: {markId: $id, value: $v}) { id } }"
ABSENT = """mutation($l: ID!, $s: ID!) {
  markAbsent(input: {lessonId: $l, studentId: $s, code: ABSENT}) { id }
}"""
CREATE = """mutation($l: ID!, $t: ID!, $topic: String) {
  createAssignment(input: {lessonId: $l, typeId: $t, topic: $topic}) { id }
}"""
RECORD_MANY = """mutation($a: ID!, $marks: [MarkEntryInput!]!) {
  recordMarks(input: {assignmentId: $a, marks: $marks}) { id }
}"""
REGISTER = """mutation($l: ID!, $a: [ID!]!) {
  takeRegister(input: {lessonId: $l, absent: $a, late: []}) { lessonId }
}"""
CLEAR = "mutation($l: ID!, $s: ID!) { clearAttendance(lessonId: $l, studentId: $s) }"
REMOVE = "mutation($id: ID!) { removeMark(input: {markId: $id}) }"
AHEAD_DAY = date.today() + timedelta(days=12)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async with marks_world(infra) as w:
        yield w


@pytest.mark.parametrize(
    ("days_ago", "locked"), [(0, False), (9, False), (10, False), (11, True), (15, True)]
)
def test_a_lesson_locks_once_more_than_the_lock_period_has_passed(
    days_ago: int, locked: bool
) -> None:
    today = date(2026, 11, 29)
    assert is_past_lock(today - timedelta(days=days_ago), today, 10) is locked


async def test_a_teacher_cannot_record_a_mark_on_a_locked_lesson(world: World) -> None:
    result = await world.gql(RECORD, "teacher", l=world.id("locked_7b"), s=world.id("student"), v=5)
    assert code_of(result) == "LOCKED"
    assert result["errors"][0]["extensions"]["reason"] == "lock_period"
    assert f"урока {LOCKED_DAY:%d.%m.%Y} нельзя изменить" in message_of(result)
    assert "заявку на исправление" in message_of(result)


async def test_attendance_of_a_locked_lesson_is_locked_too(world: World) -> None:
    result = await world.gql(ABSENT, "teacher", l=world.id("locked_7b"), s=world.id("student"))
    assert code_of(result) == "LOCKED"


async def test_a_foreign_teacher_is_refused_before_the_lock_is_mentioned(world: World) -> None:
    result = await world.gql(
        RECORD, "teacher", l=world.id("locked_8a"), s=world.id("other_student"), v=5
    )
    assert code_of(result) == "NOT_FOUND"  # nor is a lesson they do not see said to exist


async def test_the_schools_lock_period_decides(world: World) -> None:
    async def set_lock_days(days: int) -> None:
        async with world.svc.runtime.db.sessionmaker() as s:
            await s.execute(update(JournalSettings).values(lock_days=days))
            await s.commit()

    await set_lock_days(20)
    try:
        mark = data(
            await world.gql(RECORD, "teacher", l=world.id("locked_7b"), s=world.id("third"), v=4)
        )["recordMark"]
    finally:
        await set_lock_days(10)
    assert code_of(await world.gql(CHANGE, "teacher", id=mark["id"], v=5)) == "LOCKED"


async def test_a_closed_year_locks_even_a_fresh_lesson(world: World) -> None:
    async with world.svc.runtime.db.sessionmaker() as s:
        s.add(YearClosing(academic_year_id=world.ids["year"], school_id=world.ids["school"]))
        await s.commit()
    try:
        result = await world.gql(
            RECORD, "teacher", l=world.id("fresh_7b"), s=world.id("student"), v=5
        )
        assert code_of(result) == "LOCKED"
        assert result["errors"][0]["extensions"]["reason"] == "year_closed"
        created = await world.gql(
            CREATE, "teacher", l=world.id("fresh_7b"), t=world.types["тест"], topic="Степени"
        )
        assert code_of(created) == "LOCKED"
    finally:
        async with world.svc.runtime.db.sessionmaker() as s:
            await s.execute(delete(YearClosing))
            await s.commit()


async def test_recording_a_mark_checks_access_enrolment_and_locks_in_one_query(
    world: World,
) -> None:
    assignment = data(
        await world.gql(
            CREATE, "teacher", l=world.id("fresh_7b"), t=world.types["тест"], topic="Корни"
        )
    )["createAssignment"]["id"]
    engine = world.svc.runtime.db.engine.sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "published_at" not in statement and "advisory" not in statement:  # the relay's
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        data(
            await world.gql(
                RECORD,
                "teacher",
                l=world.id("fresh_7b"),
                s=world.id("classmate"),
                v=5,
                a=assignment,
            )
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The lesson with every check; the assignment; the mark with its history; the outbox.
    assert len(statements) <= 4, statements


# --- lessons that have not happened yet ------------------------------------------------------


@pytest.mark.parametrize(("days_from_today", "ahead"), [(-1, False), (0, False), (1, True)])
def test_a_lesson_after_the_schools_today_is_ahead(days_from_today: int, ahead: bool) -> None:
    today = date(2026, 12, 6)
    assert is_ahead(today + timedelta(days=days_from_today), today) is ahead


async def _lesson_ahead(world: World, number: int) -> str:
    """A 7Б algebra lesson twelve days from now, the teacher's."""
    lesson = data(
        await world.gql(
            SCHEDULE,
            "secretary",
            c=world.id("7Б"),
            s=world.id("algebra"),
            t=world.id("teacher"),
            d=AHEAD_DAY.isoformat(),
            n=number,
        )
    )["scheduleLesson"]
    return str(lesson["id"])


def _refused_as_ahead(result: dict[str, Any]) -> None:
    assert code_of(result) == "VALIDATION", result
    error = result["errors"][0]
    assert error["extensions"]["reason"] == "lesson_ahead"
    assert error["extensions"]["field"] == "lessonId"
    assert f"Урок {AHEAD_DAY:%d.%m.%Y} ещё не прошёл" in error["message"]


async def test_no_mark_goes_on_a_lesson_twelve_days_ahead(world: World) -> None:
    lesson = await _lesson_ahead(world, 5)
    _refused_as_ahead(await world.gql(RECORD, "teacher", l=lesson, s=world.id("student"), v=5))
    # An assignment may be planned ahead; its marks wait for the lesson.
    assignment = data(
        await world.gql(CREATE, "teacher", l=lesson, t=world.types["тест"], topic="Дроби")
    )["createAssignment"]["id"]
    marks = [{"studentId": world.id("student"), "value": 4}]
    _refused_as_ahead(await world.gql(RECORD_MANY, "teacher", a=assignment, marks=marks))
    async with world.svc.runtime.db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).where(Mark.lesson_id == UUID(lesson))) == 0


async def test_no_absence_or_register_on_a_lesson_ahead(world: World) -> None:
    lesson = await _lesson_ahead(world, 6)
    _refused_as_ahead(await world.gql(ABSENT, "teacher", l=lesson, s=world.id("student")))
    _refused_as_ahead(await world.gql(REGISTER, "teacher", l=lesson, a=[world.id("student")]))


async def test_todays_lesson_takes_marks(world: World) -> None:
    lesson = data(
        await world.gql(
            SCHEDULE,
            "secretary",
            c=world.id("7Б"),
            s=world.id("algebra"),
            t=world.id("teacher"),
            d=date.today().isoformat(),
            n=7,
        )
    )["scheduleLesson"]["id"]
    mark = data(await world.gql(RECORD, "teacher", l=lesson, s=world.id("student"), v=5))
    assert mark["recordMark"]["value"] == 5


async def test_a_mark_already_on_a_lesson_ahead_can_still_be_removed(world: World) -> None:
    """Written before the rule: the teacher clears the mistake instead of being stuck with it."""
    lesson = await _lesson_ahead(world, 8)
    # Put a mark there as it was before the rule: recorded while the lesson stood on today.
    async with world.svc.runtime.db.sessionmaker() as s:
        await s.execute(update(Lesson).where(Lesson.id == UUID(lesson)).values(date=date.today()))
        await s.commit()
    mark = data(await world.gql(RECORD, "teacher", l=lesson, s=world.id("student"), v=3))
    async with world.svc.runtime.db.sessionmaker() as s:
        await s.execute(update(Lesson).where(Lesson.id == UUID(lesson)).values(date=AHEAD_DAY))
        await s.commit()
    mark_id = mark["recordMark"]["id"]
    _refused_as_ahead(await world.gql(CHANGE, "teacher", id=mark_id, v=4))
    assert data(await world.gql(REMOVE, "teacher", id=mark_id))["removeMark"] == mark_id
    assert (
        data(await world.gql(CLEAR, "teacher", l=lesson, s=world.id("student")))["clearAttendance"]
        is False
    )
