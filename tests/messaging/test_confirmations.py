"""Letters that ask to confirm: a parent confirms once per child, the sender sees who has not,
reminds them in the same thread, and sees the deadline pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from services.kernel.events import utcnow
from services.messaging.models import Message
from tests.messaging.mail_world import School, feed, mail_service
from tests.messaging.test_mail import LETTER, error, gql
from tests.support import Infra, ServiceClient

FIELDS = f"{LETTER} threadId confirmBy myConfirmations {{ child {{ id }} confirmedAt }}"
SEND = f"mutation($input: LetterInput!) {{ sendMessage(input: $input) {{ {FIELDS} }} }}"
ONE = f"query($id: ID!) {{ letter(id: $id) {{ {FIELDS} }} }}"
CONFIRM = f"mutation($id: ID!, $c: ID) {{ confirmMessage(id: $id, childId: $c) {{ {FIELDS} }} }}"
REMIND = f"mutation($id: ID!) {{ remindUnconfirmed(id: $id) {{ {FIELDS} }} }}"
STATUS = (
    "query($id: ID!) { confirmations(messageId: $id) { confirmBy deadlinePassed confirmed "
    "pending items { recipient { id } child { id } confirmedAt remindedAt } } }"
)


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as (svc, school):
        # Родитель-parent has twins in 7Б: Петров and Сидорова.
        school.roster.envelopes.clear()
        school.journal = []
        school.roster.add(
            "people.guardianship.linked",
            parent_id=school.ids["parent"],
            student_id=school.ids["classmate"],
            school_id=school.roster.school_id,
            relation="мать",
        )
        await feed(svc, school)
        yield svc, school


async def ask(svc: ServiceClient, school: School) -> dict[str, Any]:
    deadline = (utcnow() + timedelta(days=2)).isoformat()
    result = await gql(
        svc,
        school,
        "klassruk",
        SEND,
        input={
            "to": [],
            "audiences": [{"kind": "CLASS_PARENTS", "schoolClassId": str(school.ids["c7"])}],
            "subject": "Экскурсия в музей",
            "body": "Подтвердите согласие на поездку.",
            "confirmBy": deadline,
        },
    )
    assert "errors" not in result, result
    return result["data"]["sendMessage"]


async def test_a_parent_confirms_once_per_child_and_the_sender_sees_who_has_not(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    ids = school.ids
    letter = await ask(svc, school)
    mine = await gql(svc, school, "parent", ONE, id=letter["id"])
    asked = {c["child"]["id"] for c in mine["data"]["letter"]["myConfirmations"]}
    assert asked == {str(ids["student"]), str(ids["classmate"])}

    status = await gql(svc, school, "klassruk", STATUS, id=letter["id"])
    assert status["data"]["confirmations"]["pending"] == 3

    one = await gql(svc, school, "parent", CONFIRM, id=letter["id"], c=str(ids["student"]))
    confirmed = {
        c["child"]["id"]: c["confirmedAt"] for c in one["data"]["confirmMessage"]["myConfirmations"]
    }
    assert confirmed[str(ids["student"])] is not None
    assert confirmed[str(ids["classmate"])] is None
    again = await gql(svc, school, "parent", CONFIRM, id=letter["id"], c=str(ids["student"]))
    first = again["data"]["confirmMessage"]["myConfirmations"]
    assert {c["child"]["id"]: c["confirmedAt"] for c in first}[str(ids["student"])] == (
        confirmed[str(ids["student"])]
    )

    status = (await gql(svc, school, "klassruk", STATUS, id=letter["id"]))["data"]["confirmations"]
    assert (status["confirmed"], status["pending"], status["deadlinePassed"]) == (1, 2, False)
    waiting = {
        (i["recipient"]["id"], i["child"]["id"]) for i in status["items"] if not i["confirmedAt"]
    }
    assert waiting == {
        (str(ids["parent"]), str(ids["classmate"])),
        (str(ids["parent2"]), str(ids["classmate"])),
    }

    reminder = await gql(svc, school, "klassruk", REMIND, id=letter["id"])
    assert "errors" not in reminder, reminder
    sent = reminder["data"]["remindUnconfirmed"]
    assert sent["subject"] == "Напоминание: Экскурсия в музей"
    assert sent["threadId"] == letter["threadId"]
    assert {p["id"] for p in sent["to"]} == {str(ids["parent"]), str(ids["parent2"])}


async def test_only_the_sender_sees_the_status_and_only_recipients_confirm(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await ask(svc, school)
    for outsider in ("director", "parent2"):
        status = await gql(svc, school, outsider, STATUS, id=letter["id"])
        assert error(status)["extensions"]["code"] == "NOT_FOUND"
        remind = await gql(svc, school, outsider, REMIND, id=letter["id"])
        assert error(remind)["extensions"]["code"] == "NOT_FOUND"
    stranger = await gql(svc, school, "parent8", CONFIRM, id=letter["id"], c=None)
    assert error(stranger)["extensions"]["code"] == "NOT_FOUND"
    past = await gql(
        svc,
        school,
        "klassruk",
        SEND,
        input={
            "to": [str(school.ids["parent"])],
            "subject": "Т",
            "body": "Т",
            "confirmBy": (utcnow() - timedelta(minutes=1)).isoformat(),
        },
    )
    assert error(past)["extensions"] == {"code": "VALIDATION", "field": "confirmBy"}


async def test_after_the_deadline_nobody_confirms_or_reminds_and_the_sender_sees_it_passed(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await ask(svc, school)
    async with svc.runtime.db.sessionmaker() as session, session.begin():
        await session.execute(
            update(Message)
            .where(Message.id == UUID(letter["id"]))
            .values(confirm_by=utcnow() - timedelta(seconds=1))
        )
    late = await gql(svc, school, "parent2", CONFIRM, id=letter["id"], c=None)
    assert error(late)["extensions"]["code"] == "LOCKED"
    assert "Срок подтверждения истёк" in error(late)["message"]
    remind = await gql(svc, school, "klassruk", REMIND, id=letter["id"])
    assert error(remind)["extensions"]["code"] == "LOCKED"
    status = await gql(svc, school, "klassruk", STATUS, id=letter["id"])
    assert status["data"]["confirmations"]["deadlinePassed"] is True
    assert status["data"]["confirmations"]["confirmed"] == 0
