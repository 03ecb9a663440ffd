"""Rows, not only fields: every journal write aimed at a class the caller does not teach (or
lead) is refused through the gateway, and nothing is written. Such a lesson is one the teacher
does not see, so it answers NOT_FOUND, exactly as a lesson that does not exist."""

from __future__ import annotations

import base64
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import ALL_DAYS, TODAY

pytestmark = pytest.mark.e2e

CLASSES = "{ schoolClasses { id name } }"
SUBJECTS = "{ subjects { id name } }"
LESSONS = """query($from: Date!, $to: Date!, $class: ID) {
  lessons(from: $from, to: $to, schoolClassId: $class) { id date subject { id } }
}"""
JOURNAL = """query($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    students { id }
    lessons { id topic assignments { id } marks { id value } }
  }
}"""
TYPES = "{ assignmentTypes { id } }"
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n").decode()

WRITES: dict[str, str] = {
    "setLessonTopic": """mutation($lesson: ID!) {
      setLessonTopic(input: {lessonId: $lesson, topic: "Чужая тема"}) { id } }""",
    "takeRegister": """mutation($lesson: ID!) {
      takeRegister(input: {lessonId: $lesson, absent: [], late: []}) { takenAt } }""",
    "markAbsent": """mutation($lesson: ID!, $student: ID!) {
      markAbsent(input: {lessonId: $lesson, studentId: $student, code: ABSENT}) { id } }""",
    "clearAttendance": """mutation($lesson: ID!, $student: ID!) {
      clearAttendance(lessonId: $lesson, studentId: $student) }""",
    "recordMark": """mutation($lesson: ID!, $student: ID!) {
      recordMark(input: {lessonId: $lesson, studentId: $student, value: 2}) { id } }""",
    "createAssignment": """mutation($lesson: ID!, $type: ID!) {
      createAssignment(input: {lessonId: $lesson, typeId: $type, topic: "Чужая работа"}) {
        id } }""",
    "recordMarks": """mutation($assignment: ID!, $student: ID!) {
      recordMarks(input: {assignmentId: $assignment, marks: [{studentId: $student, value: 2}]}) {
        id } }""",
    "updateAssignment": """mutation($assignment: ID!) {
      updateAssignment(input: {id: $assignment, topic: "Чужая тема"}) { id } }""",
    "removeAssignment": """mutation($assignment: ID!) {
      removeAssignment(input: {id: $assignment}) }""",
    "changeMark": """mutation($mark: ID!) {
      changeMark(input: {markId: $mark, value: 2}) { id } }""",
    "removeMark": """mutation($mark: ID!) { removeMark(input: {markId: $mark}) }""",
    "attachHomeworkFile": """mutation($lesson: ID!, $file: String!) {
      attachHomeworkFile(input: {lessonId: $lesson, fileName: "задание.pdf",
                                 contentBase64: $file}) { id } }""",
    "requestCorrection": """mutation($lesson: ID!, $student: ID!) {
      requestCorrection(input: {lessonId: $lesson, studentId: $student, action: RECORD_MARK,
                                value: 2, reason: "Ошибка при вводе"}) { id } }""",
}


def _random(key: str, value: str) -> str:
    """A random id in place of a row's (the other arguments kept)."""
    return value if key in ("type", "student", "file") else str(uuid4())


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


@pytest.fixture(scope="module")
async def foreign(gateway: Gateway) -> dict[str, Any]:
    """A 9А algebra lesson with marks and an assignment: the demo teacher does not teach 9А."""
    classes = {
        c["name"]: c["id"] for c in ok(await gateway.as_user("zavuch", CLASSES))["schoolClasses"]
    }
    subjects = {
        s["name"]: s["id"] for s in ok(await gateway.as_user("zavuch", SUBJECTS))["subjects"]
    }
    journal = ok(
        await gateway.as_user(
            "zavuch",
            JOURNAL,
            {"class": classes["9А"], "subject": subjects["алгебра"], **ALL_DAYS},
        )
    )["classJournal"]
    taught = [x for x in journal["lessons"] if x["marks"] and x["assignments"]]
    assert taught, journal
    lesson = taught[-1]
    return {
        "class": classes["9А"],
        "subject": subjects["алгебра"],
        "lesson": lesson["id"],
        "student": journal["students"][0]["id"],
        "mark": lesson["marks"][0]["id"],
        "assignment": lesson["assignments"][0]["id"],
        "before": lesson,
    }


@pytest.mark.parametrize("mutation", sorted(WRITES))
async def test_a_teacher_writes_nothing_into_a_class_they_do_not_teach(
    gateway: Gateway, foreign: dict[str, Any], mutation: str
) -> None:
    types = ok(await gateway.as_user("teacher", TYPES))["assignmentTypes"]
    variables = {
        "lesson": foreign["lesson"],
        "student": foreign["student"],
        "mark": foreign["mark"],
        "assignment": foreign["assignment"],
        "type": types[0]["id"],
        "file": PDF,
    }
    query = WRITES[mutation]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    hidden = await gateway.as_user("teacher", query, used)
    assert codes(hidden) == ["NOT_FOUND"], mutation
    # The same answer, message included, as for ids that name nothing.
    missing = await gateway.as_user("teacher", query, {k: _random(k, v) for k, v in used.items()})
    assert hidden == missing, mutation


async def test_the_foreign_lesson_is_unchanged_and_its_journal_is_not_the_teachers(
    gateway: Gateway, foreign: dict[str, Any]
) -> None:
    variables = {"class": foreign["class"], "subject": foreign["subject"], **ALL_DAYS}
    after = ok(await gateway.as_user("zavuch", JOURNAL, variables))["classJournal"]
    [lesson] = [x for x in after["lessons"] if x["id"] == foreign["lesson"]]
    assert lesson == foreign["before"]
    assert codes(await gateway.as_user("teacher", JOURNAL, variables)) == ["FORBIDDEN"]


async def test_a_class_teacher_resolves_and_plans_only_for_her_own_class(
    gateway: Gateway, foreign: dict[str, Any]
) -> None:
    day = TODAY.isoformat()
    resolve = """mutation($student: ID!, $day: Date!) {
      resolveAbsence(input: {studentId: $student, date: $day, code: "Б"}) { code } }"""
    refused = await gateway.as_user(
        "klassruk", resolve, {"student": foreign["student"], "day": day}
    )
    assert codes(refused) == ["FORBIDDEN"]
    event = """mutation($class: ID!, $day: Date!) {
      scheduleClassEvent(input: {schoolClassId: $class, kind: PARENT_MEETING,
                                 title: "Собрание", startsOn: $day, endsOn: $day}) { id } }"""
    refused = await gateway.as_user("klassruk", event, {"class": foreign["class"], "day": day})
    assert codes(refused) == ["FORBIDDEN"]
    # The lessons of 9А are not the teacher's to list either.
    listed = await gateway.as_user("teacher", LESSONS, {**ALL_DAYS, "class": foreign["class"]})
    assert foreign["lesson"] not in {x["id"] for x in ok(listed)["lessons"]}
