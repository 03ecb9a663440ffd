"""Who grants which role: nobody their own, a school's administrator only school roles, the
regional administrator (of no school, made on the command line) schools and their heads; the
grants that open special-category data are audited and listed for those who oversee them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from deploy.cli import main as sgo
from services.kernel.db import Database
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.people.region import create_regional_administrator
from tests.people.helpers import (
    CREATE_SCHOOL,
    School,
    build_school,
    error_code,
    login,
    ok,
    regional_admin,
    sign_in,
    staff,
)
from tests.support import Infra, ServiceClient, new_namespace, running_service

GRANT = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }"""
WITHDRAW = """mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }"""
SENSITIVE = """query($since: DateTime) { sensitiveRoleGrants(since: $since) {
  schoolName personName role roleLabel grantedByName grantedAt } }"""
REGION = """{ regionSchools { id name } }"""
NEW_SCHOOL = {"input": {"name": "МАОУ СОШ № 5 г. Томска", "shortName": "СОШ № 5"}}


def role(person_id: Any, name: str) -> dict[str, Any]:
    return {"input": {"personId": str(person_id), "role": name}}


async def admin_with_person(school: School, key: str = "admin") -> Principal:
    """The school's administrator as a person of the school (so "own roles" means something)."""
    person_id = await school.person(key, "STAFF", "Кузнецов", "Андрей", "Петрович")
    return staff(school.id, Role.ADMINISTRATOR, person_id=person_id)


@pytest.fixture(scope="module")
async def svc(infra: Infra) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "people", namespace=new_namespace()) as service:
        yield service


async def test_nobody_grants_or_withdraws_their_own_roles(svc: ServiceClient) -> None:
    school = await build_school(svc)
    admin = await admin_with_person(school)
    for name in ("MEDICAL_WORKER", "DIRECTOR", "PSYCHOLOGIST", "SUBJECT_TEACHER"):
        body = await svc.gql(GRANT, role(admin.person_id, name), principal=admin)
        assert error_code(body) == "FORBIDDEN", name
        assert "самому себе" in body["errors"][0]["message"]
    # Withdrawing one's own role is refused the same way (another administrator does it).
    second = await admin_with_person(school, "admin2")
    await ok(svc, GRANT, role(admin.person_id, "ADMINISTRATOR"), principal=second)
    body = await svc.gql(WITHDRAW, role(admin.person_id, "ADMINISTRATOR"), principal=admin)
    assert error_code(body) == "FORBIDDEN"
    # The same person may grant it to someone else.
    await ok(svc, GRANT, role(school.ids["klassruk"], "MEDICAL_WORKER"), principal=admin)


async def test_a_school_administrator_grants_no_regional_role_and_opens_no_school(
    svc: ServiceClient,
) -> None:
    school = await build_school(svc)
    klassruk = school.ids["klassruk"]
    for name in ("REGIONAL_OFFICER", "REGIONAL_ADMINISTRATOR"):
        body = await svc.gql(GRANT, role(klassruk, name), principal=school.admin)
        assert error_code(body) == "FORBIDDEN", name
    assert error_code(await svc.gql(CREATE_SCHOOL, NEW_SCHOOL, principal=school.admin)) == (
        "FORBIDDEN"
    )
    assert error_code(await svc.gql(REGION, principal=school.admin)) == "FORBIDDEN"


async def test_the_regional_administrator_opens_schools_and_appoints_their_heads(
    svc: ServiceClient,
) -> None:
    region = regional_admin()
    created = (await ok(svc, CREATE_SCHOOL, NEW_SCHOOL, principal=region))["createSchool"]["id"]
    listed = (await ok(svc, REGION, principal=region))["regionSchools"]
    assert created in {s["id"] for s in listed}
    school = await build_school(svc)
    klassruk = school.ids["klassruk"]
    for name in ("DIRECTOR", "ADMINISTRATOR", "REGIONAL_OFFICER"):
        await ok(svc, GRANT, role(klassruk, name), principal=region)
    await ok(svc, WITHDRAW, role(klassruk, "REGIONAL_OFFICER"), principal=region)
    # A school's other roles are its administrator's to give; the region's own role, no one's.
    for name in ("SUBJECT_TEACHER", "MEDICAL_WORKER", "REGIONAL_ADMINISTRATOR"):
        body = await svc.gql(GRANT, role(klassruk, name), principal=region)
        assert error_code(body) == "FORBIDDEN", name
    # A school's person, not the region's own.
    body = await svc.gql(GRANT, role(region.person_id, "DIRECTOR"), principal=region)
    assert error_code(body) == "NOT_FOUND"


async def test_sensitive_grants_are_listed_for_the_director_and_directors_for_the_region(
    svc: ServiceClient,
) -> None:
    school = await build_school(svc)
    other = await build_school(svc)
    admin = await admin_with_person(school)
    nurse = await school.person("nurse", "STAFF", "Павлова", "Наталья", "Игоревна", "FEMALE")
    head = await school.person("head", "STAFF", "Смирнова", "Ольга", "Викторовна", "FEMALE")
    await ok(svc, GRANT, role(nurse, "MEDICAL_WORKER"), principal=admin)
    await ok(svc, GRANT, role(school.ids["klassruk"], "SUBJECT_TEACHER"), principal=admin)
    await ok(svc, GRANT, role(head, "DIRECTOR"), principal=regional_admin())

    director = staff(school.id, Role.DIRECTOR)
    grants = (await ok(svc, SENSITIVE, principal=director))["sensitiveRoleGrants"]
    assert [(g["personName"], g["role"], g["grantedByName"]) for g in grants] == [
        ("Смирнова Ольга Викторовна", "DIRECTOR", None),
        ("Павлова Наталья Игоревна", "MEDICAL_WORKER", "Кузнецов Андрей Петрович"),
    ]
    assert grants[1]["roleLabel"] == "медицинский работник"
    assert grants[1]["schoolName"] == "СОШ № 1"
    later = {"since": "2999-01-01T00:00:00+00:00"}
    assert (await ok(svc, SENSITIVE, later, principal=director))["sensitiveRoleGrants"] == []

    # Another school's director sees nothing of it; the administrator and a teacher, no list.
    elsewhere = staff(other.id, Role.DIRECTOR)
    assert (await ok(svc, SENSITIVE, principal=elsewhere))["sensitiveRoleGrants"] == []
    for who in (admin, staff(school.id, Role.SUBJECT_TEACHER)):
        assert error_code(await svc.gql(SENSITIVE, principal=who)) == "FORBIDDEN"

    # The region sees directors' appointments (no one in a school oversees them), and only those.
    seen = (await ok(svc, SENSITIVE, principal=regional_admin()))["sensitiveRoleGrants"]
    assert {g["role"] for g in seen} == {"DIRECTOR"}
    assert "Смирнова Ольга Викторовна" in {g["personName"] for g in seen}


async def test_a_regional_administrator_made_on_the_command_line_signs_in_belonging_to_no_school(
    svc: ServiceClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await _run_cli(
        [
            "regional-admin",
            "create",
            "--login",
            "egorova",
            "--last-name",
            "Егорова",
            "--first-name",
            "Людмила",
            "--database-url",
            svc.settings.database_url,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    password = printed.split("one-time password: ")[1].strip()
    principal = await sign_in(svc, "egorova", password)
    assert principal.school_id is None
    assert principal.must_change_password  # a one-time password, as every issued one
    assert [g.role for g in principal.roles] == [Role.REGIONAL_ADMINISTRATOR]
    me = replace(principal, must_change_password=False)
    who = await ok(svc, "{ me { account { login } person { fullName } roles { role } } }",
                   principal=me)  # fmt: skip
    assert who["me"] == {
        "account": {"login": "egorova"},
        "person": {"fullName": "Егорова Людмила"},
        "roles": [{"role": "REGIONAL_ADMINISTRATOR"}],
    }
    assert error_code(await svc.gql("{ me { school { name } } }", principal=me)) == "NOT_FOUND"

    db = Database.connect(svc.settings.database_url)
    try:
        with pytest.raises(Exception, match="логин уже занят"):
            await create_regional_administrator(
                db, login="egorova", last_name="Другая", first_name="Анна"
            )
    finally:
        await db.dispose()
    assert error_code(await login(svc, "egorova", "wrong-password")) == "UNAUTHENTICATED"


async def _run_cli(argv: list[str]) -> int:
    # The command runs its own event loop: give it a thread of its own.
    return await asyncio.to_thread(sgo, argv)
