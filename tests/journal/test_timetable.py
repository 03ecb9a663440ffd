"""The bells, the weekly timetable, lessons generated from it, one-off changes and cancels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import event

from services.journal.domain.timetable import study_days
from tests.journal.school import (
    HOLIDAY,
    LOAD,
    PERIOD_1_ENDS,
    PERIOD_2_STARTS,
    TODAY,
    YEAR_ENDS,
    YEAR_STARTS,
    School,
    code_of,
    data,
    message_of,
    next_weekday,
    open_school,
)
from tests.support import Infra

BELLS = """mutation($lessons: [BellInput!]!) {
  setBellSchedule(input: {lessons: $lessons}) { number startsAt endsAt }
}"""
READ_BELLS = "{ bellSchedule { number startsAt endsAt } }"
ENTRY = """mutation($c: ID!, $w: Int!, $n: Int!, $s: ID!, $t: ID!, $g: ID, $r: String,
                   $from: Date!, $to: Date!) {
  setTimetableEntry(input: {schoolClassId: $c, weekday: $w, number: $n, subjectId: $s,
                            teacherId: $t, subgroupId: $g, room: $r, validFrom: $from,
                            validTo: $to}) {
    id weekday number room subgroupId subject { name } teacher { id } startsAt endsAt
  }
}"""
REMOVE_ENTRY = "mutation($id: ID!) { removeTimetableEntry(id: $id) }"
TIMETABLE = """query($on: Date!, $c: ID, $t: ID) {
  timetable(on: $on, schoolClassId: $c, teacherId: $t) {
    id weekday number room subject { name } teacher { id } subgroupId
  }
}"""
GENERATE = """mutation($c: ID, $from: Date!, $to: Date!) {
  generateLessons(input: {schoolClassId: $c, from: $from, to: $to}) { created kept days }
}"""
LESSONS = """query($c: ID, $from: Date!, $to: Date!) {
  lessons(schoolClassId: $c, from: $from, to: $to) {
    id date number room cancelled startsAt endsAt subject { name } teacher { id }
  }
}"""
SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id date number
  }
}"""
CHANGE = """mutation($l: ID!, $d: Date, $n: Int, $t: ID, $r: String) {
  changeLesson(input: {lessonId: $l, date: $d, number: $n, teacherId: $t, room: $r}) {
    id date number room teacher { id }
  }
}"""
CANCEL = """mutation($l: ID!, $r: String!) {
  cancelLesson(input: {lessonId: $l, reason: $r}) { id cancelled cancelReason }
}"""
ABSENT = """mutation($l: ID!, $s: ID!) {
  markAbsent(input: {lessonId: $l, studentId: $s, code: ABSENT}) { id }
}"""
DEFAULT_BELLS = [
    {"number": 1, "startsAt": "08:30:00", "endsAt": "09:10:00"},
    {"number": 2, "startsAt": "09:20:00", "endsAt": "10:00:00"},
    {"number": 3, "startsAt": "10:15:00", "endsAt": "10:55:00"},
    {"number": 4, "startsAt": "11:10:00", "endsAt": "11:50:00"},
]


@pytest.fixture(scope="module")
async def school(infra: Infra) -> AsyncIterator[School]:
    async with open_school(infra) as s:
        data(await s.gql(BELLS, "secretary", lessons=DEFAULT_BELLS))
        yield s


async def set_entry(
    school: School,
    as_: str,
    school_class: str,
    weekday: int,
    number: int,
    subject: str,
    teacher: str,
    subgroup: str | None = None,
    room: str | None = None,
    valid_from: date = YEAR_STARTS,
    valid_to: date = YEAR_ENDS,
) -> dict[str, Any]:
    return await school.gql(
        ENTRY,
        as_,
        c=str(school.ids[school_class]),
        w=weekday,
        n=number,
        s=str(school.ids[subject]),
        t=str(school.ids[teacher]),
        g=str(school.ids[subgroup]) if subgroup else None,
        r=room,
        **{"from": valid_from.isoformat(), "to": valid_to.isoformat()},
    )


# --- bells -----------------------------------------------------------------------------------


async def test_anyone_of_the_school_reads_the_bells_the_secretary_set(school: School) -> None:
    for reader in ("student", "parent", "teacher"):
        bells = data(await school.gql(READ_BELLS, reader))["bellSchedule"]
        assert [b["number"] for b in bells] == [1, 2, 3, 4]
        assert bells[0] == {"number": 1, "startsAt": "08:30:00", "endsAt": "09:10:00"}
    event = await school.event("journal.bell_schedule.set", school_id=str(school.roster.school_id))
    assert event["payload"]["lessons"][1] == {
        "number": 2,
        "starts_at": "09:20:00",
        "ends_at": "10:00:00",
    }


async def test_a_teacher_cannot_set_the_bells(school: School) -> None:
    assert code_of(await school.gql(BELLS, "teacher", lessons=DEFAULT_BELLS)) == "FORBIDDEN"


async def test_overlapping_bells_are_refused(school: School) -> None:
    lessons = [
        {"number": 1, "startsAt": "08:30:00", "endsAt": "09:10:00"},
        {"number": 2, "startsAt": "09:00:00", "endsAt": "09:40:00"},
    ]
    result = await school.gql(BELLS, "secretary", lessons=lessons)
    assert code_of(result) == "VALIDATION"
    assert len(data(await school.gql(READ_BELLS, "student"))["bellSchedule"]) == 4


# --- the weekly timetable --------------------------------------------------------------------


async def test_the_secretary_sets_a_slot_with_its_bell_times(school: School) -> None:
    entry = data(await set_entry(school, "secretary", "7Б", 1, 1, "алгебра", "teacher", room="12"))
    entry = entry["setTimetableEntry"]
    assert entry["subject"] == {"name": "алгебра"} and entry["room"] == "12"
    assert (entry["startsAt"], entry["endsAt"]) == ("08:30:00", "09:10:00")
    event = await school.event("journal.timetable_entry.set", timetable_entry_id=entry["id"])
    assert event["payload"]["teacher_id"] == str(school.ids["teacher"])
    assert event["payload"]["weekday"] == 1


async def test_a_teacher_cannot_set_the_timetable(school: School) -> None:
    result = await set_entry(school, "teacher", "7Б", 1, 4, "алгебра", "teacher")
    assert code_of(result) == "FORBIDDEN"


async def test_another_schools_secretary_does_not_find_the_class(school: School) -> None:
    result = await set_entry(school, "alien_secretary", "7Б", 1, 4, "алгебра", "teacher")
    assert code_of(result) == "NOT_FOUND"


async def test_a_teacher_cannot_be_in_two_classes_at_once(school: School) -> None:
    data(await set_entry(school, "secretary", "7Б", 2, 1, "алгебра", "teacher"))
    data(
        await school.gql(
            LOAD,
            "deputy",
            t=str(school.ids["teacher"]),
            c=str(school.ids["8А"]),
            s=str(school.ids["алгебра"]),
        )
    )
    result = await set_entry(school, "secretary", "8А", 2, 1, "алгебра", "teacher")
    assert code_of(result) == "CONFLICT"
    assert "7Б" in message_of(result) and "Учителев" in message_of(result)


async def test_a_class_slot_taken_by_another_subject_is_refused(school: School) -> None:
    data(await set_entry(school, "secretary", "7Б", 3, 1, "алгебра", "teacher"))
    result = await set_entry(school, "secretary", "7Б", 3, 1, "русский язык", "klassruk")
    assert code_of(result) == "CONFLICT"
    assert "алгебра" in message_of(result) and "Учителев" in message_of(result)


async def test_slots_that_do_not_overlap_in_dates_do_not_clash(school: School) -> None:
    middle = TODAY + timedelta(days=30)
    data(await set_entry(school, "secretary", "7Б", 6, 1, "алгебра", "teacher", valid_to=middle))
    later = await set_entry(
        school,
        "secretary",
        "7Б",
        6,
        1,
        "русский язык",
        "klassruk",
        valid_from=middle + timedelta(1),
    )
    data(later)


async def test_subgroups_of_one_subject_share_a_slot_but_not_twice(school: School) -> None:
    data(await set_entry(school, "secretary", "7Б", 4, 2, "английский язык", "english1", "group1"))
    data(await set_entry(school, "secretary", "7Б", 4, 2, "английский язык", "english2", "group2"))
    data(
        await school.gql(
            LOAD,
            "deputy",
            t=str(school.ids["klassruk"]),
            c=str(school.ids["7Б"]),
            s=str(school.ids["английский язык"]),
        )
    )
    twice = await set_entry(
        school, "secretary", "7Б", 4, 2, "английский язык", "klassruk", "group1"
    )
    assert code_of(twice) == "CONFLICT"
    whole_class = await set_entry(school, "secretary", "7Б", 4, 2, "английский язык", "klassruk")
    assert code_of(whole_class) == "CONFLICT"


async def test_a_teacher_without_the_load_is_refused(school: School) -> None:
    result = await set_entry(school, "secretary", "7Б", 5, 3, "алгебра", "other_teacher")
    assert code_of(result) == "VALIDATION"
    assert "нагрузки" in message_of(result)


async def test_a_subgroup_of_another_subject_is_refused(school: School) -> None:
    result = await set_entry(school, "secretary", "7Б", 5, 3, "алгебра", "teacher", "group1")
    assert code_of(result) == "VALIDATION"


async def test_students_and_parents_read_their_class_timetable(school: School) -> None:
    data(await set_entry(school, "secretary", "7Б", 5, 4, "русский язык", "klassruk"))
    for reader in ("student", "parent", "klassruk", "other_teacher"):
        entries = data(
            await school.gql(TIMETABLE, reader, on=TODAY.isoformat(), c=str(school.ids["7Б"]))
        )
        assert any(
            e["weekday"] == 5 and e["number"] == 4 and e["subject"]["name"] == "русский язык"
            for e in entries["timetable"]
        ), reader


async def test_a_parent_of_another_class_cannot_read_the_timetable(school: School) -> None:
    result = await school.gql(
        TIMETABLE, "other_parent", on=TODAY.isoformat(), c=str(school.ids["7Б"])
    )
    assert result == {"data": {"timetable": []}}  # a list: as for a class that is not there
    missing = await school.gql(TIMETABLE, "other_parent", on=TODAY.isoformat(), c=str(uuid4()))
    assert missing == result


async def test_a_teachers_timetable_is_for_staff_only(school: School) -> None:
    teacher = str(school.ids["teacher"])
    entries = data(await school.gql(TIMETABLE, "secretary", on=TODAY.isoformat(), t=teacher))
    assert entries["timetable"] and all(e["teacher"]["id"] == teacher for e in entries["timetable"])
    result = await school.gql(TIMETABLE, "student", on=TODAY.isoformat(), t=teacher)
    assert result == {"data": {"timetable": []}}


async def test_a_removed_slot_leaves_the_timetable(school: School) -> None:
    entry = data(await set_entry(school, "secretary", "7Б", 1, 3, "русский язык", "klassruk"))
    entry_id = entry["setTimetableEntry"]["id"]
    assert code_of(await school.gql(REMOVE_ENTRY, "teacher", id=entry_id)) == "FORBIDDEN"
    data(await school.gql(REMOVE_ENTRY, "secretary", id=entry_id))
    entries = data(
        await school.gql(TIMETABLE, "secretary", on=TODAY.isoformat(), c=str(school.ids["7Б"]))
    )
    assert entry_id not in {e["id"] for e in entries["timetable"]}
    await school.event("journal.timetable_entry.removed", timetable_entry_id=entry_id)


# --- lessons from the timetable --------------------------------------------------------------


async def test_generation_skips_holidays_and_is_idempotent(school: School) -> None:
    # 8А gets two weekly lessons; the range crosses the holiday week.
    data(await set_entry(school, "secretary", "8А", 2, 3, "алгебра", "other_teacher", room="31"))
    data(await set_entry(school, "secretary", "8А", 4, 4, "алгебра", "other_teacher"))
    start, end = TODAY, PERIOD_2_STARTS + timedelta(days=6)
    periods = [(YEAR_STARTS, PERIOD_1_ENDS), (PERIOD_2_STARTS, YEAR_ENDS)]
    expected = [d for d in study_days(start, end, periods) if d.isoweekday() in (2, 4)]
    window = {"from": start.isoformat(), "to": end.isoformat()}
    c8a = str(school.ids["8А"])

    assert code_of(await school.gql(GENERATE, "teacher", c=c8a, **window)) == "FORBIDDEN"
    first = data(await school.gql(GENERATE, "secretary", c=c8a, **window))["generateLessons"]
    assert first["created"] == len(expected) and first["kept"] == 0
    lessons = data(await school.gql(LESSONS, "secretary", c=c8a, **window))["lessons"]
    dates = sorted(date.fromisoformat(x["date"]) for x in lessons)
    assert dates == expected
    assert not [d for d in dates if HOLIDAY[0] <= d <= HOLIDAY[1]]
    tuesday = next(x for x in lessons if date.fromisoformat(x["date"]).isoweekday() == 2)
    assert tuesday["room"] == "31" and tuesday["startsAt"] == "10:15:00"
    event = await school.event("journal.lesson.scheduled", lesson_id=tuesday["id"])
    assert event["payload"]["room"] == "31" and event["payload"]["subgroup_id"] is None

    again = data(await school.gql(GENERATE, "secretary", c=c8a, **window))["generateLessons"]
    assert again == {"created": 0, "kept": len(expected), "days": first["days"]}
    after = data(await school.gql(LESSONS, "secretary", c=c8a, **window))["lessons"]
    assert {x["id"] for x in after} == {x["id"] for x in lessons}


async def test_subgroup_lessons_are_generated_side_by_side(school: School) -> None:
    thursday = next_weekday(4, PERIOD_2_STARTS)
    window = {"from": thursday.isoformat(), "to": thursday.isoformat()}
    c7b = str(school.ids["7Б"])
    result = data(await school.gql(GENERATE, "secretary", c=c7b, **window))["generateLessons"]
    assert result["created"] >= 2
    lessons = data(await school.gql(LESSONS, "secretary", c=c7b, **window))["lessons"]
    english = [x for x in lessons if x["subject"]["name"] == "английский язык"]
    assert {x["teacher"]["id"] for x in english} == {
        str(school.ids["english1"]),
        str(school.ids["english2"]),
    }


async def generated_8a_lesson(school: School, weekday: int) -> dict[str, Any]:
    day = next_weekday(weekday, PERIOD_2_STARTS)
    window = {"from": day.isoformat(), "to": day.isoformat()}
    data(await school.gql(GENERATE, "secretary", c=str(school.ids["8А"]), **window))
    lessons = data(await school.gql(LESSONS, "secretary", c=str(school.ids["8А"]), **window))
    return lessons["lessons"][0]


async def test_the_secretary_moves_one_lesson_to_a_free_slot(school: School) -> None:
    lesson = await generated_8a_lesson(school, 2)
    assert code_of(await school.gql(CHANGE, "teacher", l=lesson["id"], n=5)) == "FORBIDDEN"
    moved = data(await school.gql(CHANGE, "secretary", l=lesson["id"], n=1, r="40"))
    assert moved["changeLesson"]["number"] == 1 and moved["changeLesson"]["room"] == "40"
    event = await school.event("journal.lesson.changed", lesson_id=lesson["id"])
    assert event["payload"]["number_before"] == 3 and event["payload"]["number"] == 1
    # Its old slot stays free: generating the day again does not put the lesson back.
    window = {"from": lesson["date"], "to": lesson["date"]}
    again = data(await school.gql(GENERATE, "secretary", c=str(school.ids["8А"]), **window))
    assert again["generateLessons"]["created"] == 0


async def test_a_lesson_cannot_be_moved_onto_a_taken_slot(school: School) -> None:
    lesson = await generated_8a_lesson(school, 4)
    day = date.fromisoformat(lesson["date"])
    # The teacher already has 8А's lesson 4 that day; put another 8А lesson at 2 by hand.
    data(
        await school.gql(
            SCHEDULE,
            "secretary",
            c=str(school.ids["8А"]),
            s=str(school.ids["алгебра"]),
            t=str(school.ids["other_teacher"]),
            d=day.isoformat(),
            n=2,
        )
    )
    result = await school.gql(CHANGE, "secretary", l=lesson["id"], n=2)
    assert code_of(result) == "CONFLICT"
    assert "Другов" in message_of(result)


async def test_a_cancelled_lesson_is_no_longer_a_lesson_to_fill(school: School) -> None:
    day = next_weekday(2, PERIOD_2_STARTS) + timedelta(days=7)
    window = {"from": day.isoformat(), "to": day.isoformat()}
    c8a = str(school.ids["8А"])
    data(await school.gql(GENERATE, "secretary", c=c8a, **window))
    [lesson] = data(await school.gql(LESSONS, "secretary", c=c8a, **window))["lessons"]
    assert code_of(await school.gql(CANCEL, "teacher", l=lesson["id"], r="карантин")) == "FORBIDDEN"
    assert code_of(await school.gql(CANCEL, "secretary", l=lesson["id"], r="")) == "VALIDATION"
    cancelled = data(await school.gql(CANCEL, "secretary", l=lesson["id"], r="карантин"))
    assert cancelled["cancelLesson"] == {
        "id": lesson["id"],
        "cancelled": True,
        "cancelReason": "карантин",
    }
    assert data(await school.gql(LESSONS, "secretary", c=c8a, **window))["lessons"] == []
    event = await school.event("journal.lesson.cancelled", lesson_id=lesson["id"])
    assert event["payload"]["reason"] == "карантин"
    again = await school.gql(CANCEL, "secretary", l=lesson["id"], r="карантин")
    assert code_of(again) == "CONFLICT"
    absent = await school.gql(
        ABSENT, "other_teacher", l=lesson["id"], s=str(school.ids["other_student"])
    )
    assert code_of(absent) == "CONFLICT"
    # Generating again keeps the cancelled lesson cancelled instead of adding a new one.
    regenerated = data(await school.gql(GENERATE, "secretary", c=c8a, **window))
    assert regenerated["generateLessons"]["created"] == 0


async def test_a_lesson_with_attendance_cannot_be_cancelled(school: School) -> None:
    yesterday = TODAY - timedelta(days=1)
    lesson = data(
        await school.gql(
            SCHEDULE,
            "secretary",
            c=str(school.ids["7Б"]),
            s=str(school.ids["алгебра"]),
            t=str(school.ids["teacher"]),
            d=yesterday.isoformat(),
            n=7,
        )
    )["scheduleLesson"]
    data(await school.gql(ABSENT, "teacher", l=lesson["id"], s=str(school.ids["student"])))
    result = await school.gql(CANCEL, "secretary", l=lesson["id"], r="болезнь учителя")
    assert code_of(result) == "CONFLICT"


async def test_bell_times_and_slots_of_many_lessons_come_in_one_query_each(school: School) -> None:
    start = next_weekday(1, PERIOD_2_STARTS)
    window = {"from": start.isoformat(), "to": (start + timedelta(days=20)).isoformat()}
    c8a = str(school.ids["8А"])
    data(await school.gql(GENERATE, "secretary", c=c8a, **window))
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = school.svc.runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        lessons = data(await school.gql(LESSONS, "secretary", c=c8a, **window))["lessons"]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(lessons) >= 5 and all(x["startsAt"] for x in lessons)
    assert sum("FROM bell_schedule" in s for s in statements) == 1
    slots = [s for s in statements if "lesson.cancel_reason" in s and "lesson.topic" not in s]
    assert len(slots) == 1
