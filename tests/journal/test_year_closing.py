"""Closing the year: refused while marks are missing, then closed and read-only from then on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.journal.periods_world import (
    LESSON_DAY,
    RECORD,
    PeriodsWorld,
    code_of,
    data,
    periods_world,
)
from tests.support import Infra, eventually

CHECK = """query($y: ID!) {
  yearClosingCheck(academicYearId: $y) {
    schoolClassName subject { id name } student { id } studentName studyPeriodId studyPeriodName
  }
}"""
CLOSE = """mutation($y: ID!) {
  closeYear(input: {academicYearId: $y}) {
    academicYearId closedBy { id } studentsCount studentsWithDebt
  }
}"""
OWN = """query($s: ID!, $y: ID!) {
  periodMarks(studentId: $s, academicYearId: $y) { id kind subject { name } }
}"""
REMOVE = "mutation($id: ID!) { removePeriodMark(input: {periodMarkId: $id}) }"
TOPIC = """mutation($l: ID!) {
  setLessonTopic(input: {lessonId: $l, topic: "Квадратные уравнения"}) { id }
}"""

# Who teaches what: 7Б алгебра (teacher), 7Б русский язык (klassruk), 8А алгебра (other_teacher).
LOADS = (
    ("teacher", "алгебра", ("student", "classmate")),
    ("klassruk", "русский язык", ("student", "classmate")),
    ("other_teacher", "алгебра", ("other_student",)),
)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[PeriodsWorld]:
    async with periods_world(infra) as w:
        yield w


async def _fill(world: PeriodsWorld, *, skip_year_of: str | None = None) -> None:
    ids = world.ids
    for teacher, subject, students in LOADS:
        for student in students:
            for period in ("term1", "term2"):
                data(
                    await world.set_mark(
                        teacher,
                        studentId=ids[student],
                        subjectId=ids[subject],
                        kind="TERM",
                        studyPeriodId=ids[period],
                        value=4,
                    )
                )
            if student == skip_year_of:
                continue
            year: dict[str, Any] = {"value": 4}
            if (student, subject) == ("classmate", "алгебра"):
                year = {"value": 2}
            elif student == "other_student":
                year = {"special": "NOT_ATTESTED"}
            data(
                await world.set_mark(
                    teacher,
                    studentId=ids[student],
                    subjectId=ids[subject],
                    kind="YEAR",
                    academicYearId=ids["year"],
                    **year,
                )
            )


async def test_check_lists_every_missing_term_and_year_mark(world: PeriodsWorld) -> None:
    missing = data(await world.gql(CHECK, "admin", y=str(world.ids["year"])))["yearClosingCheck"]
    # 5 student-subject pairs × (2 terms + the year)
    assert len(missing) == 15
    first = missing[0]
    assert first["schoolClassName"] == "7Б" and first["studyPeriodName"] == "I полугодие"
    assert {m["studyPeriodName"] for m in missing} == {"I полугодие", "II полугодие", "год"}
    assert code_of(await world.gql(CHECK, "teacher", y=str(world.ids["year"]))) == "FORBIDDEN"


async def test_a_teacher_cannot_close_the_year(world: PeriodsWorld) -> None:
    for who in ("teacher", "klassruk", "secretary"):
        assert code_of(await world.gql(CLOSE, who, y=str(world.ids["year"]))) == "FORBIDDEN"


async def test_closing_is_refused_while_marks_are_missing_naming_them(world: PeriodsWorld) -> None:
    await _fill(world, skip_year_of="classmate")
    result = await world.gql(CLOSE, "admin", y=str(world.ids["year"]))
    assert code_of(result) == "CONFLICT"
    [error] = result["errors"]
    assert "не выставлено итоговых отметок — 2" in error["message"]
    assert "7Б" in error["message"] and "Борисов" in error["message"]
    missing = error["extensions"]["missing"]
    assert {(m["subject"], m["studyPeriod"]) for m in missing} == {
        ("алгебра", "год"),
        ("русский язык", "год"),
    }
    assert all(m["studentId"] == str(world.ids["classmate"]) for m in missing)


async def test_the_year_closes_once_every_mark_is_in_and_results_are_published(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    await _fill(world)
    assert data(await world.gql(CHECK, "admin", y=str(ids["year"])))["yearClosingCheck"] == []
    closing = data(await world.gql(CLOSE, "quality", y=str(ids["year"])))["closeYear"]
    assert closing["closedBy"] == {"id": str(ids["quality"])}
    assert (closing["studentsCount"], closing["studentsWithDebt"]) == (3, 2)

    async def published() -> list[dict[str, Any]]:
        return world.published("journal.year.closed")

    [event] = await eventually(published)
    p = event["payload"]
    assert p["academic_year_id"] == str(ids["year"]) and p["closed_by"] == str(ids["quality"])
    results = {r["student_id"]: r for r in p["results"]}
    assert results[str(ids["student"])]["failed_subject_ids"] == []
    assert results[str(ids["classmate"])]["failed_subject_ids"] == [str(ids["алгебра"])]
    assert results[str(ids["classmate"])]["school_class_id"] == str(ids["7Б"])
    assert results[str(ids["other_student"])]["not_attested_subject_ids"] == [str(ids["алгебра"])]
    assert p["subject_names"][str(ids["алгебра"])] == "алгебра"

    again = await world.gql(CLOSE, "admin", y=str(ids["year"]))
    assert code_of(again) == "CONFLICT"


async def test_writes_into_a_closed_year_are_locked(world: PeriodsWorld) -> None:
    ids = world.ids
    period_mark = await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=5,
    )
    assert code_of(period_mark) == "LOCKED"
    assert period_mark["errors"][0]["extensions"]["reason"] == "year_closed"
    mark = await world.gql(RECORD, "teacher", l=str(ids["lesson_7b"]), s=str(ids["student"]), v=5)
    assert code_of(mark) == "LOCKED"
    assert code_of(await world.gql(TOPIC, "teacher", l=str(ids["lesson_7b"]))) == "LOCKED"
    marks = data(await world.gql(OWN, "admin", s=str(ids["student"]), y=str(ids["year"])))
    year_mark = next(
        m for m in marks["periodMarks"] if m["kind"] == "YEAR" and m["subject"]["name"] == "алгебра"
    )
    assert code_of(await world.gql(REMOVE, "teacher", id=year_mark["id"])) == "LOCKED"
    # A foreign teacher is still told FORBIDDEN first, not what the year's state is.
    foreign = await world.set_mark(
        "teacher",
        studentId=ids["other_student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=5,
    )
    assert code_of(foreign) == "FORBIDDEN"


SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id
  }
}"""
ENTRY = """mutation($input: SetTimetableEntryInput!) { setTimetableEntry(input: $input) { id } }"""
GENERATE = """mutation($from: Date!, $to: Date!) {
  generateLessons(input: {from: $from, to: $to}) { created days }
}"""


async def test_no_lesson_is_added_to_a_closed_year(world: PeriodsWorld) -> None:
    ids = world.ids
    lesson = await world.gql(
        SCHEDULE,
        "secretary",
        c=str(ids["7Б"]),
        s=str(ids["алгебра"]),
        t=str(ids["teacher"]),
        d=LESSON_DAY.isoformat(),
        n=7,
    )
    assert code_of(lesson) == "LOCKED"
    # A timetable slot on that weekday makes no lesson either: the year's days are closed.
    if LESSON_DAY.isoweekday() == 7:  # no lessons on Sundays anyway
        return
    day = LESSON_DAY.isoformat()
    slot = {
        "schoolClassId": str(ids["7Б"]),
        "weekday": LESSON_DAY.isoweekday(),
        "number": 8,
        "subjectId": str(ids["алгебра"]),
        "teacherId": str(ids["teacher"]),
        "validFrom": day,
        "validTo": day,
    }
    data(await world.gql(ENTRY, "secretary", input=slot))
    generated = data(await world.gql(GENERATE, "secretary", **{"from": day, "to": day}))
    assert generated["generateLessons"]["created"] == 0
