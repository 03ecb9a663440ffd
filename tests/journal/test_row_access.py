"""Marks and attendance follow the lesson's row: seeing a lesson is not reading its journal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest

from services.journal.models import Attendance
from services.kernel.roles import Role
from tests.journal.reads_world import ReadsWorld, day, reads_world
from tests.support import Infra

LESSONS = """query($from: Date!, $to: Date!, $c: ID, $t: ID) {
  lessons(from: $from, to: $to, schoolClassId: $c, teacherId: $t) {
    id marks { value } attendance { code }
  }
}"""
SUBSTITUTIONS = """query($from: Date!, $to: Date!) {
  substitutions(from: $from, to: $to) { lesson { id marks { value } attendance { code } } }
}"""
RANGE = {"from": day(-7).isoformat(), "to": day(0).isoformat()}


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[ReadsWorld]:
    async with reads_world(infra) as w:
        w.who["secretary"] = w.roster.principal(uuid4(), Role.ACADEMIC_SECRETARY)
        for lesson in ("algebra_7b_early", "algebra_7b_late"):
            await w.add(
                Attendance(
                    id=uuid4(),
                    school_id=w.roster.school_id,
                    lesson_id=w.ids[lesson],
                    student_id=w.ids["classmate"],
                    code="ОТ",
                )
            )
        yield w


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


async def journal_of_7b(world: ReadsWorld, reader: str, **filters: Any) -> dict[str, Any]:
    """Lesson id → (marks, attendance) of 7Б's algebra lessons as ``reader`` lists them."""
    result = await world.gql(LESSONS, reader, **RANGE, **filters)
    wanted = {str(world.ids["algebra_7b_early"]), str(world.ids["algebra_7b_late"])}
    return {
        x["id"]: (x["marks"], x["attendance"]) for x in data(result)["lessons"] if x["id"] in wanted
    }


async def test_the_secretary_lists_a_class_lessons_without_their_marks_and_attendance(
    world: ReadsWorld,
) -> None:
    seen = await journal_of_7b(world, "secretary", c=str(world.ids["7Б"]))
    assert len(seen) == 2  # the timetable work still sees every lesson
    assert all(marks == [] and attendance == [] for marks, attendance in seen.values())


async def test_the_administration_reads_the_marks_and_attendance_of_any_class(
    world: ReadsWorld,
) -> None:
    seen = await journal_of_7b(world, "deputy", c=str(world.ids["7Б"]))
    assert seen[str(world.ids["algebra_7b_early"])] == ([{"value": 5}], [{"code": "ОТ"}])
    assert seen[str(world.ids["algebra_7b_late"])] == ([{"value": 3}], [{"code": "ОТ"}])


async def test_a_substitute_reads_the_journal_of_the_lesson_they_gave(world: ReadsWorld) -> None:
    seen = await journal_of_7b(world, "substitute")
    assert seen == {str(world.ids["algebra_7b_late"]): ([{"value": 3}], [{"code": "ОТ"}])}


async def test_the_secretary_opens_a_substituted_lesson_without_its_marks(
    world: ReadsWorld,
) -> None:
    lessons = [
        s["lesson"]
        for s in data(await world.gql(SUBSTITUTIONS, "secretary", **RANGE))["substitutions"]
    ]
    assert [x["id"] for x in lessons] == [str(world.ids["algebra_7b_late"])]
    assert lessons[0]["marks"] == [] and lessons[0]["attendance"] == []


async def test_the_substitute_and_the_absent_teacher_open_it_with_its_marks(
    world: ReadsWorld,
) -> None:
    for reader in ("substitute", "teacher"):
        result = await world.gql(SUBSTITUTIONS, reader, **RANGE)
        [line] = data(result)["substitutions"]
        assert line["lesson"]["marks"] == [{"value": 3}], reader
        assert line["lesson"]["attendance"] == [{"code": "ОТ"}], reader


YEAR_SHEET = """query($y: ID!, $c: ID!, $s: ID!) {
  yearMarkSheet(academicYearId: $y, schoolClassId: $c, subjectId: $s) { rows { student { id } } }
}"""


async def test_a_subgroups_teacher_reads_the_period_marks_of_that_subgroup_only(
    world: ReadsWorld,
) -> None:
    args = {
        "y": str(world.roster.year_id),
        "c": str(world.ids["7Б"]),
        "s": str(world.ids["английский язык"]),
    }
    own = data(await world.gql(YEAR_SHEET, "group_teacher", **args))["yearMarkSheet"]
    assert [r["student"]["id"] for r in own["rows"]] == [str(world.ids["student"])]
    whole = data(await world.gql(YEAR_SHEET, "deputy", **args))["yearMarkSheet"]
    # The administration reads every row, the other subgroup's classmate too.
    assert {r["student"]["id"] for r in whole["rows"]} == {
        str(world.ids["student"]),
        str(world.ids["classmate"]),
    }
