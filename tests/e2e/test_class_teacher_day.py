"""The class teacher's day through the gateway on the demo school: a subject teacher marks ОТ,
the class teacher sees it unresolved, turns it into Б, and nothing is left unresolved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import WEEK
from tests.e2e.test_journey import LESSONS, error_codes, person_id

pytestmark = pytest.mark.e2e

MARK = """mutation($input: MarkAbsentInput!) {
  markAbsent(input: $input) { code label category kind }
}"""
UNRESOLVED = """query($date: Date!, $class: ID) {
  unresolvedAbsences(date: $date, schoolClassId: $class) {
    schoolClass { id name }
    students { student { id fullName } lessonIds lessonNumbers }
  }
}"""
RESOLVE = """mutation($input: ResolveAbsenceInput!) {
  resolveAbsence(input: $input) { code lessonIds student { fullName } }
}"""
CLASS_DAY = """query($class: ID!, $date: Date!) {
  classAttendance(schoolClassId: $class, date: $date) {
    lessons { id number subject { name } }
    attendance { lessonId code label category student { id } }
  }
}"""
STUDENTS = "query($id: ID!) { schoolClass(id: $id) { students { id } } }"


async def classes(gateway: Gateway) -> dict[str, str]:
    result = await gateway.as_user("zavuch", "{ schoolClasses { id name } }")
    return {c["name"]: c["id"] for c in result["data"]["schoolClasses"]}


async def test_the_class_teacher_turns_an_absence_into_illness_and_none_is_left(
    gateway: Gateway,
) -> None:
    seven_b = (await classes(gateway))["7Б"]
    lessons = await gateway.as_user("teacher", LESSONS, {**WEEK, "class": None})
    algebra = [
        les
        for les in lessons["data"]["lessons"]
        if les["schoolClass"]["name"] == "7Б" and les["subject"]["name"] == "алгебра"
    ]
    assert len(algebra) >= 3, lessons
    lesson = algebra[len(algebra) // 2]  # the first and last are other journeys' lessons
    day = lesson["date"]
    own = await person_id(gateway, "student")
    roster = await gateway.as_user("klassruk", STUDENTS, {"id": seven_b})
    pupil = next(s["id"] for s in roster["data"]["schoolClass"]["students"] if s["id"] != own)

    # The subject teacher marks the absence; a reason is not theirs to give.
    marked = await gateway.as_user(
        "teacher",
        MARK,
        {"input": {"lessonId": lesson["id"], "studentId": pupil, "code": "ABSENT"}},
    )
    assert marked["data"]["markAbsent"] == {
        "code": "ОТ",
        "label": "отсутствовал",
        "category": "ABSENT_UNKNOWN",
        "kind": "ABSENT",
    }, marked
    reason = await gateway.as_user(
        "teacher",
        MARK,
        {"input": {"lessonId": lesson["id"], "studentId": pupil, "codeText": "Б"}},
    )
    assert error_codes(reason) == ["VALIDATION"]

    # The class teacher sees it among the day's unresolved absences.
    unresolved = await gateway.as_user("klassruk", UNRESOLVED, {"date": day, "class": seven_b})
    assert "errors" not in unresolved, unresolved
    [seven] = unresolved["data"]["unresolvedAbsences"]
    assert seven["schoolClass"]["name"] == "7Б"
    [row] = [s for s in seven["students"] if s["student"]["id"] == pupil]
    assert lesson["id"] in row["lessonIds"] and row["student"]["fullName"]

    # … and turns it into illness in one step.
    resolved = await gateway.as_user(
        "klassruk", RESOLVE, {"input": {"studentId": pupil, "date": day, "code": "Б"}}
    )
    assert "errors" not in resolved, resolved
    assert resolved["data"]["resolveAbsence"]["code"] == "Б"
    assert lesson["id"] in resolved["data"]["resolveAbsence"]["lessonIds"]

    # Nothing of the student is left unresolved that day; the class's day shows the reason.
    after = await gateway.as_user("klassruk", UNRESOLVED, {"date": day, "class": seven_b})
    left = [s["student"]["id"] for c in after["data"]["unresolvedAbsences"] for s in c["students"]]
    assert pupil not in left
    sheet = await gateway.as_user("klassruk", CLASS_DAY, {"class": seven_b, "date": day})
    marks: list[dict[str, Any]] = sheet["data"]["classAttendance"]["attendance"]
    mine = [a for a in marks if a["lessonId"] == lesson["id"] and a["student"]["id"] == pupil]
    assert [(a["code"], a["category"]) for a in mine] == [("Б", "ILLNESS")]


async def test_the_class_teacher_of_7b_cannot_resolve_for_another_class(gateway: Gateway) -> None:
    names = await classes(gateway)
    other = next(cid for name, cid in names.items() if name != "7Б")
    roster = await gateway.as_user("zavuch", STUDENTS, {"id": other})
    students = roster["data"]["schoolClass"]["students"]
    assert students, roster
    refused = await gateway.as_user(
        "klassruk",
        RESOLVE,
        {"input": {"studentId": students[0]["id"], "date": WEEK["from"], "code": "Б"}},
    )
    assert error_codes(refused) == ["FORBIDDEN"]
    foreign = await gateway.as_user("klassruk", UNRESOLVED, {"date": WEEK["from"], "class": other})
    assert foreign == {"data": {"unresolvedAbsences": []}}  # a list: another class is not hers
