"""Health data through the gateway with the demo logins: who is let through, who is not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e

CHILDREN = "{ myChildren { id fullName } }"
HEALTH = """query($id: ID!) { studentHealth(studentId: $id) {
  healthGroup peGroupLabel conditions { name } } }"""
WELLBEING = """query($id: ID!) { studentWellbeing(studentId: $id) { characteristics } }"""
WHO_READ = """query($id: ID!) { whoReadMyData(personId: $id) {
  entries { readerName readerRoleLabel sectionLabel action } } }"""
LOG = """{ dataAccessLog(first: 5) { entries { readerRole section field subjectName } } }"""


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def demo_student(gateway: Gateway) -> str:
    result = await gateway.as_user("parent", CHILDREN)
    return str(result["data"]["myChildren"][0]["id"])


async def test_the_medic_and_the_parent_read_the_demo_students_health_and_the_parent_sees_who(
    gateway: Gateway,
) -> None:
    student = await demo_student(gateway)
    medic = await gateway.as_user("medic", HEALTH, {"id": student})
    assert "errors" not in medic, medic
    assert medic["data"]["studentHealth"] == {
        "healthGroup": "II",
        "peGroupLabel": "основная",
        "conditions": [{"name": "миопия"}],
    }
    own = await gateway.as_user("parent", HEALTH, {"id": student})
    assert own["data"]["studentHealth"]["healthGroup"] == "II"

    seen = await gateway.as_user("parent", WHO_READ, {"id": student})
    entries = seen["data"]["whoReadMyData"]["entries"]
    assert {
        "readerName": "Павлова Наталья Игоревна",
        "readerRoleLabel": "медицинский работник",
        "sectionLabel": "медицинские сведения",
        "action": "READ",
    } in entries
    # The administrator reads the log, not the data.
    log = await gateway.as_user("admin", LOG)
    assert "errors" not in log, log
    assert log["data"]["dataAccessLog"]["entries"]


@pytest.mark.parametrize("login", ["teacher", "zavuch", "admin", "secretary", "psychologist"])
async def test_the_gateway_refuses_medical_data_to_roles_without_the_duty(
    gateway: Gateway, login: str
) -> None:
    student = await demo_student(gateway)
    result = await gateway.as_user(login, HEALTH, {"id": student})
    assert codes(result) == ["FORBIDDEN"], result
    assert not (result.get("data") or {}).get("studentHealth")


async def test_psych_data_is_for_the_psychologist_not_the_medic_or_the_parent(
    gateway: Gateway,
) -> None:
    student = await demo_student(gateway)
    allowed = await gateway.as_user("psychologist", WELLBEING, {"id": student})
    assert "errors" not in allowed, allowed
    for login in ("medic", "parent", "klassruk"):
        denied = await gateway.as_user(login, WELLBEING, {"id": student})
        assert codes(denied) == ["FORBIDDEN"], login
