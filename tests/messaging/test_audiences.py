"""Audiences: resolved from the replica when the letter is sent, frozen, counted first, audited;
the administration addresses any, a class's teachers only their class."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from services.messaging.audiences import school_today
from services.messaging.models import MessageAudience
from tests.journal.roster import envelope
from tests.messaging.mail_world import School, feed, mail_service
from tests.messaging.test_mail import INBOX, LETTER, error, gql
from tests.support import Infra, ServiceClient

SEND = (
    "mutation($input: LetterInput!) { sendMessage(input: $input) "
    f"{{ {LETTER} audiences {{ label count }} }} }}"
)
PREVIEW = (
    "query($a: [AudienceInput!]!) { audiencePreview(audiences: $a) "
    "{ total audiences { label count } } }"
)


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as pair:
        yield pair


def class_parents(school: School, cls: str = "c7") -> dict[str, Any]:
    return {"kind": "CLASS_PARENTS", "schoolClassId": str(school.ids[cls])}


async def test_the_sender_sees_the_count_first_and_the_letter_reaches_exactly_that_audience(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    groups = [class_parents(school), {"kind": "ALL_TEACHERS"}]
    preview = await gql(svc, school, "director", PREVIEW, a=groups)
    assert "errors" not in preview, preview
    assert preview["data"]["audiencePreview"] == {
        "total": 5,
        "audiences": [{"label": "Родители 7Б", "count": 2}, {"label": "Все учителя", "count": 3}],
    }
    sent = await gql(
        svc,
        school,
        "director",
        SEND,
        input={"to": [], "audiences": groups, "subject": "Собрание", "body": "В пятницу"},
    )
    assert "errors" not in sent, sent
    letter = sent["data"]["sendMessage"]
    assert letter["recipientCount"] == 5
    assert letter["audiences"] == preview["data"]["audiencePreview"]["audiences"]
    for reader in ("parent", "parent2", "klassruk", "teacher", "other_teacher"):
        inbox = await gql(svc, school, reader, INBOX, order="NEWEST", rank=None, unread=False)
        assert letter["id"] in {m["id"] for m in inbox["data"]["inbox"]}, reader
    for outsider in ("parent8", "student", "psychologist"):
        inbox = await gql(svc, school, outsider, INBOX, order="NEWEST", rank=None, unread=False)
        assert letter["id"] not in {m["id"] for m in inbox["data"]["inbox"]}, outsider


async def test_an_audience_is_frozen_when_sent_and_kept_in_the_audit(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    sent = await gql(
        svc,
        school,
        "klassruk",
        SEND,
        input={
            "to": [],
            "audiences": [class_parents(school)],
            "subject": "Экскурсия",
            "body": "Сбор в 9:00",
        },
    )
    letter = sent["data"]["sendMessage"]
    # A student joins 7Б afterwards with a parent: the letter stays as it was sent.
    newcomer = school.roster.student("Новиков", school.ids["c7"])
    school.ids["newcomer_parent"] = school.roster.parent("Новикова", newcomer)
    school.grants["newcomer_parent"] = school.grants["parent"]
    await feed(svc, school)
    inbox = await gql(
        svc, school, "newcomer_parent", INBOX, order="NEWEST", rank=None, unread=False
    )
    assert letter["id"] not in {m["id"] for m in inbox["data"]["inbox"]}
    now = await gql(svc, school, "klassruk", PREVIEW, a=[class_parents(school)])
    assert now["data"]["audiencePreview"]["total"] == 3
    async with svc.runtime.db.sessionmaker() as session:
        [kept] = (
            await session.scalars(
                select(MessageAudience).where(MessageAudience.message_id == letter["id"])
            )
        ).all()
    assert (kept.kind, kept.label, kept.member_count) == ("class_parents", "Родители 7Б", 2)
    assert kept.school_class_id == school.ids["c7"]


async def test_a_class_teacher_addresses_their_class_only_and_families_no_audience(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    own = await gql(svc, school, "klassruk", PREVIEW, a=[class_parents(school)])
    assert own["data"]["audiencePreview"]["total"] == 2
    for who, groups in (
        ("klassruk", [class_parents(school, "c8")]),
        ("klassruk", [{"kind": "ALL_TEACHERS"}]),
        ("parent", [class_parents(school)]),
        ("student", [{"kind": "CLASS_STUDENTS", "schoolClassId": str(school.ids["c7"])}]),
    ):
        refused = await gql(
            svc,
            school,
            who,
            SEND,
            input={"to": [], "audiences": groups, "subject": "Т", "body": "Т"},
        )
        assert error(refused)["extensions"] == {"code": "FORBIDDEN", "field": "audiences"}, who
        preview = await gql(svc, school, who, PREVIEW, a=groups)
        assert error(preview)["extensions"]["code"] == "FORBIDDEN"


async def test_the_subject_group_is_the_class_of_a_subject_taught_there(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    group = {
        "kind": "SUBJECT_GROUP",
        "schoolClassId": str(school.ids["c8"]),
        "subjectId": str(school.ids["physics"]),
    }
    preview = await gql(svc, school, "other_teacher", PREVIEW, a=[group])
    assert preview["data"]["audiencePreview"] == {
        "total": 1,
        "audiences": [{"label": "Группа 8А по предмету «физика»", "count": 1}],
    }
    elsewhere = {**group, "schoolClassId": str(school.ids["c7"])}
    missing = await gql(svc, school, "director", PREVIEW, a=[elsewhere])
    assert error(missing)["extensions"] == {"code": "NOT_FOUND", "field": "audiences"}
    no_class = await gql(svc, school, "director", PREVIEW, a=[{"kind": "CLASS_PARENTS"}])
    assert error(no_class)["extensions"] == {"code": "VALIDATION", "field": "audiences"}
    unknown = await gql(
        svc,
        school,
        "director",
        PREVIEW,
        a=[{"kind": "CLASS_PARENTS", "schoolClassId": str(uuid4())}],
    )
    assert error(unknown)["extensions"]["code"] == "NOT_FOUND"


async def test_parents_of_students_absent_today_without_a_reason(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    attendance_id = uuid4()
    today = school_today().isoformat()
    school.journal = [
        envelope(
            "journal.attendance.set",
            school.roster.school_id,
            {
                "attendance_id": attendance_id,
                "school_id": school.roster.school_id,
                "lesson_id": uuid4(),
                "student_id": school.ids["student"],
                "school_class_id": school.ids["c7"],
                "subject_name": "алгебра",
                "date": today,
                "lesson_number": 1,
                "code": "ОТ",
                "set_by": school.ids["teacher"],
                "category": "absent_unknown",
            },
        )
    ]
    school.roster.envelopes.clear()
    await feed(svc, school)
    absent = [{"kind": "ABSENT_TODAY_PARENTS", "schoolClassId": str(school.ids["c7"])}]
    preview = await gql(svc, school, "klassruk", PREVIEW, a=absent)
    assert preview["data"]["audiencePreview"]["total"] == 1
    sent = await gql(
        svc,
        school,
        "klassruk",
        SEND,
        input={"to": [], "audiences": absent, "subject": "Пропуск", "body": "Сообщите причину"},
    )
    assert [p["id"] for p in sent["data"]["sendMessage"]["to"]] == [str(school.ids["parent"])]

    school.journal = [
        envelope(
            "journal.attendance.cleared",
            school.roster.school_id,
            {
                "attendance_id": attendance_id,
                "school_id": school.roster.school_id,
                "lesson_id": None,
                "student_id": school.ids["student"],
                "school_class_id": school.ids["c7"],
                "date": today,
                "lesson_number": 1,
                "code_before": "ОТ",
                "cleared_by": school.ids["klassruk"],
            },
        )
    ]
    await feed(svc, school)
    preview = await gql(svc, school, "klassruk", PREVIEW, a=absent)
    assert preview["data"]["audiencePreview"]["total"] == 0
    empty = await gql(
        svc,
        school,
        "klassruk",
        SEND,
        input={"to": [], "audiences": absent, "subject": "Пропуск", "body": "…"},
    )
    assert error(empty)["extensions"] == {"code": "VALIDATION", "field": "audiences"}
