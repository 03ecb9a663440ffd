"""Through the gateway of the running demo: a retried mark is written once, and bad input is
VALIDATION in Russian before it reaches a service."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import TODAY

pytestmark = pytest.mark.e2e

LESSONS = """query($from: Date!, $to: Date!) {
  lessons(from: $from, to: $to) {
    id date subject { id name } schoolClass { id name } marks { id student { id } }
  }
}"""
STUDENTS = """query($c: ID!, $s: ID!, $d: Date!) {
  classJournal(schoolClassId: $c, subjectId: $s, from: $d, to: $d) { students { id } }
}"""
RECORD = "mutation($input: RecordMarkInput!) { recordMark(input: $input) { id value } }"


async def post(
    gateway: Gateway, login: str, query: str, variables: dict[str, Any], key: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {await gateway.token(login)}"}
    if key is not None:
        headers["idempotency-key"] = key
    response = await gateway.http.post(
        gateway.url, json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


async def todays_algebra(gateway: Gateway) -> dict[str, Any]:
    day = {"from": TODAY.isoformat(), "to": TODAY.isoformat()}
    lessons = (await post(gateway, "teacher", LESSONS, day))["data"]["lessons"]
    return next(
        lesson
        for lesson in lessons
        if lesson["schoolClass"]["name"] == "7Б" and lesson["subject"]["name"] == "алгебра"
    )


async def marks_on(gateway: Gateway, lesson_id: str, student: str) -> int:
    day = {"from": TODAY.isoformat(), "to": TODAY.isoformat()}
    lessons = (await post(gateway, "teacher", LESSONS, day))["data"]["lessons"]
    [lesson] = [x for x in lessons if x["id"] == lesson_id]
    return sum(1 for mark in lesson["marks"] if mark["student"]["id"] == student)


async def test_a_retried_mark_with_the_same_key_is_written_once(gateway: Gateway) -> None:
    lesson = await todays_algebra(gateway)
    variables = {
        "c": lesson["schoolClass"]["id"],
        "s": lesson["subject"]["id"],
        "d": lesson["date"],
    }
    students = (await post(gateway, "teacher", STUDENTS, variables))["data"]["classJournal"]
    student = students["students"][-1]["id"]
    before = await marks_on(gateway, lesson["id"], student)
    key = str(uuid4())
    mark = {"input": {"lessonId": lesson["id"], "studentId": student, "value": 4}}
    first = await post(gateway, "teacher", RECORD, mark, key)
    again = await post(gateway, "teacher", RECORD, mark, key)
    assert "errors" not in first, first
    assert again == first
    assert await marks_on(gateway, lesson["id"], student) == before + 1
    other = {"input": {**mark["input"], "value": 5}}
    refused = await post(gateway, "teacher", RECORD, other, key)
    assert refused["data"] == {"recordMark": None}
    assert refused["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert refused["errors"][0]["extensions"]["reason"] == "idempotency_key_reused"
    assert await marks_on(gateway, lesson["id"], student) == before + 1


async def test_a_nul_byte_in_an_anonymous_login_is_validation(gateway: Gateway) -> None:
    result = await gateway.gql(
        "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }",
        {"l": "teacher\x00", "p": "x"},
    )
    [error] = result["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "l"}
    assert "недопустимый символ" in error["message"]


async def test_an_impossible_date_is_validation_naming_the_field(gateway: Gateway) -> None:
    result = await post(
        gateway, "teacher", '{ lessons(from: "2026-02-30", to: "2026-03-01") { id } }', {}
    )
    [error] = result["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "from"}
    assert error["message"].startswith("Неверная дата «2026-02-30»")


async def test_an_overflowing_int_and_a_wrong_enum_are_russian(gateway: Gateway) -> None:
    mark = {"input": {"lessonId": str(uuid4()), "studentId": str(uuid4()), "value": 2**40}}
    result = await post(gateway, "teacher", RECORD, mark)
    assert result["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "вне допустимого диапазона" in result["errors"][0]["message"]
    absent = """mutation($l: ID!, $s: ID!) {
      markAbsent(input: {lessonId: $l, studentId: $s, code: SOMETIMES}) { code }
    }"""
    result = await post(gateway, "teacher", absent, {"l": str(uuid4()), "s": str(uuid4())})
    assert result["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "«SOMETIMES»" in result["errors"][0]["message"]
