"""The demo school's mail through the gateway: the regulation's reading order for a parent,
who may write to whom, and the secrecy of correspondence."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.test_journey import person_id
from tests.support import eventually

pytestmark = pytest.mark.e2e

LETTER = "id subject senderRank { rank label } child { id } sender { fullName } readAt"
SEND = f"mutation($input: LetterInput!) {{ sendMessage(input: $input) {{ {LETTER} }} }}"
INBOX = f"query($order: MailOrder!) {{ inbox(order: $order, limit: 200) {{ {LETTER} }} }}"
ONE = f"query($id: ID!) {{ letter(id: $id) {{ {LETTER} }} }}"
BOOK = "{ addressBook { kind label people { id fullName } } }"


@pytest.fixture(scope="module", autouse=True)
async def replicated(gateway: Gateway) -> None:
    """Messaging follows people's and journal's events of the demo load: wait until the
    student's class teacher and algebra teacher are known to it."""
    wanted = {await person_id(gateway, "klassruk"), await person_id(gateway, "teacher")}

    async def caught_up() -> bool:
        book = await gateway.as_user("student", BOOK)
        listed = {
            p["id"] for g in (book["data"] or {}).get("addressBook") or [] for p in g["people"]
        }
        return wanted <= listed

    await eventually(caught_up, timeout=120, interval=0.5)


async def send(gateway: Gateway, login: str, to: list[str], subject: str) -> dict[str, Any]:
    result = await gateway.as_user(
        login, SEND, {"input": {"to": to, "subject": subject, "body": "Прошу подойти."}}
    )
    assert "errors" not in result, result
    return result["data"]["sendMessage"]


async def test_a_parent_reads_the_administration_then_the_class_teacher_then_the_teacher(
    gateway: Gateway,
) -> None:
    parent, child = await person_id(gateway, "parent"), await person_id(gateway, "student")
    teacher = await send(gateway, "teacher", [parent], "Контрольная по алгебре")
    klassruk = await send(gateway, "klassruk", [parent], "Родительское собрание")
    director = await send(gateway, "director", [parent], "Приказ о каникулах")

    result = await gateway.as_user("parent", INBOX, {"order": "PRIORITY"})
    assert "errors" not in result, result
    mine = [
        m
        for m in result["data"]["inbox"]
        if m["id"] in {teacher["id"], klassruk["id"], director["id"]}
    ]
    assert [(m["subject"], m["senderRank"]["rank"]) for m in mine] == [
        ("Приказ о каникулах", 1),
        ("Родительское собрание", 2),
        ("Контрольная по алгебре", 3),
    ]
    assert {m["child"]["id"] for m in mine} == {child}


async def test_the_administration_cannot_read_a_letter_between_a_teacher_and_a_parent(
    gateway: Gateway,
) -> None:
    parent = await person_id(gateway, "parent")
    letter = await send(gateway, "teacher", [parent], "Лично родителю")
    for outsider in ("director", "admin", "zavuch", "klassruk"):
        result = await gateway.as_user(outsider, ONE, {"id": letter["id"]})
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND", (outsider, result)
        assert result["data"] == {"letter": None}
    result = await gateway.as_user("parent", ONE, {"id": letter["id"]})
    assert result["data"]["letter"]["subject"] == "Лично родителю"


async def test_a_student_may_not_write_to_a_parent_and_is_told_why(gateway: Gateway) -> None:
    parent = await person_id(gateway, "parent")
    result = await gateway.as_user(
        "student", SEND, {"input": {"to": [parent], "subject": "Привет", "body": "…"}}
    )
    error = result["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["refused"] == [parent]
    assert "ученик может писать только" in error["message"]

    book = await gateway.as_user("student", BOOK)
    listed = {p["id"] for g in book["data"]["addressBook"] for p in g["people"]}
    assert parent not in listed
    assert await person_id(gateway, "klassruk") in listed
    assert await person_id(gateway, "teacher") in listed
