"""Substitutions: who records them, who is free, what the substitute may write, the log."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest

from services.kernel.roles import Role
from tests.journal.lessons_world import (
    CANCEL_SUBSTITUTION,
    FROM,
    RECORD_SUBSTITUTION,
    TO,
    World,
    code_of,
    data,
    lessons_world,
)
from tests.support import Infra, eventually

RECORD_MARK = """mutation($l: ID!, $s: ID!, $v: Int!) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v}) { id value }
}"""
TOPIC = """mutation($l: ID!, $t: String) {
  setLessonTopic(input: {lessonId: $l, topic: $t}) { id topic }
}"""
LOG = """query($from: Date!, $to: Date!, $t: ID) {
  substitutions(from: $from, to: $to, teacherId: $t) {
    lessonId number reason substitute { id } absentTeacher { id }
  }
}"""
LESSONS = """query($from: Date!, $to: Date!, $c: ID) {
  lessons(from: $from, to: $to, schoolClassId: $c) {
    id substitution { substitute { id } absentTeacher { id } reason }
  }
}"""
DIARY = """query($s: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $s, from: $from, to: $to) {
    lessons { id substitution { substitute { id } reason } }
  }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Any:
    async with lessons_world(infra, tmp_path_factory.mktemp("files")) as w:
        yield w


async def record(world: World, as_: str, lesson: str, substitute: str, reason: str | None = None):
    return await world.gql(
        RECORD_SUBSTITUTION, as_, l=world.lesson(lesson), t=str(world.ids[substitute]), r=reason
    )


async def cancel_if_any(world: World, lesson: str) -> None:
    await world.gql(CANCEL_SUBSTITUTION, "secretary", l=world.lesson(lesson))


async def test_the_secretary_records_a_substitution_and_it_is_published(world: World) -> None:
    result = data(await record(world, "secretary", "lesson_7b", "substitute", "больничный"))
    sub = result["recordSubstitution"]
    assert sub["substitute"] == {"id": str(world.ids["substitute"])}
    assert sub["absentTeacher"] == {"id": str(world.ids["teacher"])}
    assert sub["subject"] == {"name": "алгебра"} and sub["number"] == 2
    lesson = world.lesson("lesson_7b")

    async def recorded() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.substitution.recorded")
            if e["payload"]["lesson_id"] == lesson
        ]

    [event] = await eventually(recorded)
    payload = event["payload"]
    assert payload["substitute_id"] == str(world.ids["substitute"])
    assert payload["absent_teacher_id"] == str(world.ids["teacher"])
    assert payload["school_class_id"] == str(world.ids["7Б"])
    assert payload["subject_id"] == str(world.ids["алгебра"]) and payload["number"] == 2


async def test_the_substitute_marks_and_sets_the_topic_of_that_lesson_only(world: World) -> None:
    data(await record(world, "deputy", "lesson_7b", "substitute"))
    student = str(world.ids["student"])
    mark = await world.gql(RECORD_MARK, "substitute", l=world.lesson("lesson_7b"), s=student, v=4)
    assert data(mark)["recordMark"]["value"] == 4
    topic = await world.gql(TOPIC, "substitute", l=world.lesson("lesson_7b"), t="Дроби")
    assert data(topic)["setLessonTopic"]["topic"] == "Дроби"
    lesson = world.lesson("lesson_7b")

    async def held() -> list[dict[str, Any]]:
        return [
            e for e in world.published("journal.lesson.held") if e["payload"]["lesson_id"] == lesson
        ]

    [event] = await eventually(held)
    assert event["payload"]["teacher_id"] == str(world.ids["substitute"])
    other = await world.gql(
        RECORD_MARK, "substitute", l=world.lesson("lesson_7b_today"), s=student, v=4
    )
    assert code_of(other) == "NOT_FOUND"  # not a lesson of theirs: not one they see
    english = await world.gql(TOPIC, "substitute", l=world.lesson("lesson_7b_english"), t="Дроби")
    assert code_of(english) == "NOT_FOUND"


async def test_a_teacher_cannot_record_or_cancel_a_substitution(world: World) -> None:
    for who in ("teacher", "klassruk", "student", "parent"):
        assert code_of(await record(world, who, "lesson_7b", "substitute")) == "FORBIDDEN", who
        result = await world.gql(CANCEL_SUBSTITUTION, who, l=world.lesson("lesson_7b"))
        assert code_of(result) == "FORBIDDEN", who


async def test_the_director_does_not_arrange_substitutions(world: World) -> None:
    assert code_of(await record(world, "director", "lesson_7b", "substitute")) == "FORBIDDEN"


async def test_the_administrator_records_a_substitution(world: World) -> None:
    data(await record(world, "admin", "lesson_8a", "substitute"))
    await cancel_if_any(world, "lesson_8a")


async def test_a_teacher_busy_at_that_date_and_number_cannot_substitute(world: World) -> None:
    # other_teacher gives 8А its algebra at the same date and number as 7Б's lesson.
    result = await record(world, "secretary", "lesson_7b", "other_teacher")
    assert code_of(result) == "CONFLICT"
    assert "занят" in result["errors"][0]["message"]


async def test_a_substitute_already_substituting_at_that_hour_is_busy(world: World) -> None:
    data(await record(world, "secretary", "lesson_7b", "substitute"))
    result = await record(world, "secretary", "lesson_8a_same_slot", "substitute")
    assert code_of(result) == "CONFLICT"


async def test_the_substitute_must_be_staff_of_the_school(world: World) -> None:
    assert code_of(await record(world, "secretary", "lesson_7b", "student")) == "VALIDATION"
    stranger = await world.gql(
        RECORD_SUBSTITUTION, "secretary", l=world.lesson("lesson_7b"), t=str(uuid4())
    )
    assert code_of(stranger) == "VALIDATION"
    own = await record(world, "secretary", "lesson_7b", "teacher")
    assert code_of(own) == "VALIDATION"


async def test_another_schools_secretary_cannot_see_the_lesson(world: World) -> None:
    stranger = replace(world.roster.principal(uuid4(), Role.ACADEMIC_SECRETARY), school_id=uuid4())
    result = await world.svc.gql(
        RECORD_SUBSTITUTION,
        {"l": world.lesson("lesson_7b"), "t": str(world.ids["substitute"])},
        principal=stranger,
    )
    assert code_of(result) == "NOT_FOUND"


async def test_a_new_substitution_replaces_the_old_one(world: World) -> None:
    data(await record(world, "secretary", "lesson_7b", "substitute"))
    data(await record(world, "secretary", "lesson_7b", "klassruk", "курсы"))
    student = str(world.ids["student"])
    refused = await world.gql(
        RECORD_MARK, "substitute", l=world.lesson("lesson_7b"), s=student, v=5
    )
    assert code_of(refused) == "NOT_FOUND"
    lesson = world.lesson("lesson_7b")

    async def cancelled() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.substitution.cancelled")
            if e["payload"]["lesson_id"] == lesson
            and e["payload"]["substitute_id"] == str(world.ids["substitute"])
        ]

    assert await eventually(cancelled)
    log = data(await world.gql(LOG, "secretary", **{"from": FROM, "to": TO}))["substitutions"]
    mine = [x for x in log if x["lessonId"] == lesson]
    assert mine == [
        {
            "lessonId": lesson,
            "number": 2,
            "reason": "курсы",
            "substitute": {"id": str(world.ids["klassruk"])},
            "absentTeacher": {"id": str(world.ids["teacher"])},
        }
    ]


async def test_cancelling_a_substitution_publishes_it_and_a_second_cancel_is_not_found(
    world: World,
) -> None:
    data(await record(world, "secretary", "lesson_8a", "substitute"))
    result = await world.gql(CANCEL_SUBSTITUTION, "deputy", l=world.lesson("lesson_8a"))
    assert data(result)["cancelSubstitution"] == world.lesson("lesson_8a")
    again = await world.gql(CANCEL_SUBSTITUTION, "deputy", l=world.lesson("lesson_8a"))
    assert code_of(again) == "NOT_FOUND"
    lesson = world.lesson("lesson_8a")

    async def cancelled() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.substitution.cancelled")
            if e["payload"]["lesson_id"] == lesson
        ]

    assert await eventually(cancelled)


async def test_a_teacher_reads_only_the_substitutions_they_gave_or_missed(world: World) -> None:
    data(await record(world, "secretary", "lesson_7b", "substitute", "больничный"))
    args = {"from": FROM, "to": TO}
    missed = data(await world.gql(LOG, "teacher", **args))["substitutions"]
    assert [x["lessonId"] for x in missed] == [world.lesson("lesson_7b")]
    gave = data(await world.gql(LOG, "substitute", **args))["substitutions"]
    assert [x["lessonId"] for x in gave] == [world.lesson("lesson_7b")]
    assert data(await world.gql(LOG, "other_teacher", **args))["substitutions"] == []
    nosy = await world.gql(LOG, "other_teacher", t=str(world.ids["teacher"]), **args)
    assert nosy == {"data": {"substitutions": []}}  # a list: another teacher's are not in it
    by_teacher = await world.gql(LOG, "deputy", t=str(world.ids["substitute"]), **args)
    assert [x["lessonId"] for x in data(by_teacher)["substitutions"]] == [world.lesson("lesson_7b")]
    assert code_of(await world.gql(LOG, "student", **args)) == "FORBIDDEN"


async def test_lessons_show_their_substitution_and_parents_do_not_see_the_reason(
    world: World,
) -> None:
    data(await record(world, "secretary", "lesson_7b", "substitute", "больничный"))
    args = {"from": FROM, "to": TO}
    lessons = data(await world.gql(LESSONS, "secretary", c=str(world.ids["7Б"]), **args))
    by_id = {x["id"]: x["substitution"] for x in lessons["lessons"]}
    assert by_id[world.lesson("lesson_7b")] == {
        "substitute": {"id": str(world.ids["substitute"])},
        "absentTeacher": {"id": str(world.ids["teacher"])},
        "reason": "больничный",
    }
    assert by_id[world.lesson("lesson_7b_today")] is None
    diary = data(await world.gql(DIARY, "parent", s=str(world.ids["student"]), **args))
    subs = {x["id"]: x["substitution"] for day in diary["diary"] for x in day["lessons"]}
    assert subs[world.lesson("lesson_7b")] == {
        "substitute": {"id": str(world.ids["substitute"])},
        "reason": None,
    }


async def test_staff_who_is_not_a_teacher_cannot_substitute(world: World) -> None:
    result = await record(world, "secretary", "lesson_7b", "deputy")
    assert code_of(result) == "VALIDATION"
    assert "учитель" in result["errors"][0]["message"]


async def test_the_substitute_opens_the_lesson_from_the_log_and_a_parent_cannot(
    world: World,
) -> None:
    data(await record(world, "secretary", "lesson_7b", "substitute"))
    args = {"from": FROM, "to": TO}
    log = await world.gql(
        "query($from: Date!, $to: Date!) { substitutions(from: $from, to: $to) "
        "{ lesson { id schoolClass { id } marks { value } } } }",
        "substitute",
        **args,
    )
    [line] = data(log)["substitutions"]
    assert line["lesson"]["id"] == world.lesson("lesson_7b")
    assert line["lesson"]["schoolClass"] == {"id": str(world.ids["7Б"])}
    diary = await world.gql(
        "query($s: ID!, $from: Date!, $to: Date!) { diary(studentId: $s, from: $from, to: $to) "
        "{ lessons { id substitution { lesson { id } } } } }",
        "parent",
        s=str(world.ids["student"]),
        **args,
    )
    subs = [
        x["substitution"]
        for day in data(diary)["diary"]
        for x in day["lessons"]
        if x["substitution"]
    ]
    assert subs == [{"lesson": None}]


async def test_two_substitutions_at_once_do_not_book_one_teacher_twice(world: World) -> None:
    await cancel_if_any(world, "lesson_7b")
    await cancel_if_any(world, "lesson_8a_same_slot")
    results = await asyncio.gather(
        record(world, "secretary", "lesson_7b", "substitute"),
        record(world, "deputy", "lesson_8a_same_slot", "substitute"),
    )
    assert sorted(str(code_of(r)) for r in results) == ["CONFLICT", "None"]
