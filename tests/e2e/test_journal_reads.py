"""The journal's reads through the gateway with the demo logins: diary, class journal, debts."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import WEEK

ME = "{ me { person { id } } }"
DIARY = """query($id: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $id, from: $from, to: $to) {
    date
    lessons { id subject { name } topic homework marks { value weight } attendance { code } }
    classEvents { title kindLabel startsOn endsOn }
    debts { assignmentId typeName dueOn lesson { id } subject { name } }
  }
}"""
JOURNAL = """query($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    schoolClass { name }
    students { id fullName }
    lessons { id date topic marks { value weight student { id } } }
    rows { student { id fullName } average debts { assignmentId dueOn } }
  }
}"""
DEBTS = """query($id: ID!) {
  debts(studentId: $id) { assignmentId topic typeName dueOn lesson { date } student { id } }
}"""


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def ids(gateway: Gateway) -> dict[str, str]:
    me = await gateway.as_user("student", ME)
    classes = await gateway.as_user("zavuch", "{ schoolClasses { id name } }")
    subjects = await gateway.as_user("zavuch", "{ subjects { id name } }")
    found = {"student": me["data"]["me"]["person"]["id"]}
    found.update({c["name"]: c["id"] for c in classes["data"]["schoolClasses"]})
    found.update({s["name"]: s["id"] for s in subjects["data"]["subjects"]})
    return found


async def test_the_family_reads_the_diary_and_staff_are_sent_to_the_class_journal(
    gateway: Gateway,
) -> None:
    known = await ids(gateway)
    variables = {"id": known["student"], **WEEK}
    for reader in ("student", "parent"):
        diary = await gateway.as_user(reader, DIARY, variables)
        assert "errors" not in diary, diary
        assert any(day["lessons"] for day in diary["data"]["diary"]), reader
    # The administration opens any diary (the director "reads everything"); teachers do not.
    for reader in ("zavuch", "director"):
        diary = await gateway.as_user(reader, DIARY, variables)
        assert "errors" not in diary, (reader, diary)
    for reader in ("klassruk", "teacher"):
        refused = await gateway.as_user(reader, DIARY, variables)
        assert error_codes(refused) == ["FORBIDDEN"], (reader, refused)


async def test_the_class_journal_carries_averages_and_debts_per_student(
    gateway: Gateway,
) -> None:
    known = await ids(gateway)
    variables = {"class": known["7Б"], "subject": known["алгебра"], **WEEK}
    for reader in ("teacher", "klassruk", "zavuch"):
        result = await gateway.as_user(reader, JOURNAL, variables)
        assert "errors" not in result, (reader, result)
        page = result["data"]["classJournal"]
        assert page["schoolClass"]["name"] == "7Б"
        assert [r["student"]["id"] for r in page["rows"]] == [s["id"] for s in page["students"]]
        assert all(r["student"]["fullName"] for r in page["rows"])
        marked = {m["student"]["id"] for lesson in page["lessons"] for m in lesson["marks"]}
        for row in page["rows"]:
            assert (row["average"] is not None) == (row["student"]["id"] in marked)
            if row["average"] is not None:
                assert 2 <= row["average"] <= 5
    refused = await gateway.as_user(
        "teacher", JOURNAL, {"class": known["9А"], "subject": known["алгебра"], **WEEK}
    )
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_debts_are_read_by_the_family_and_the_class_not_by_others(
    gateway: Gateway,
) -> None:
    known = await ids(gateway)
    for reader in ("student", "parent", "klassruk", "zavuch"):
        result = await gateway.as_user(reader, DEBTS, {"id": known["student"]})
        assert "errors" not in result, (reader, result)
        assert all(d["student"]["id"] == known["student"] for d in result["data"]["debts"])
    refused = await gateway.as_user("medic", DEBTS, {"id": known["student"]})
    assert error_codes(refused) == ["FORBIDDEN"]
    classmates = await gateway.as_user(
        "klassruk",
        "query($id: ID!) { schoolClass(id: $id) { students { id } } }",
        {"id": known["7Б"]},
    )
    other = next(
        s["id"]
        for s in classmates["data"]["schoolClass"]["students"]
        if s["id"] != known["student"]
    )
    for reader in ("parent", "student"):
        refused = await gateway.as_user(reader, DEBTS, {"id": other})
        assert refused == {"data": {"debts": []}}, reader  # a list: as for no such student
