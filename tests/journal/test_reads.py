"""The diary and the class journal: who reads them, any year, subgroups, events, averages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from services.journal.models import EnrolmentHistory
from services.kernel.roles import Role
from tests.journal.reads_world import (
    PAST_LESSON,
    TODAY,
    YEAR_STARTS,
    ReadsWorld,
    day,
    reads_world,
)
from tests.journal.roster import envelope, publish
from tests.support import Infra, eventually

DIARY = """query($s: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $s, from: $from, to: $to) {
    date
    lessons { id number topic homework subject { name } marks { value weight } attendance { code } }
    classEvents { title kind kindLabel }
    debts { assignmentId topic typeName dueOn lesson { id } subject { name } student { id } }
  }
}"""
JOURNAL = """query($c: ID!, $s: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $c, subjectId: $s, from: $from, to: $to) {
    students { id }
    lessons { id date topic homework marks { value student { id } } }
    rows { student { id } average debts { assignmentId dueOn lesson { id } } }
  }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[ReadsWorld]:
    async with reads_world(infra) as w:
        yield w


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


async def diary_of(world: ReadsWorld, student: str, reader: str, start: Any, end: Any) -> Any:
    result = await world.gql(
        DIARY,
        reader,
        s=str(world.ids[student]),
        **{"from": start.isoformat(), "to": end.isoformat()},
    )
    return data(result)["diary"]


def lesson_ids(days: list[dict[str, Any]]) -> set[str]:
    return {lesson["id"] for d in days for lesson in d["lessons"]}


async def journal(world: ReadsWorld, reader: str, cls: str, subject: str, start: Any, end: Any):
    return await world.gql(
        JOURNAL,
        reader,
        c=str(world.ids[cls]),
        s=str(world.ids[subject]),
        **{"from": start.isoformat(), "to": end.isoformat()},
    )


# --- the diary ------------------------------------------------------------------------------------


async def test_the_diary_shows_the_students_lessons_events_and_debts(world: ReadsWorld) -> None:
    for reader in ("student", "parent"):
        days = await diary_of(world, "student", reader, day(-6), TODAY)
        by_date = {d["date"]: d for d in days}
        assert list(by_date) == [day(-6).isoformat(), day(-5).isoformat(), day(-2).isoformat()]
        # A day with no lessons but with the class's meeting is in the diary.
        assert by_date[day(-6).isoformat()]["lessons"] == []
        assert [e["title"] for e in by_date[day(-6).isoformat()]["classEvents"]] == [
            "Родительское собрание"
        ]
        early = by_date[day(-5).isoformat()]
        assert early["classEvents"] == []  # the cancelled meeting is not shown
        algebra = next(x for x in early["lessons"] if x["subject"]["name"] == "алгебра")
        assert algebra["topic"] == "Тема algebra_7b_early"
        assert algebra["homework"] == "Задание algebra_7b_early"
        assert algebra["marks"] == [{"value": 5, "weight": 1}]
        [debt] = early["debts"]
        assert debt["assignmentId"] == str(world.ids["overdue"])
        assert debt["typeName"] == "самостоятельная работа"
        assert debt["dueOn"] == day(-1).isoformat()
        assert debt["lesson"]["id"] == str(world.ids["algebra_7b_early"])
        assert debt["subject"]["name"] == "алгебра"


async def test_the_diary_skips_cancelled_lessons(world: ReadsWorld) -> None:
    days = await diary_of(world, "student", "student", day(-6), TODAY)
    assert str(world.ids["algebra_7b_cancelled"]) not in lesson_ids(days)


async def test_the_diary_shows_the_whole_class_and_the_students_own_subgroup(
    world: ReadsWorld,
) -> None:
    own = lesson_ids(await diary_of(world, "student", "student", day(-6), TODAY))
    assert str(world.ids["english_group1"]) in own
    assert str(world.ids["english_group2"]) not in own
    classmate = lesson_ids(await diary_of(world, "classmate", "classmate", day(-6), TODAY))
    assert str(world.ids["english_group2"]) in classmate
    assert str(world.ids["english_group1"]) not in classmate
    assert str(world.ids["algebra_7b_early"]) in classmate


async def test_the_diary_follows_a_transfer_day_by_day(world: ReadsWorld) -> None:
    days = await diary_of(world, "mover", "mover", day(-6), TODAY)
    seen = lesson_ids(days)
    assert str(world.ids["algebra_7b_early"]) in seen  # before the transfer: 7Б
    assert str(world.ids["algebra_8a_late"]) in seen  # after it: 8А
    assert str(world.ids["algebra_7b_late"]) not in seen
    assert str(world.ids["algebra_8a_early"]) not in seen
    events = {d["date"]: [e["title"] for e in d["classEvents"]] for d in days}
    # 8А's meeting runs over six days; the mover sees it only from the day they came.
    assert "Собрание 8А" not in events.get(day(-4).isoformat(), [])
    assert "Собрание 8А" in events[day(-2).isoformat()]
    assert events[day(-6).isoformat()] == ["Родительское собрание"]


async def test_a_past_years_diary_shows_the_class_the_student_was_in_then(
    world: ReadsWorld,
) -> None:
    days = await diary_of(
        world, "student", "parent", PAST_LESSON - timedelta(days=3), PAST_LESSON + timedelta(days=3)
    )
    [past] = days
    assert past["date"] == PAST_LESSON.isoformat()
    [lesson] = past["lessons"]
    assert lesson["id"] == str(world.ids["algebra_6b_past"])
    assert lesson["marks"] == [{"value": 4, "weight": 1}]


async def test_the_director_and_deputies_read_any_students_diary_of_their_school(
    world: ReadsWorld,
) -> None:
    director = world.roster.principal(uuid4(), Role.DIRECTOR)
    week = (day(-6), TODAY)
    own = lesson_ids(await diary_of(world, "student", "student", *week))
    assert own
    assert lesson_ids(await diary_of(world, "student", director, *week)) == own
    assert lesson_ids(await diary_of(world, "student", "deputy", *week)) == own


async def test_another_schools_director_reads_no_diary_as_if_the_student_did_not_exist(
    world: ReadsWorld,
) -> None:
    stranger = replace(world.roster.principal(uuid4(), Role.DIRECTOR), school_id=uuid4())
    span = {"from": str(day(-6)), "to": str(TODAY)}
    foreign = await world.gql(DIARY, stranger, s=str(world.ids["student"]), **span)
    missing = await world.gql(DIARY, stranger, s=str(uuid4()), **span)
    assert foreign == missing == {"data": {"diary": []}}  # a list: as for no such student


async def test_teachers_cannot_read_a_diary(world: ReadsWorld) -> None:
    for reader in ("klassruk", "teacher", "other_teacher"):
        result = await world.gql(
            DIARY, reader, s=str(world.ids["student"]), **{"from": str(day(-6)), "to": str(TODAY)}
        )
        assert code_of(result) == "FORBIDDEN", reader  # the role has no diary at all


async def test_another_family_cannot_read_a_diary(world: ReadsWorld) -> None:
    for reader in ("other_parent", "classmate"):
        result = await world.gql(
            DIARY, reader, s=str(world.ids["student"]), **{"from": str(day(-6)), "to": str(TODAY)}
        )
        assert result == {"data": {"diary": []}}, reader  # a list: as for no such student


async def test_a_diary_longer_than_a_month_is_refused(world: ReadsWorld) -> None:
    result = await world.gql(
        DIARY, "student", s=str(world.ids["student"]), **{"from": str(day(-40)), "to": str(TODAY)}
    )
    assert code_of(result) == "VALIDATION"


# --- the class journal ----------------------------------------------------------------------------


async def test_the_class_journal_lists_students_lessons_averages_and_debts(
    world: ReadsWorld,
) -> None:
    ids = world.ids
    for reader in ("teacher", "klassruk", "deputy"):
        page = data(await journal(world, reader, "7Б", "алгебра", day(-6), TODAY))["classJournal"]
        # The mover was in 7Б on some days of the range: still on this page.
        assert {s["id"] for s in page["students"]} == {
            str(ids["student"]),
            str(ids["classmate"]),
            str(ids["mover"]),
        }
        assert [x["id"] for x in page["lessons"]] == [
            str(ids["algebra_7b_early"]), str(ids["algebra_7b_late"])
        ]  # fmt: skip
        rows = {r["student"]["id"]: r for r in page["rows"]}
        assert rows[str(ids["student"])]["average"] == 3.5  # (5·1 + 3·3) / 4
        assert rows[str(ids["mover"])]["average"] is None
        assert [d["assignmentId"] for d in rows[str(ids["student"])]["debts"]] == [
            str(ids["overdue"])
        ]
        assert rows[str(ids["mover"])]["debts"] == []  # left before the due date


async def test_a_subgroup_teacher_sees_only_their_subgroup(world: ReadsWorld) -> None:
    page = data(await journal(world, "group_teacher", "7Б", "английский язык", day(-6), TODAY))[
        "classJournal"
    ]
    assert [s["id"] for s in page["students"]] == [str(world.ids["student"])]
    assert [x["id"] for x in page["lessons"]] == [str(world.ids["english_group1"])]


async def test_a_substitute_reads_the_class_journal_of_the_range_they_substituted_in(
    world: ReadsWorld,
) -> None:
    data(await journal(world, "substitute", "7Б", "алгебра", day(-6), TODAY))
    result = await journal(world, "substitute", "7Б", "алгебра", day(-1), TODAY)
    assert code_of(result) == "FORBIDDEN"


async def test_a_teacher_of_another_class_or_subject_cannot_read_the_class_journal(
    world: ReadsWorld,
) -> None:
    for reader, subject in (("other_teacher", "алгебра"), ("group_teacher", "алгебра")):
        result = await journal(world, reader, "7Б", subject, day(-6), TODAY)
        assert code_of(result) == "FORBIDDEN", reader
    for reader in ("student", "parent"):
        result = await journal(world, reader, "7Б", "алгебра", day(-6), TODAY)
        assert code_of(result) == "FORBIDDEN", reader


async def test_a_past_class_journal_lists_the_students_enrolled_then(world: ReadsWorld) -> None:
    start, end = PAST_LESSON - timedelta(days=3), PAST_LESSON + timedelta(days=3)
    page = data(await journal(world, "teacher", "6Б", "алгебра", start, end))["classJournal"]
    assert [s["id"] for s in page["students"]] == [str(world.ids["student"])]
    assert [x["id"] for x in page["lessons"]] == [str(world.ids["algebra_6b_past"])]
    assert page["rows"][0]["average"] == 4.0
    # 7Б then had none of today's students.
    page = data(await journal(world, "teacher", "7Б", "алгебра", start, end))["classJournal"]
    assert page["students"] == []


async def test_a_departed_student_stays_on_the_class_journal_of_the_days_they_were_there(
    world: ReadsWorld,
) -> None:
    r, person_id = world.roster, uuid4()
    person = {"person_id": person_id, "school_id": r.school_id, "school_class_id": world.ids["7Б"]}
    await publish(
        world.svc.runtime.extras["nats"],
        world.svc.settings.namespace,
        [
            envelope(
                "people.person.registered",
                r.school_id,
                {
                    "person_id": person_id,
                    "school_id": r.school_id,
                    "kind": "student",
                    "last_name": "Уехавший",
                    "first_name": "Иван",
                },
            ),
            envelope(
                "people.student.enrolled",
                r.school_id,
                {**person, "enrolled_on": YEAR_STARTS.isoformat()},
            ),
            envelope(
                "people.student.left",
                r.school_id,
                {
                    **person,
                    "left_on": day(-1).isoformat(),
                    "kind": "departure",
                    "destination_school_id": None,
                    "destination_school_name": "СОШ № 2",
                    "order_number": "12-у",
                    "order_date": day(-2).isoformat(),
                },
            ),
        ],
    )

    async def left() -> bool:
        async with world.svc.runtime.db.sessionmaker() as s:
            return bool(
                await s.scalar(
                    select(EnrolmentHistory.left_on).where(EnrolmentHistory.person_id == person_id)
                )
            )

    await eventually(left)
    week = data(await journal(world, "teacher", "7Б", "алгебра", day(-6), TODAY))["classJournal"]
    assert str(person_id) in {s["id"] for s in week["students"]}
    today = data(await journal(world, "teacher", "7Б", "алгебра", TODAY, TODAY))["classJournal"]
    assert str(person_id) not in {s["id"] for s in today["students"]}
