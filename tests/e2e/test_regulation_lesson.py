"""The subject teacher's lesson as the regulation describes it, through the gateway.

Open the class journal, write the topic and homework, mark who is absent (ОТ) and late (ОП),
add an assignment with its type and give marks; the student and the parent read it all in the
diary. The same steps on a class the teacher does not teach are refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import TODAY, WEEK

pytestmark = pytest.mark.e2e

ME = "{ me { person { id } } }"
CLASSES = "{ schoolClasses { id name } }"
LESSONS = """query($from: Date!, $to: Date!, $class: ID) {
  lessons(from: $from, to: $to, schoolClassId: $class) {
    id date number subject { id name } schoolClass { id name }
  }
}"""
JOURNAL = """query($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    students { id }
    lessons {
      id topic homework registerTakenAt
      assignments { id topic type { name weight } }
      marks { value weight student { id } assignment { id } }
      attendance { code category student { id } }
    }
  }
}"""
TOPIC = """mutation($input: SetLessonTopicInput!) {
  setLessonTopic(input: $input) { id topic homework }
}"""
REGISTER = """mutation($input: TakeRegisterInput!) {
  takeRegister(input: $input) { takenAt attendance { code category student { id } } }
}"""
TYPES = "{ assignmentTypes { id name weight } }"
ASSIGN = """mutation($input: CreateAssignmentInput!) {
  createAssignment(input: $input) { id topic type { name weight } }
}"""
MARKS = """mutation($input: RecordMarksInput!) {
  recordMarks(input: $input) { id value weight comment student { id } }
}"""
DIARY = """query($id: ID!, $d: Date!) {
  diary(studentId: $id, from: $d, to: $d) {
    lessons {
      id topic homework
      assignments { topic type { name } }
      marks { value weight assignment { topic } }
      attendance { code student { id } }
    }
  }
}"""


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


async def geometry_lesson_in_7b(gateway: Gateway) -> dict[str, Any]:
    """The teacher's last geometry lesson in 7Б up to the demo's today (other journeys use
    algebra)."""
    lessons = ok(await gateway.as_user("teacher", LESSONS, {**WEEK, "class": None}))["lessons"]
    geometry = [
        x
        for x in lessons
        if x["schoolClass"]["name"] == "7Б"
        and x["subject"]["name"] == "геометрия"
        and x["date"] <= TODAY.isoformat()
    ]
    assert geometry, lessons
    return geometry[-1]


async def test_the_subject_teachers_lesson_from_topic_to_marks_reaches_the_family(
    gateway: Gateway,
) -> None:
    lesson = await geometry_lesson_in_7b(gateway)
    day = lesson["date"]
    journal_vars = {
        "class": lesson["schoolClass"]["id"],
        "subject": lesson["subject"]["id"],
        "from": day,
        "to": day,
    }
    own = ok(await gateway.as_user("student", ME))["me"]["person"]["id"]
    roster = ok(await gateway.as_user("teacher", JOURNAL, journal_vars))["classJournal"]
    others = [s["id"] for s in roster["students"] if s["id"] != own]
    absent, late = others[0], others[1]

    # Topic and homework, in Russian.
    topic = ok(
        await gateway.as_user(
            "teacher",
            TOPIC,
            {
                "input": {
                    "lessonId": lesson["id"],
                    "topic": "Признаки равенства треугольников",
                    "homework": "§ 15, № 121–123",
                }
            },
        )
    )["setLessonTopic"]
    assert topic["topic"] == "Признаки равенства треугольников"

    # The register: ОТ and ОП, confirmed as taken.
    register = ok(
        await gateway.as_user(
            "teacher",
            REGISTER,
            {"input": {"lessonId": lesson["id"], "absent": [absent], "late": [late]}},
        )
    )["takeRegister"]
    assert register["takenAt"]
    marked = {a["student"]["id"]: (a["code"], a["category"]) for a in register["attendance"]}
    assert marked[absent] == ("ОТ", "ABSENT_UNKNOWN")
    assert marked[late] == ("ОП", "LATE")

    # An assignment with a type (its weight is the school's setting) and marks for it.
    types = {t["name"]: t for t in ok(await gateway.as_user("teacher", TYPES))["assignmentTypes"]}
    work = types["самостоятельная работа"]
    assignment = ok(
        await gateway.as_user(
            "teacher",
            ASSIGN,
            {
                "input": {
                    "lessonId": lesson["id"],
                    "typeId": work["id"],
                    "topic": "Первый признак равенства",
                    "comment": "Вариант 1",
                }
            },
        )
    )["createAssignment"]
    assert assignment["type"] == {"name": "самостоятельная работа", "weight": work["weight"]}
    given = ok(
        await gateway.as_user(
            "teacher",
            MARKS,
            {
                "input": {
                    "assignmentId": assignment["id"],
                    "marks": [
                        {"studentId": own, "value": 5, "comment": "Без ошибок"},
                        {"studentId": late, "value": 4},
                    ],
                }
            },
        )
    )["recordMarks"]
    assert sorted(m["value"] for m in given) == [4, 5]
    assert {m["weight"] for m in given} == {work["weight"]}

    # The class journal shows the lesson as the teacher left it.
    [page] = ok(await gateway.as_user("teacher", JOURNAL, journal_vars))["classJournal"]["lessons"]
    assert page["topic"] == "Признаки равенства треугольников" and page["registerTakenAt"]
    assert assignment["id"] in {a["id"] for a in page["assignments"]}
    ours = [m for m in page["marks"] if m["assignment"]["id"] == assignment["id"]]
    assert {(m["student"]["id"], m["value"]) for m in ours} == {(own, 5), (late, 4)}
    assert {(a["student"]["id"], a["code"]) for a in page["attendance"]} >= {
        (absent, "ОТ"),
        (late, "ОП"),
    }

    # The student and the parent read the same lesson in the diary: their own rows only.
    for reader in ("student", "parent"):
        diary = ok(await gateway.as_user(reader, DIARY, {"id": own, "d": day}))["diary"]
        [seen] = [x for d in diary for x in d["lessons"] if x["id"] == lesson["id"]]
        assert seen["topic"] == "Признаки равенства треугольников", reader
        assert seen["homework"] == "§ 15, № 121–123", reader
        assert "Первый признак равенства" in {a["topic"] for a in seen["assignments"]}
        assert {"value": 5, "weight": work["weight"]} in [
            {"value": m["value"], "weight": m["weight"]}
            for m in seen["marks"]
            if m["assignment"]["topic"] == "Первый признак равенства"
        ], reader
        assert all(a["student"]["id"] == own for a in seen["attendance"]), reader


async def test_the_lesson_steps_are_refused_on_a_class_the_teacher_does_not_teach(
    gateway: Gateway,
) -> None:
    classes = {
        c["name"]: c["id"] for c in ok(await gateway.as_user("zavuch", CLASSES))["schoolClasses"]
    }
    foreign = ok(await gateway.as_user("zavuch", LESSONS, {**WEEK, "class": classes["9А"]}))
    lesson = foreign["lessons"][0]
    types = ok(await gateway.as_user("teacher", TYPES))["assignmentTypes"]
    attempts = [
        (TOPIC, {"input": {"lessonId": lesson["id"], "topic": "Чужая тема"}}),
        (REGISTER, {"input": {"lessonId": lesson["id"], "absent": [], "late": []}}),
        (ASSIGN, {"input": {"lessonId": lesson["id"], "typeId": types[0]["id"]}}),
    ]
    for query, variables in attempts:
        # A lesson of a class the teacher neither teaches nor leads is not there for them.
        assert codes(await gateway.as_user("teacher", query, variables)) == ["NOT_FOUND"], query
    # A student reads no one else's diary, the teacher reads none (the class journal is theirs).
    own = ok(await gateway.as_user("student", ME))["me"]["person"]["id"]
    for reader in ("teacher", "klassruk"):
        refused = await gateway.as_user(reader, DIARY, {"id": own, "d": lesson["date"]})
        assert codes(refused) == ["FORBIDDEN"], reader
