"""Assignments, class-wide marks, their history and a correction of a locked lesson, through the
gateway with the demo logins."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e

LESSONS = """query($from: Date!, $to: Date!) {
  lessons(from: $from, to: $to) { id date number subject { id name } schoolClass { id name } }
}"""
STUDENTS = """query($c: ID!, $s: ID!, $d: Date!) {
  classJournal(schoolClassId: $c, subjectId: $s, from: $d, to: $d) { students { id } }
}"""
TYPES = "{ assignmentTypes { id name weight isDefault } }"
CREATE = """mutation($input: CreateAssignmentInput!) {
  createAssignment(input: $input) { id topic type { name weight } }
}"""
RECORD_MANY = """mutation($input: RecordMarksInput!) {
  recordMarks(input: $input) { id value weight student { id fullName } }
}"""
RECORD = """mutation($input: RecordMarkInput!) { recordMark(input: $input) { id } }"""
DIARY = """query($id: ID!, $d: Date!) {
  diary(studentId: $id, from: $d, to: $d) {
    lessons { id assignments { topic type { name } } marks { id value assignment { topic } } }
  }
}"""
HISTORY = """query($l: ID!) {
  markHistory(lessonId: $l) { markId action valueAfter viaCorrection changedBy { id } }
}"""
REQUEST = """mutation($input: RequestCorrectionInput!) {
  requestCorrection(input: $input) { id status actionLabel }
}"""
DECIDE = """mutation($input: DecideCorrectionInput!) {
  decideCorrection(input: $input) { id status decidedBy { fullName } }
}"""
REQUESTS = "{ correctionRequests(status: PENDING) { id requestedBy { fullName } } }"


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


async def _algebra_7b(gateway: Gateway, start: date, end: date) -> list[dict[str, Any]]:
    result = ok(
        await gateway.as_user(
            "teacher", LESSONS, {"from": start.isoformat(), "to": end.isoformat()}
        )
    )
    return [
        lesson
        for lesson in result["lessons"]
        if lesson["schoolClass"]["name"] == "7Б" and lesson["subject"]["name"] == "алгебра"
    ]


async def _students(gateway: Gateway, lesson: dict[str, Any]) -> list[str]:
    variables = {
        "c": lesson["schoolClass"]["id"],
        "s": lesson["subject"]["id"],
        "d": lesson["date"],
    }
    journal = ok(await gateway.as_user("teacher", STUDENTS, variables))["classJournal"]
    return [s["id"] for s in journal["students"]]


async def test_the_teacher_marks_a_test_for_the_class_and_the_family_reads_it(
    gateway: Gateway,
) -> None:
    today = date.today()
    lessons = await _algebra_7b(gateway, today - timedelta(days=7), today)
    if not lessons:
        pytest.skip("the demo has no 7Б algebra lesson in the last week")
    lesson = lessons[-1]
    types = {t["name"]: t for t in ok(await gateway.as_user("parent", TYPES))["assignmentTypes"]}
    created = ok(
        await gateway.as_user(
            "teacher",
            CREATE,
            {
                "input": {
                    "lessonId": lesson["id"],
                    "typeId": types["контрольная работа"]["id"],
                    "topic": "Контрольная работа по теме «Линейные функции»",
                }
            },
        )
    )["createAssignment"]
    assert created["type"] == {"name": "контрольная работа", "weight": 3}
    student = ok(await gateway.as_user("student", "{ me { person { id } } }"))["me"]["person"]["id"]
    others = [s for s in await _students(gateway, lesson) if s != student][:2]
    entries = [{"studentId": student, "value": 4}] + [{"studentId": s, "value": 5} for s in others]
    saved = ok(
        await gateway.as_user(
            "teacher", RECORD_MANY, {"input": {"assignmentId": created["id"], "marks": entries}}
        )
    )["recordMarks"]
    assert [m["weight"] for m in saved] == [3] * len(entries)
    assert all(m["student"]["fullName"] for m in saved)
    diary = ok(await gateway.as_user("parent", DIARY, {"id": student, "d": lesson["date"]}))
    marks = [
        m for day in diary["diary"] for les in day["lessons"] for m in les["marks"]
        if les["id"] == lesson["id"]
    ]  # fmt: skip
    assert {"id": saved[0]["id"], "value": 4, "assignment": {"topic": created["topic"]}} in marks
    history = ok(await gateway.as_user("zavuch", HISTORY, {"l": lesson["id"]}))["markHistory"]
    assert {h["markId"] for h in history} >= {m["id"] for m in saved}
    # Students do not read the history of marks.
    assert codes(await gateway.as_user("student", HISTORY, {"l": lesson["id"]})) == ["FORBIDDEN"]


async def test_a_locked_lesson_is_corrected_through_the_deputy(gateway: Gateway) -> None:
    today = date.today()
    lessons = await _algebra_7b(gateway, today - timedelta(days=40), today - timedelta(days=11))
    if not lessons:
        pytest.skip("the demo has no locked 7Б algebra lesson")
    lesson = lessons[0]
    [student, *_] = await _students(gateway, lesson)
    refused = await gateway.as_user(
        "teacher",
        RECORD,
        {"input": {"lessonId": lesson["id"], "studentId": student, "value": 5}},
    )
    assert codes(refused) == ["LOCKED"]
    request = ok(
        await gateway.as_user(
            "teacher",
            REQUEST,
            {
                "input": {
                    "lessonId": lesson["id"],
                    "studentId": student,
                    "action": "RECORD_MARK",
                    "value": 5,
                    "reason": "Учащийся переписал работу после болезни.",
                }
            },
        )
    )["requestCorrection"]
    assert (request["status"], request["actionLabel"]) == ("PENDING", "поставить отметку")
    pending = ok(await gateway.as_user("zavuch", REQUESTS))["correctionRequests"]
    assert request["id"] in {r["id"] for r in pending}
    assert all(r["requestedBy"]["fullName"] for r in pending)
    decide = {"input": {"requestId": request["id"], "approve": True}}
    assert codes(await gateway.as_user("teacher", DECIDE, decide)) == ["FORBIDDEN"]
    decided = ok(await gateway.as_user("zavuch", DECIDE, decide))["decideCorrection"]
    assert decided["status"] == "APPROVED" and decided["decidedBy"]["fullName"]
    history = ok(await gateway.as_user("teacher", HISTORY, {"l": lesson["id"]}))["markHistory"]
    assert any(h["viaCorrection"] and h["valueAfter"] == 5 for h in history)
