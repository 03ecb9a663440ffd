"""Roles through the gateway: no one grants themselves a role, the demo's regional
administrator (``region``) opens schools and oversees directors' appointments, and the
director sees the grants that open special-category data in the school."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e

ME = "{ me { person { id } } }"
GRANT = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }"""
CREATE_SCHOOL = """mutation($input: CreateSchoolInput!) { createSchool(input: $input) { id } }"""
REGION = "{ regionSchools { id name studentCount } }"
SENSITIVE = "{ sensitiveRoleGrants { personName role grantedByName } }"
REGISTER = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { id } }"""


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def test_the_administrator_grants_themselves_nothing_and_opens_no_school(
    gateway: Gateway,
) -> None:
    me = (await gateway.as_user("admin", ME))["data"]["me"]["person"]["id"]
    for role in ("REGIONAL_OFFICER", "MEDICAL_WORKER", "DIRECTOR"):
        result = await gateway.as_user("admin", GRANT, {"input": {"personId": me, "role": role}})
        assert codes(result) == ["FORBIDDEN"], (role, result)
    school = {"input": {"name": "МАОУ СОШ № 9", "shortName": "СОШ № 9"}}
    assert codes(await gateway.as_user("admin", CREATE_SCHOOL, school)) == ["FORBIDDEN"]
    assert codes(await gateway.as_user("admin", SENSITIVE)) == ["FORBIDDEN"]
    assert codes(await gateway.as_user("admin", REGION)) == ["FORBIDDEN"]


async def test_the_regional_administrator_opens_a_school_and_oversees_directors(
    gateway: Gateway,
) -> None:
    schools = (await gateway.as_user("region", REGION))["data"]["regionSchools"]
    assert any(s["studentCount"] > 0 for s in schools)
    school = {"input": {"name": "МАОУ СОШ № 7 г. Томска", "shortName": "СОШ № 7"}}
    created = await gateway.as_user("region", CREATE_SCHOOL, school)
    assert "errors" not in created, created

    # A new deputy for upbringing in the demo school: the director sees the grant.
    person = await gateway.as_user(
        "hr",
        REGISTER,
        {"input": {"kind": "STAFF", "lastName": "Белова", "firstName": "Вера"}},
    )
    person_id = person["data"]["registerPerson"]["id"]
    grant = {"input": {"personId": person_id, "role": "DEPUTY_DIRECTOR_UPBRINGING"}}
    assert "errors" not in await gateway.as_user("admin", GRANT, grant)
    seen = (await gateway.as_user("director", SENSITIVE))["data"]["sensitiveRoleGrants"]
    assert {
        "personName": "Белова Вера",
        "role": "DEPUTY_DIRECTOR_UPBRINGING",
        "grantedByName": "Кузнецов Андрей Петрович",
    } in seen
    # The region grants a director, never a school's other roles; it oversees directors only.
    teacher = {"input": {"personId": person_id, "role": "SUBJECT_TEACHER"}}
    refused = await gateway.as_user("region", GRANT, teacher)
    assert codes(refused) == ["FORBIDDEN"]
    director = {"input": {"personId": person_id, "role": "DIRECTOR"}}
    assert "errors" not in await gateway.as_user("region", GRANT, director)
    overseen = (await gateway.as_user("region", SENSITIVE))["data"]["sensitiveRoleGrants"]
    assert {g["role"] for g in overseen} == {"DIRECTOR"}
    assert "Белова Вера" in {g["personName"] for g in overseen}
    # The teacher reads neither list.
    for query in (SENSITIVE, REGION):
        assert codes(await gateway.as_user("teacher", query)) == ["FORBIDDEN"]
