"""The timetable through the gateway on the demo school: the academic secretary sets bells and a
weekly slot and generates the lessons, the class teacher plans a class event, families read them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.people.demo import QUARTERS
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import LAST_DAY

pytestmark = pytest.mark.e2e

ME = "{ me { person { id } } }"
LOAD = """query($t: ID) {
  teachingLoad(teacherId: $t) { schoolClass { id name } subject { id name } }
}"""
BELLS = """mutation($lessons: [BellInput!]!) {
  setBellSchedule(input: {lessons: $lessons}) { number startsAt endsAt }
}"""
ENTRY = """mutation($input: SetTimetableEntryInput!) {
  setTimetableEntry(input: $input) { id weekday number room startsAt subject { name } }
}"""
REMOVE_ENTRY = "mutation($id: ID!) { removeTimetableEntry(id: $id) }"
TIMETABLE = """query($on: Date!, $c: ID) {
  timetable(on: $on, schoolClassId: $c) {
    id weekday number room startsAt endsAt subject { name } teacher { id }
  }
}"""
GENERATE = """mutation($input: GenerateLessonsInput!) {
  generateLessons(input: $input) { created kept days }
}"""
LESSONS = """query($from: Date!, $to: Date!) {
  lessons(from: $from, to: $to) { id date number room startsAt schoolClass { name } }
}"""
CLASS_EVENT = """mutation($input: ScheduleClassEventInput!) {
  scheduleClassEvent(input: $input) { id title kindLabel }
}"""
CLASS_EVENTS = """query($c: ID!, $from: Date!, $to: Date!) {
  classEvents(schoolClassId: $c, from: $from, to: $to) { id title }
}"""
BELL_TIMES = [
    {"number": n, "startsAt": f"{7 + n:02d}:00:00", "endsAt": f"{7 + n:02d}:40:00"}
    for n in range(1, 10)
]


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


def free_study_week() -> date:
    """A Monday after the demo's lessons whose whole week lies inside one study period."""
    day = max(date.today(), LAST_DAY) + timedelta(days=7)
    day += timedelta(days=(8 - day.isoweekday()) % 7)
    while not any(a <= day and day + timedelta(days=5) <= b for _, a, b in QUARTERS):
        day += timedelta(days=7)
        assert day < QUARTERS[-1][2], "no study week left in the demo's year"
    return day


async def test_the_secretary_builds_a_week_families_and_the_class_teacher_read_it(
    gateway: Gateway,
) -> None:
    teacher_id = ok(await gateway.as_user("teacher", ME))["me"]["person"]["id"]
    load = ok(await gateway.as_user("teacher", LOAD))["teachingLoad"]
    algebra_7b = next(
        x for x in load if x["schoolClass"]["name"] == "7Б" and x["subject"]["name"] == "алгебра"
    )
    algebra_8a = next(
        x for x in load if x["schoolClass"]["name"] == "8А" and x["subject"]["name"] == "алгебра"
    )
    class_7b = algebra_7b["schoolClass"]["id"]
    monday = free_study_week()
    week = {"from": monday.isoformat(), "to": (monday + timedelta(days=5)).isoformat()}

    assert codes(await gateway.as_user("teacher", BELLS, {"lessons": BELL_TIMES})) == ["FORBIDDEN"]
    ok(await gateway.as_user("secretary", BELLS, {"lessons": BELL_TIMES}))

    slot = {
        "schoolClassId": class_7b,
        "weekday": 1,
        "number": 9,
        "subjectId": algebra_7b["subject"]["id"],
        "teacherId": teacher_id,
        "room": "214",
        "validFrom": week["from"],
        "validTo": week["to"],
    }
    assert codes(await gateway.as_user("teacher", ENTRY, {"input": slot})) == ["FORBIDDEN"]
    entry = ok(await gateway.as_user("secretary", ENTRY, {"input": slot}))["setTimetableEntry"]
    assert entry["startsAt"] == "16:00:00" and entry["subject"]["name"] == "алгебра"
    clash = {**slot, "schoolClassId": algebra_8a["schoolClass"]["id"]}
    refused = await gateway.as_user("secretary", ENTRY, {"input": clash})
    assert codes(refused) == ["CONFLICT"] and "7Б" in refused["errors"][0]["message"]

    for reader in ("klassruk", "student", "parent"):
        timetable = ok(
            await gateway.as_user(reader, TIMETABLE, {"on": week["from"], "c": class_7b})
        )
        assert entry["id"] in {e["id"] for e in timetable["timetable"]}, reader

    generated = ok(
        await gateway.as_user("secretary", GENERATE, {"input": {"schoolClassId": class_7b, **week}})
    )["generateLessons"]
    # The demo's own weekly timetable fills the rest of the week too.
    assert generated["created"] >= 1 and generated["days"] == 6
    again = ok(
        await gateway.as_user("secretary", GENERATE, {"input": {"schoolClassId": class_7b, **week}})
    )["generateLessons"]
    assert again["created"] == 0 and again["kept"] == generated["created"]
    lessons = ok(await gateway.as_user("teacher", LESSONS, week))["lessons"]
    [lesson] = [x for x in lessons if x["number"] == 9]
    assert lesson["date"] == week["from"] and lesson["room"] == "214"
    assert lesson["startsAt"] == "16:00:00" and lesson["schoolClass"]["name"] == "7Б"

    ok(await gateway.as_user("secretary", REMOVE_ENTRY, {"id": entry["id"]}))


async def test_the_class_teacher_plans_an_event_only_for_her_class(gateway: Gateway) -> None:
    classes = ok(await gateway.as_user("zavuch", "{ schoolClasses { id name } }"))
    by_name = {c["name"]: c["id"] for c in classes["schoolClasses"]}
    day = date.today() + timedelta(days=3)
    event = {
        "schoolClassId": by_name["7Б"],
        "kind": "PARENT_MEETING",
        "title": "Родительское собрание по итогам четверти",
        "startsOn": day.isoformat(),
        "endsOn": day.isoformat(),
        "startsAt": "18:30:00",
        "place": "кабинет 214",
    }
    planned = ok(await gateway.as_user("klassruk", CLASS_EVENT, {"input": event}))
    assert planned["scheduleClassEvent"]["kindLabel"] == "родительское собрание"
    foreign = {**event, "schoolClassId": by_name["8А"]}
    assert codes(await gateway.as_user("klassruk", CLASS_EVENT, {"input": foreign})) == [
        "FORBIDDEN"
    ]
    window = {"c": by_name["7Б"], "from": day.isoformat(), "to": day.isoformat()}
    for reader in ("parent", "student"):
        events = ok(await gateway.as_user(reader, CLASS_EVENTS, window))["classEvents"]
        assert planned["scheduleClassEvent"]["id"] in {e["id"] for e in events}, reader
