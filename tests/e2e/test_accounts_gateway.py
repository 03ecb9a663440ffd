"""Accounts through the gateway: a one-time password's token reaches only the password change,
and a session the administrator ends is refused by the gateway as soon as its event arrives."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.support import eventually

pytestmark = pytest.mark.e2e

REGISTER = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { id } }"""
CONSENT = """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"""
ISSUE = """mutation($input: IssueCredentialsInput!) {
  issueCredentials(input: $input) { login oneTimePassword } }"""
CHANGE = """mutation($old: String!, $new: String!) { changePassword(oldPassword: $old,
  newPassword: $new) }"""
ME = "{ me { account { login } } }"
SESSIONS = "{ mySessions { id current address } }"
END_SESSIONS = "mutation($id: ID!) { endSessions(personId: $id) }"


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def new_employee(gateway: Gateway) -> tuple[str, str, str]:
    """(person id, login, one-time password) of a new employee, issued by the HR secretary."""
    suffix = secrets.token_hex(3)
    person = await gateway.as_user(
        "hr",
        REGISTER,
        {"input": {"kind": "STAFF", "lastName": "Лебедева", "firstName": "Вера"}},
    )
    person_id = person["data"]["registerPerson"]["id"]
    consent = {"subjectId": person_id, "givenById": person_id, "documentKind": "заявление"}
    assert "errors" not in await gateway.as_user("hr", CONSENT, {"input": consent})
    issue = {"input": {"personId": person_id, "login": f"lebedeva.{suffix}"}}
    refused = await gateway.as_user("teacher", ISSUE, issue)
    assert codes(refused) == ["FORBIDDEN"]  # stopped at the gateway: not a registrar
    issued = (await gateway.as_user("hr", ISSUE, issue))["data"]["issueCredentials"]
    return person_id, issued["login"], issued["oneTimePassword"]


async def test_a_one_time_password_token_is_good_only_for_changing_the_password(
    gateway: Gateway,
) -> None:
    _, login, once = await new_employee(gateway)
    first = (await gateway.login(login, once))["data"]["login"]
    assert first["mustChangePassword"] is True
    token = first["accessToken"]
    me = await gateway.gql(ME, token=token)
    assert codes(me) == ["FORBIDDEN"]
    assert me["errors"][0]["message"].startswith("Сначала смените пароль")
    assert codes(await gateway.gql(SESSIONS, token=token)) == ["FORBIDDEN"]

    changed = await gateway.gql(CHANGE, {"old": once, "new": "Sosna-Kedr-7"}, token=token)
    assert changed == {"data": {"changePassword": True}}

    async def restricted_token_refused() -> bool:
        return codes(await gateway.gql(CHANGE, {"old": "x", "new": "y"}, token=token)) == [
            "UNAUTHENTICATED"
        ]

    await eventually(restricted_token_refused)
    full = (await gateway.login(login, "Sosna-Kedr-7"))["data"]["login"]
    assert full["mustChangePassword"] is False
    me = await gateway.gql(ME, token=full["accessToken"])
    assert me["data"]["me"]["account"]["login"] == login


async def test_sessions_the_administrator_ends_are_refused_by_the_gateway_at_once(
    gateway: Gateway,
) -> None:
    person_id, login, once = await new_employee(gateway)
    token = (await gateway.login(login, once))["data"]["login"]["accessToken"]
    await gateway.gql(CHANGE, {"old": once, "new": "Sosna-Kedr-7"}, token=token)
    laptop = (await gateway.login(login, "Sosna-Kedr-7"))["data"]["login"]["accessToken"]
    phone = (await gateway.login(login, "Sosna-Kedr-7"))["data"]["login"]["accessToken"]
    sessions = (await gateway.gql(SESSIONS, token=laptop))["data"]["mySessions"]
    assert [s["current"] for s in sessions] == [False, True]
    assert all(s["address"] for s in sessions)  # the gateway forwards the client's address

    teacher = await gateway.as_user("teacher", END_SESSIONS, {"id": person_id})
    assert codes(teacher) == ["FORBIDDEN"]
    ended = await gateway.as_user("admin", END_SESSIONS, {"id": person_id})
    assert ended == {"data": {"endSessions": 2}}

    async def both_refused() -> bool:
        results = [await gateway.gql(ME, token=t) for t in (laptop, phone)]
        return all(codes(r) == ["UNAUTHENTICATED"] for r in results)

    await eventually(both_refused, timeout=5)
    refused = await gateway.gql(ME, token=laptop)
    assert refused["errors"][0]["message"] == "Сеанс завершён. Войдите снова."
