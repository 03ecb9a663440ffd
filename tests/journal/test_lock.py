"""The lock period and the closed year: what teachers can no longer change, and the rule itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, update

from services.journal.domain.marks import is_past_lock
from services.journal.models import JournalSettings, YearClosing
from tests.journal.marks_world import LOCKED_DAY, World, code_of, data, marks_world, message_of
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
