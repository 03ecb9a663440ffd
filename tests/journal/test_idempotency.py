"""A retried write does not write twice: ``Idempotency-Key`` on the journal's mutations, called
directly as the gateway calls it (the answer lost between the journal and its caller)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select, text, update

from services.journal.models import Mark
from services.kernel.db import Database
from services.kernel.idempotency import KEEP_FOR, KEYS, has_table
from services.kernel.principal import PRINCIPAL_HEADER, encode_principal_header
from tests.journal.marks_world import World, marks_world
from tests.support import Infra

RECORD = """mutation($l: ID!, $s: ID!, $v: Int!) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v}) { id value }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async with marks_world(infra) as w:
        yield w


async def send(
    world: World, as_: str, key: str | None, **variables: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    headers = {
        PRINCIPAL_HEADER: encode_principal_header(
            world.who[as_], world.svc.settings.internal_secret
        )
    }
    if key is not None:
        headers["Idempotency-Key"] = key
    response = await world.svc.http.post(
        "/graphql", json={"query": RECORD, "variables": variables}, headers=headers
    )
    return response.json(), dict(response.headers)


async def marks_of(world: World, lesson: str, student: str) -> int:
    async with world.svc.runtime.db.sessionmaker() as s:
        return int(
            await s.scalar(
                select(func.count()).where(
                    Mark.lesson_id == UUID(lesson), Mark.student_id == UUID(student)
                )
            )
        )


def conflict(body: dict[str, Any]) -> str:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "CONFLICT", body
    return str(error["extensions"]["reason"])


async def test_the_same_key_and_input_twice_give_one_mark_and_the_same_answer(
    world: World,
) -> None:
    lesson, student = world.id("fresh_7b"), world.id("student")
    before = await marks_of(world, lesson, student)
    first, _ = await send(world, "teacher", "retry-1", l=lesson, s=student, v=4)
    again, headers = await send(world, "teacher", "retry-1", l=lesson, s=student, v=4)
    assert "errors" not in first, first
    assert again == first
    assert headers.get("idempotent-replayed") == "true"
    assert await marks_of(world, lesson, student) == before + 1


async def test_without_a_key_each_request_writes(world: World) -> None:
    """The mark path allows several marks per lesson: what the key protects against."""
    lesson, student = world.id("fresh_7b_2"), world.id("classmate")
    before = await marks_of(world, lesson, student)
    for _ in range(2):
        body, _ = await send(world, "teacher", None, l=lesson, s=student, v=5)
        assert "errors" not in body, body
    assert await marks_of(world, lesson, student) == before + 2


async def test_the_same_key_with_other_input_is_refused(world: World) -> None:
    lesson, student = world.id("fresh_7b"), world.id("third")
    before = await marks_of(world, lesson, student)
    first, _ = await send(world, "teacher", "retry-2", l=lesson, s=student, v=3)
    assert "errors" not in first, first
    other, _ = await send(world, "teacher", "retry-2", l=lesson, s=student, v=5)
    assert conflict(other) == "idempotency_key_reused"
    assert "новый ключ" in other["errors"][0]["message"]
    assert await marks_of(world, lesson, student) == before + 1


async def test_another_callers_same_key_is_independent(world: World) -> None:
    russian, student = world.id("fresh_7b_russian"), world.id("student")
    body, _ = await send(world, "klassruk", "retry-1", l=russian, s=student, v=5)
    assert "errors" not in body, body
    assert body["data"]["recordMark"]["value"] == 5


async def test_a_committed_write_whose_answer_was_lost_is_not_written_again(
    world: World,
) -> None:
    """The process died after the commit, before the answer was stored: the key row is there
    (it committed with the mark) without an answer."""
    lesson, student = world.id("fresh_7b_2"), world.id("third")
    before = await marks_of(world, lesson, student)
    first, _ = await send(world, "teacher", "retry-3", l=lesson, s=student, v=4)
    assert "errors" not in first, first
    async with world.svc.runtime.db.sessionmaker() as s:
        await s.execute(update(KEYS).where(KEYS.c.key == "retry-3").values(status=None))
        await s.commit()
    again, _ = await send(world, "teacher", "retry-3", l=lesson, s=student, v=4)
    assert conflict(again) == "idempotent_request_done"
    assert "уже выполнен" in again["errors"][0]["message"]
    assert await marks_of(world, lesson, student) == before + 1


async def test_concurrent_duplicates_write_once_and_answer_alike(world: World) -> None:
    lesson, student = world.id("fresh_7b"), world.id("classmate")
    before = await marks_of(world, lesson, student)
    answers = await asyncio.gather(
        *(send(world, "teacher", "retry-4", l=lesson, s=student, v=2) for _ in range(4))
    )
    bodies = [body for body, _ in answers]
    assert all(body == bodies[0] for body in bodies), bodies
    assert "errors" not in bodies[0], bodies[0]
    assert await marks_of(world, lesson, student) == before + 1


async def test_a_refused_write_leaves_no_key_behind(world: World) -> None:
    lesson, student = world.id("fresh_7b"), world.id("other_student")  # not in 7Б
    refused, _ = await send(world, "teacher", "retry-5", l=lesson, s=student, v=4)
    assert refused["errors"][0]["extensions"]["code"] == "VALIDATION"
    fixed, _ = await send(world, "teacher", "retry-5", l=lesson, s=world.id("student"), v=4)
    assert "errors" not in fixed, fixed


async def test_a_malformed_key_is_validation(world: World) -> None:
    body, _ = await send(world, "teacher", "x" * 201, l=world.id("fresh_7b"), s="1", v=4)
    assert body["errors"][0]["extensions"] == {
        "code": "VALIDATION",
        "field": "Idempotency-Key",
    }


async def test_a_key_older_than_its_keeping_time_is_forgotten(world: World) -> None:
    lesson, student = world.id("fresh_7b_2"), world.id("student")
    first, _ = await send(world, "teacher", "retry-6", l=lesson, s=student, v=3)
    assert "errors" not in first, first
    async with world.svc.runtime.db.sessionmaker() as s:
        await s.execute(
            update(KEYS)
            .where(KEYS.c.key == "retry-6")
            .values(created_at=func.now() - KEEP_FOR - timedelta(minutes=1))
        )
        await s.commit()
    before = await marks_of(world, lesson, student)
    again, _ = await send(world, "teacher", "retry-6", l=lesson, s=student, v=3)
    assert again != first and "errors" not in again, again
    assert await marks_of(world, lesson, student) == before + 1


async def test_a_database_without_the_table_does_not_offer_keys(infra: Infra) -> None:
    """A service whose migrations lack ``idempotency_key`` ignores the header (has_table is
    what the app asks at start-up)."""
    db = Database.connect(await infra.fresh_database("journal"), pool_size=1)
    try:
        assert await has_table(db) is True
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP TABLE idempotency_key"))
        assert await has_table(db) is False
    finally:
        await db.dispose()
