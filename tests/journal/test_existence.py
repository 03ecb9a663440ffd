"""An id is not an oracle: a row the caller may not see answers as a row that does not exist.

Each field is called twice by a caller who may not see the row — once with a random id, once
with the id of a row that exists — and the two answers must be identical: code, message and
the shape of ``data``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from services.journal.models import Mark, MarkHistory
from tests.journal.reads_world import ReadsWorld, day, reads_world
from tests.support import Infra

RANGE = {"from": day(-30).isoformat(), "to": day(0).isoformat()}


@dataclass(frozen=True)
class Probe:
    name: str
    caller: str
    query: str
    variable: str  # the id under test
    existing: str  # key of an existing row in the world (or "mark", looked up)
    expected_code: str | None  # None: a list that comes back empty


PROBES = [
    Probe(
        "debts",
        "other_parent",
        "query($id: ID!) { debts(studentId: $id) { assignmentId } }",
        "id",
        "student",
        None,
    ),
    Probe(
        "periodMarks",
        "other_parent",
        "query($id: ID!, $y: ID!) { periodMarks(studentId: $id, academicYearId: $y) { value } }",
        "id",
        "student",
        None,
    ),
    Probe(
        "attendanceSummary",
        "other_parent",
        "query($id: ID!, $from: Date!, $to: Date!) "
        "{ attendanceSummary(studentId: $id, from: $from, to: $to) { missed } }",
        "id",
        "student",
        None,
    ),
    Probe(
        "markHistory by mark",
        "other_teacher",
        "query($id: ID!) { markHistory(markId: $id) { action } }",
        "id",
        "mark",
        None,
    ),
    Probe(
        "markHistory by lesson",
        "other_teacher",
        "query($id: ID!) { markHistory(lessonId: $id) { action } }",
        "id",
        "algebra_7b_early",
        None,
    ),
    Probe(
        "lessons by teacher",
        "other_teacher",
        "query($id: ID!, $from: Date!, $to: Date!) "
        "{ lessons(teacherId: $id, from: $from, to: $to) { id } }",
        "id",
        "teacher",
        None,
    ),
    Probe(
        "changeMark",
        "other_teacher",
        "mutation($id: ID!) { changeMark(input: {markId: $id, value: 2}) { value } }",
        "id",
        "mark",
        "NOT_FOUND",
    ),
    Probe(
        "removeMark",
        "other_teacher",
        "mutation($id: ID!) { removeMark(input: {markId: $id}) }",
        "id",
        "mark",
        "NOT_FOUND",
    ),
    Probe(
        "setLessonTopic",
        "other_teacher",
        'mutation($id: ID!) { setLessonTopic(input: {lessonId: $id, topic: "Дроби"}) { id } }',
        "id",
        "algebra_7b_early",
        "NOT_FOUND",
    ),
    Probe(
        "updateAssignment",
        "other_teacher",
        'mutation($id: ID!) { updateAssignment(input: {id: $id, topic: "Чужое"}) { id } }',
        "id",
        "answer",
        "NOT_FOUND",
    ),
    Probe(
        "recordMark",
        "other_teacher",
        "mutation($id: ID!, $s: ID!) "
        "{ recordMark(input: {lessonId: $id, studentId: $s, value: 5}) { id } }",
        "id",
        "algebra_7b_early",
        "NOT_FOUND",
    ),
    Probe(
        "markAbsent",
        "other_teacher",
        "mutation($id: ID!, $s: ID!) "
        "{ markAbsent(input: {lessonId: $id, studentId: $s, code: ABSENT}) { code } }",
        "id",
        "algebra_7b_early",
        "NOT_FOUND",
    ),
]


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[ReadsWorld]:
    async with reads_world(infra) as w:
        async with w.svc.runtime.db.sessionmaker() as s:
            mark = await s.scalar(
                select(Mark).where(Mark.lesson_id == w.ids["algebra_7b_early"]).limit(1)
            )
        assert mark is not None
        w.ids["mark"] = mark.id
        await w.add(  # the world writes marks directly: give this one its history
            MarkHistory(
                id=uuid4(),
                school_id=mark.school_id,
                mark_id=mark.id,
                lesson_id=mark.lesson_id,
                assignment_id=mark.assignment_id,
                student_id=mark.student_id,
                action="recorded",
                value_after=mark.value,
                changed_by=w.ids["teacher"],
            )
        )
        yield w


async def ask(world: ReadsWorld, probe: Probe, row_id: UUID) -> dict:
    variables = {probe.variable: str(row_id)}
    if "$y" in probe.query:
        variables["y"] = str(world.roster.year_id)
    if "$from" in probe.query:
        variables |= RANGE
    if "$s" in probe.query:
        variables["s"] = str(world.ids["student"])
    return await world.gql(probe.query, probe.caller, **variables)


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
async def test_a_hidden_row_answers_exactly_as_a_missing_one(
    world: ReadsWorld, probe: Probe
) -> None:
    missing = await ask(world, probe, uuid4())
    hidden = await ask(world, probe, world.ids[probe.existing])
    assert hidden == missing
    if probe.expected_code is None:
        assert not missing.get("errors") and list(missing["data"].values()) == [[]], missing
    else:
        assert missing["errors"][0]["extensions"]["code"] == probe.expected_code, missing


async def test_a_row_the_caller_sees_but_may_not_write_is_refused_honestly(
    world: ReadsWorld,
) -> None:
    # The class teacher of 7Б sees its English lessons (the class's attendance) but does not
    # teach English: FORBIDDEN says so, and a missing lesson stays NOT_FOUND.
    query = 'mutation($id: ID!) { setLessonTopic(input: {lessonId: $id, topic: "Дроби"}) { id } }'
    seen = await world.gql(query, "klassruk", id=str(world.ids["english_group1"]))
    assert seen["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = await world.gql(query, "klassruk", id=str(uuid4()))
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
