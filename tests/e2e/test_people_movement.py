"""Organisation and movement through the gateway, on the demo school."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from services.kernel.demo import demo_year
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import TODAY
from tests.e2e.test_journey import ME, error_codes
from tests.support import eventually


def _days_ago(days: int) -> str:
    """Dates inside the demo's year, which follows today (in September, from its first month)."""
    base = max(TODAY, demo_year().starts_on + timedelta(days=35))
    return (base - timedelta(days=days)).isoformat()


pytestmark = pytest.mark.e2e

SUBGROUPS = """query($id: ID!) { subgroups(schoolClassId: $id) { subject name students { id } } }"""
CLASS_LIST = """query($id: ID!) { schoolClass(id: $id) { students { id } } }"""
REGISTER = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { id } }"""
ARRIVAL = """mutation($input: EnrolArrivalInput!) { enrolArrival(input: $input) { kind } }"""
TRANSFER = """mutation($input: TransferStudentInput!) { transferStudent(input: $input) {
  kind fromClass { name } toClass { name } } }"""
DEPARTURE = """mutation($input: RecordDepartureInput!) {
  recordDeparture(input: $input) { kind } }"""
BOOK = """query($order: String!) { movementBook(fromDate: "2026-09-01", toDate: "2027-05-31",
  orderNumber: $order) { kind student { fullName } } }"""
STUDENT = """query($id: ID!) { student(id: $id) { schoolClass { name } } }"""


async def class_ids(gateway: Gateway) -> dict[str, str]:
    result = await gateway.as_user("secretary", "{ schoolClasses { id name } }")
    return {c["name"]: c["id"] for c in result["data"]["schoolClasses"]}


async def test_the_demo_7b_learns_english_in_two_subgroups_seen_by_staff_only(
    gateway: Gateway,
) -> None:
    class_id = (await class_ids(gateway))["7Б"]
    result = await gateway.as_user("klassruk", SUBGROUPS, {"id": class_id})
    assert "errors" not in result, result
    groups = result["data"]["subgroups"]
    assert [(g["subject"], g["name"]) for g in groups] == [
        ("английский язык", "1 группа"),
        ("английский язык", "2 группа"),
    ]
    members = [s["id"] for g in groups for s in g["students"]]
    assert len(members) == len(set(members))
    class_list = await gateway.as_user("klassruk", CLASS_LIST, {"id": class_id})
    assert set(members) == {s["id"] for s in class_list["data"]["schoolClass"]["students"]}

    refused = await gateway.as_user("parent", SUBGROUPS, {"id": class_id})
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_the_secretary_moves_a_student_on_orders_and_a_teacher_cannot(
    gateway: Gateway,
) -> None:
    classes = await class_ids(gateway)
    order = f"e2e-{secrets.token_hex(3)}"
    registered = await gateway.as_user(
        "secretary",
        REGISTER,
        {"input": {"kind": "STUDENT", "lastName": "Прибылова", "firstName": "Ксения"}},
    )
    assert "errors" not in registered, registered
    student = registered["data"]["registerPerson"]["id"]
    arrival = {
        "personId": student,
        "schoolClassId": classes["6В"],
        "enrolledOn": _days_ago(27),
        "orderNumber": order,
        "orderDate": _days_ago(30),
        "fromSchoolName": "МБОУ СОШ № 5 г. Северска",
    }
    assert "errors" not in await gateway.as_user("secretary", ARRIVAL, {"input": arrival})

    transfer = {
        "personId": student,
        "toClassId": classes["6А"],
        "transferredOn": _days_ago(20),
        "orderNumber": order,
        "orderDate": _days_ago(23),
    }
    refused = await gateway.as_user("teacher", TRANSFER, {"input": transfer})
    assert error_codes(refused) == ["FORBIDDEN"]
    moved = await gateway.as_user("secretary", TRANSFER, {"input": transfer})
    assert moved["data"]["transferStudent"] == {
        "kind": "TRANSFER",
        "fromClass": {"name": "6В"},
        "toClass": {"name": "6А"},
    }
    now_in = await gateway.as_user("secretary", STUDENT, {"id": student})
    assert now_in["data"]["student"]["schoolClass"] == {"name": "6А"}

    departure = {
        "personId": student,
        "leftOn": _days_ago(13),
        "orderNumber": order,
        "orderDate": _days_ago(16),
        "toSchoolName": "МБОУ СОШ № 5 г. Северска",
    }
    assert "errors" not in await gateway.as_user("secretary", DEPARTURE, {"input": departure})
    book = await gateway.as_user("director", BOOK, {"order": order})
    assert [m["kind"] for m in book["data"]["movementBook"]] == [
        "ARRIVAL",
        "TRANSFER",
        "DEPARTURE",
    ]
    assert error_codes(await gateway.as_user("teacher", BOOK, {"order": order})) == ["FORBIDDEN"]


async def test_a_withdrawn_role_refuses_the_old_token_at_the_gateway(gateway: Gateway) -> None:
    suffix = secrets.token_hex(3)
    person = await gateway.as_user(
        "admin",
        REGISTER,
        {"input": {"kind": "STAFF", "lastName": "Временный", "firstName": "Пётр"}},
    )
    person_id = person["data"]["registerPerson"]["id"]
    consent = await gateway.as_user(
        "admin",
        """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }""",
        {"input": {"subjectId": person_id, "givenById": person_id, "document": "Заявление 7"}},
    )
    assert "errors" not in consent, consent
    grant = {"personId": person_id, "role": "SUBJECT_TEACHER"}
    granted = await gateway.as_user(
        "admin",
        "mutation($input: RoleGrantInput!) { grantRole(input: $input) { code } }",
        {"input": grant},
    )
    assert "errors" not in granted, granted
    issued = await gateway.as_user(
        "admin",
        """mutation($input: IssueCredentialsInput!) {
          issueCredentials(input: $input) { login oneTimePassword } }""",
        {"input": {"personId": person_id, "login": f"temp.{suffix}"}},
    )
    credentials = issued["data"]["issueCredentials"]
    first = await gateway.login(credentials["login"], credentials["oneTimePassword"])
    changed = await gateway.gql(
        "mutation($old: String!, $new: String!) "
        "{ changePassword(oldPassword: $old, newPassword: $new) }",
        {"old": credentials["oneTimePassword"], "new": "Zelyonyi-Klyon-2026!"},
        token=first["data"]["login"]["accessToken"],
    )
    assert "errors" not in changed, changed
    signed_in = await gateway.login(credentials["login"], "Zelyonyi-Klyon-2026!")
    token = signed_in["data"]["login"]["accessToken"]
    assert "errors" not in await gateway.gql(ME, token=token)

    withdrawn = await gateway.as_user(
        "admin",
        "mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }",
        {"input": grant},
    )
    assert withdrawn["data"]["withdrawRole"] is True

    async def refused() -> bool:
        return error_codes(await gateway.gql(ME, token=token)) == ["UNAUTHENTICATED"]

    await eventually(refused, timeout=20)
