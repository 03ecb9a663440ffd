"""Importing a list through the gateway: the secretary checks, then loads; others are refused."""

from __future__ import annotations

import base64

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.test_journey import error_codes

pytestmark = pytest.mark.e2e

IMPORT = """mutation($input: ImportPeopleInput!) { importPeople(input: $input) {
  dryRun written counts { students enrolments } problems { sheet row column message } } }"""
CLASS_LIST = """{ schoolClasses { name students { fullName } } }"""
# As a Russian Excel saves it: Windows-1251, «;» between columns.
STUDENTS = (
    "Фамилия;Имя;Отчество;Пол;Дата рождения;Класс\r\nЩукина;Ярослава;Игоревна;Ж;03.03.2013;7А\r\n"
)


def students_input(content: str, *, dry_run: bool) -> dict[str, object]:
    encoded = base64.b64encode(content.encode("cp1251")).decode()
    return {
        "input": {
            "kind": "STUDENTS",
            "format": "CSV",
            "content": encoded,
            "base64": True,
            "dryRun": dry_run,
        }
    }


async def test_secretary_imports_students_through_the_gateway_and_a_teacher_cannot(
    gateway: Gateway,
) -> None:
    bad = STUDENTS + "Щукин;Олег;;М;03.03.2013;7Ъ\r\n"
    checked = await gateway.as_user("secretary", IMPORT, students_input(bad, dry_run=True))
    report = checked["data"]["importPeople"]
    assert report["written"] is False
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "Класс")]

    refused = await gateway.as_user("secretary", IMPORT, students_input(bad, dry_run=False))
    assert error_codes(refused) == ["VALIDATION"]
    assert refused["errors"][0]["extensions"]["problems"][0]["row"] == 3

    loaded = await gateway.as_user("secretary", IMPORT, students_input(STUDENTS, dry_run=False))
    assert loaded["data"]["importPeople"]["counts"] == {"students": 1, "enrolments": 1}
    classes = await gateway.as_user("secretary", CLASS_LIST)
    # 7А: other end-to-end tests count 7Б's students.
    (seven_a,) = [c for c in classes["data"]["schoolClasses"] if c["name"] == "7А"]
    assert "Щукина Ярослава Игоревна" in {s["fullName"] for s in seven_a["students"]}

    for login in ("teacher", "hr"):
        denied = await gateway.as_user(login, IMPORT, students_input(STUDENTS, dry_run=True))
        assert error_codes(denied) == ["FORBIDDEN"], (login, denied)
