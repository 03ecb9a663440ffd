"""Mail through the messaging subgraph: who may write to whom, the regulation's reading order,
folders, threads, search, secrecy of correspondence and the limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from services.messaging.domain import mail as rules
from services.messaging.models import Delivery, Message
from tests.messaging.mail_world import School, mail_service
from tests.support import Infra, ServiceClient

LETTER = """id threadId subject body isDraft sentAt readAt deleted recipientCount
  sender { id fullName } to { id fullName } cc { id fullName }
  senderRank { rank label } child { id fullName }"""
SEND = f"mutation($input: LetterInput!) {{ sendMessage(input: $input) {{ {LETTER} }} }}"
INBOX = (
    "query($order: MailOrder!, $rank: Int, $unread: Boolean!) "
    f"{{ inbox(order: $order, rank: $rank, unreadOnly: $unread) {{ {LETTER} }} }}"
)
FOLDER = f"query($f: MailFolder!) {{ mailFolder(folder: $f) {{ {LETTER} }} }}"
ONE = f"query($id: ID!) {{ letter(id: $id) {{ {LETTER} }} }}"
THREAD = f"query($id: ID!) {{ mailThread(id: $id) {{ {LETTER} }} }}"
SEARCH = f"query($t: String!) {{ searchMail(text: $t) {{ {LETTER} }} }}"
UNREAD = "{ unreadMail { rank label unread } }"
BOOK = "{ addressBook { kind label schoolClassName people { id fullName } } }"
REPLY = f"mutation($input: ReplyInput!) {{ replyToMessage(input: $input) {{ {LETTER} }} }}"
FORWARD = f"mutation($input: ForwardInput!) {{ forwardMessage(input: $input) {{ {LETTER} }} }}"
READ = f"mutation($id: ID!, $r: Boolean!) {{ markMessageRead(id: $id, read: $r) {{ {LETTER} }} }}"
DELETE = f"mutation($id: ID!) {{ deleteMessage(id: $id) {{ {LETTER} }} }}"
RESTORE = f"mutation($id: ID!) {{ restoreMessage(id: $id) {{ {LETTER} }} }}"
DRAFT = f"mutation($input: DraftInput!) {{ saveDraft(input: $input) {{ {LETTER} }} }}"
SEND_DRAFT = (
    f"mutation($input: LetterInput!, $d: ID) {{ sendMessage(input: $input, draftId: $d) "
    f"{{ {LETTER} }} }}"
)
SET_RULE = (
    "mutation($g: MailSenderGroup!, $r: MailRelation!, $a: Boolean!) "
    "{ setMailRule(senderGroup: $g, relation: $r, allowed: $a) "
    "{ senderGroup relation allowed schoolOverride } }"
)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    # One school for the module: each test writes letters of its own and reads them by id.
    async with mail_service(infra) as pair:
        yield pair


async def gql(svc: ServiceClient, school: School, who: str, query: str, **variables: Any) -> Any:
    return await svc.gql(query, variables, principal=school.who(who))


async def send(
    svc: ServiceClient, school: School, sender: str, *to: str, subject: str = "Вопрос", **kw: Any
) -> dict[str, Any]:
    letter = {
        "to": [str(school.ids[t]) for t in to],
        "subject": subject,
        "body": kw.pop("body", "Добрый день!"),
        **kw,
    }
    result = await gql(svc, school, sender, SEND, input=letter)
    assert "errors" not in result, result
    return result["data"]["sendMessage"]


def error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return result["errors"][0]


# --- who may write to whom ------------------------------------------------------------------


async def test_a_student_writes_to_class_teachers_administration_and_classmates_only(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    for allowed in ("klassruk", "teacher", "director", "classmate"):
        await send(svc, school, "student", allowed)
    for refused in ("parent8", "student8", "other_teacher", "parent2"):
        result = await gql(
            svc,
            school,
            "student",
            SEND,
            input={"to": [str(school.ids[refused])], "subject": "Тема", "body": "Текст"},
        )
        err = error(result)
        assert err["extensions"]["code"] == "FORBIDDEN"
        assert err["extensions"]["refused"] == [str(school.ids[refused])]
        assert "ученик может писать только" in err["message"]
        assert "одноклассникам" in err["message"]


async def test_a_parent_writes_to_the_childs_teachers_administration_and_class_parents(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    for allowed in ("klassruk", "teacher", "deputy", "parent2"):
        await send(svc, school, "parent", allowed)
    for refused in ("other_teacher", "parent8", "classmate", "psychologist"):
        result = await gql(
            svc,
            school,
            "parent",
            SEND,
            input={"to": [str(school.ids[refused])], "subject": "Тема", "body": "Текст"},
        )
        assert error(result)["extensions"]["code"] == "FORBIDDEN", refused


async def test_one_refused_recipient_sends_nothing_to_anyone(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    to = [str(school.ids["klassruk"]), str(school.ids["student8"])]
    result = await gql(
        svc, school, "student", SEND, input={"to": to, "subject": "Всё или ничего", "body": "…"}
    )
    assert error(result)["extensions"]["code"] == "FORBIDDEN"
    async with svc.runtime.db.sessionmaker() as session:
        sent = await session.scalar(select(func.count()).where(Message.subject == "Всё или ничего"))
    assert sent == 0


async def test_staff_write_to_anyone_in_their_school(world: tuple[ServiceClient, School]) -> None:
    svc, school = world
    for recipient in ("parent8", "student8", "director", "psychologist"):
        await send(
            svc, school, "psychologist" if recipient != "psychologist" else "teacher", recipient
        )


async def test_the_address_book_lists_only_allowed_recipients_by_group(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    result = await gql(svc, school, "student", BOOK)
    assert "errors" not in result, result
    groups = {g["label"]: {p["id"] for p in g["people"]} for g in result["data"]["addressBook"]}
    ids = school.ids
    assert groups == {
        "Администрация": {str(ids["director"]), str(ids["deputy"])},
        "Учителя и сотрудники": {str(ids["klassruk"]), str(ids["teacher"])},
        "Класс 7Б": {str(ids["classmate"])},
    }
    result = await gql(svc, school, "parent", BOOK)
    kinds = {(g["kind"], g["schoolClassName"]) for g in result["data"]["addressBook"]}
    assert kinds == {("ADMINISTRATION", None), ("TEACHERS", None), ("CLASS_PARENTS", "7Б")}
    result = await gql(svc, school, "director", BOOK)
    labels = [g["label"] for g in result["data"]["addressBook"]]
    assert labels == [
        "Администрация",
        "Учителя и сотрудники",
        "Класс 7Б",
        "Класс 8А",
        "Родители класса 7Б",
        "Родители класса 8А",
    ]


async def test_a_school_overrides_a_default_rule_and_only_its_administration_may(
    infra: Infra,
) -> None:
    async with mail_service(infra) as (svc, school):
        denied = await gql(svc, school, "teacher", SET_RULE, g="STUDENT", r="CLASSMATES", a=False)
        assert error(denied)["extensions"]["code"] == "FORBIDDEN"
        await send(svc, school, "student", "classmate")
        result = await gql(svc, school, "director", SET_RULE, g="STUDENT", r="CLASSMATES", a=False)
        assert "errors" not in result, result
        rule = next(
            r
            for r in result["data"]["setMailRule"]
            if (r["senderGroup"], r["relation"]) == ("STUDENT", "CLASSMATES")
        )
        assert rule == {
            "senderGroup": "STUDENT",
            "relation": "CLASSMATES",
            "allowed": False,
            "schoolOverride": True,
        }
        refused = await gql(
            svc,
            school,
            "student",
            SEND,
            input={"to": [str(school.ids["classmate"])], "subject": "Тема", "body": "Текст"},
        )
        assert error(refused)["extensions"]["code"] == "FORBIDDEN"


# --- the regulation's reading order --------------------------------------------------------


RANK_SENDERS = {
    # reader: sender per rank (staff have no class teacher of their own: no rank 2)
    "student": {1: "director", 2: "klassruk", 3: "teacher", 4: "parent2", 5: "classmate"},
    "parent": {1: "deputy", 2: "klassruk", 3: "teacher", 4: "parent2", 5: "student"},
    "teacher": {1: "director", 3: "other_teacher", 4: "parent", 5: "student"},
}


@pytest.mark.parametrize("reader", list(RANK_SENDERS))
async def test_the_priority_inbox_reads_in_the_regulations_order_for_each_role(
    infra: Infra, reader: str
) -> None:
    async with mail_service(infra) as (svc, school):
        # The school lets parents and students write to anyone, so every rank can reach every
        # reader; the rank is still the sender's standing towards the reader.
        for group in ("PARENT", "STUDENT"):
            ok = await gql(svc, school, "director", SET_RULE, g=group, r="SCHOOL", a=True)
            assert "errors" not in ok, ok
        senders = RANK_SENDERS[reader]
        # Written from the lowest rank to the highest, so newest-first is the reverse order.
        letters = {
            rank: await send(svc, school, senders[rank], reader, subject=f"ранг {rank}")
            for rank in sorted(senders, reverse=True)
        }
        # An older, already read letter of the administration goes below every unread one.
        read_first = letters[min(senders)]
        await gql(svc, school, reader, READ, id=read_first["id"], r=True)

        result = await gql(svc, school, reader, INBOX, order="PRIORITY", rank=None, unread=False)
        assert "errors" not in result, result
        inbox = result["data"]["inbox"]
        unread_ranks = sorted(r for r in senders if r != min(senders))
        assert [m["senderRank"]["rank"] for m in inbox] == [*unread_ranks, min(senders)]
        assert inbox[-1]["readAt"] is not None
        labels = {m["senderRank"]["rank"]: m["senderRank"]["label"] for m in inbox}
        assert all(labels[r] == rules.RANK_LABELS[rules.SenderRank(r)] for r in labels)

        newest = await gql(svc, school, reader, INBOX, order="NEWEST", rank=None, unread=False)
        assert [m["subject"] for m in newest["data"]["inbox"]] == [
            f"ранг {r}" for r in sorted(senders)
        ]
        for rank in senders:
            only = await gql(svc, school, reader, INBOX, order="PRIORITY", rank=rank, unread=False)
            assert [m["id"] for m in only["data"]["inbox"]] == [letters[rank]["id"]]
        counts = await gql(svc, school, reader, UNREAD)
        assert {c["rank"]: c["unread"] for c in counts["data"]["unreadMail"]} == {
            r: int(r in unread_ranks) for r in range(1, 6)
        }


async def test_a_teacher_who_is_a_parent_reads_their_childs_class_teacher_at_rank_two(
    infra: Infra,
) -> None:
    async with mail_service(infra) as (svc, school):
        school.roster.add(
            "people.guardianship.linked",
            parent_id=school.ids["teacher"],
            student_id=school.ids["classmate"],
            school_id=school.roster.school_id,
            relation="отец",
        )
        from tests.messaging.mail_world import feed

        await feed(svc, school)
        letter = await send(svc, school, "klassruk", "teacher")
        result = await gql(svc, school, "teacher", ONE, id=letter["id"])
        assert result["data"]["letter"]["senderRank"]["rank"] == 2
        assert result["data"]["letter"]["child"]["id"] == str(school.ids["classmate"])


# --- folders, threads, search -----------------------------------------------------------------


async def test_a_letter_to_a_parent_names_the_child_it_concerns(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await send(svc, school, "teacher", "parent", "parent2", subject="Контрольная")
    for parent, child in (("parent", "student"), ("parent2", "classmate")):
        mine = await gql(svc, school, parent, ONE, id=letter["id"])
        assert mine["data"]["letter"]["child"]["id"] == str(school.ids[child])
    assert letter["child"] is None  # the sender's own copy concerns no one child


async def test_reply_reply_all_and_forward_keep_the_thread_and_the_rules(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    ids = school.ids
    first = await send(
        svc,
        school,
        "klassruk",
        "parent",
        subject="Экскурсия",
        cc=[str(ids["parent2"]), str(ids["teacher"])],
    )
    reply = await gql(svc, school, "parent", REPLY, input={"messageId": first["id"], "body": "Да"})
    assert "errors" not in reply, reply
    reply = reply["data"]["replyToMessage"]
    assert reply["subject"] == "Re: Экскурсия"
    assert reply["threadId"] == first["threadId"]
    assert [p["id"] for p in reply["to"]] == [str(ids["klassruk"])]
    assert reply["cc"] == []

    everyone = await gql(
        svc, school, "parent", REPLY, input={"messageId": first["id"], "body": "Всем", "all": True}
    )
    everyone = everyone["data"]["replyToMessage"]
    assert {p["id"] for p in everyone["cc"]} == {str(ids["parent2"]), str(ids["teacher"])}

    thread = await gql(svc, school, "klassruk", THREAD, id=first["threadId"])
    assert [m["id"] for m in thread["data"]["mailThread"]] == [
        first["id"],
        reply["id"],
        everyone["id"],
    ]
    # parent2 received the first letter and the reply-all, not the private reply.
    theirs = await gql(svc, school, "parent2", THREAD, id=first["threadId"])
    assert [m["id"] for m in theirs["data"]["mailThread"]] == [first["id"], everyone["id"]]

    forwarded = await gql(
        svc,
        school,
        "parent",
        FORWARD,
        input={"messageId": first["id"], "to": [str(ids["deputy"])], "body": "Для сведения"},
    )
    forwarded = forwarded["data"]["forwardMessage"]
    assert forwarded["subject"] == "Fwd: Экскурсия"
    assert "Пересланное письмо" in forwarded["body"] and "Добрый день!" in forwarded["body"]
    refused = await gql(
        svc,
        school,
        "parent",
        FORWARD,
        input={"messageId": first["id"], "to": [str(ids["parent8"])]},
    )
    assert error(refused)["extensions"]["code"] == "FORBIDDEN"


async def test_read_marks_belong_to_each_recipient_and_deleted_letters_come_back(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await send(svc, school, "director", "teacher", "klassruk", subject="Педсовет")
    await gql(svc, school, "teacher", READ, id=letter["id"], r=True)
    mine = await gql(svc, school, "teacher", ONE, id=letter["id"])
    theirs = await gql(svc, school, "klassruk", ONE, id=letter["id"])
    assert mine["data"]["letter"]["readAt"] is not None
    assert theirs["data"]["letter"]["readAt"] is None
    unread = await gql(svc, school, "teacher", READ, id=letter["id"], r=False)
    assert unread["data"]["markMessageRead"]["readAt"] is None

    await gql(svc, school, "teacher", DELETE, id=letter["id"])
    inbox = await gql(svc, school, "teacher", FOLDER, f="INBOX")
    deleted = await gql(svc, school, "teacher", FOLDER, f="DELETED")
    assert letter["id"] not in {m["id"] for m in inbox["data"]["mailFolder"]}
    assert letter["id"] in {m["id"] for m in deleted["data"]["mailFolder"]}
    still = await gql(svc, school, "klassruk", FOLDER, f="INBOX")
    assert letter["id"] in {m["id"] for m in still["data"]["mailFolder"]}
    restored = await gql(svc, school, "teacher", RESTORE, id=letter["id"])
    assert restored["data"]["restoreMessage"]["deleted"] is False
    inbox = await gql(svc, school, "teacher", FOLDER, f="INBOX")
    assert letter["id"] in {m["id"] for m in inbox["data"]["mailFolder"]}

    # The sender's copy is apart from the recipients'.
    await gql(svc, school, "director", DELETE, id=letter["id"])
    sent = await gql(svc, school, "director", FOLDER, f="SENT")
    assert letter["id"] not in {m["id"] for m in sent["data"]["mailFolder"]}
    inbox = await gql(svc, school, "teacher", FOLDER, f="INBOX")
    assert letter["id"] in {m["id"] for m in inbox["data"]["mailFolder"]}


async def test_a_draft_is_kept_unchecked_and_checked_when_sent(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    ids = school.ids
    draft = await gql(
        svc,
        school,
        "student",
        DRAFT,
        input={"to": [str(ids["parent8"])], "subject": "Черновик", "body": ""},
    )
    draft = draft["data"]["saveDraft"]
    assert draft["isDraft"] and [p["id"] for p in draft["to"]] == [str(ids["parent8"])]
    drafts = await gql(svc, school, "student", FOLDER, f="DRAFTS")
    assert draft["id"] in {m["id"] for m in drafts["data"]["mailFolder"]}
    other = await gql(svc, school, "classmate", ONE, id=draft["id"])
    assert error(other)["extensions"]["code"] == "NOT_FOUND"

    letter = {"to": [str(ids["parent8"])], "subject": "Черновик", "body": "Текст"}
    refused = await gql(svc, school, "student", SEND_DRAFT, input=letter, d=draft["id"])
    assert error(refused)["extensions"]["code"] == "FORBIDDEN"
    letter["to"] = [str(ids["klassruk"])]
    sent = await gql(svc, school, "student", SEND_DRAFT, input=letter, d=draft["id"])
    assert "errors" not in sent, sent
    assert sent["data"]["sendMessage"]["id"] == draft["id"]
    drafts = await gql(svc, school, "student", FOLDER, f="DRAFTS")
    assert draft["id"] not in {m["id"] for m in drafts["data"]["mailFolder"]}
    again = await gql(svc, school, "student", SEND_DRAFT, input=letter, d=draft["id"])
    assert error(again)["extensions"]["code"] == "NOT_FOUND"


async def test_search_finds_russian_word_forms_in_ones_own_mail_only(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await send(
        svc,
        school,
        "teacher",
        "parent",
        subject="Итоги четверти",
        body="Контрольная работа по алгебре перенесена на пятницу.",
    )
    found = await gql(svc, school, "parent", SEARCH, t="контрольной работы")
    assert letter["id"] in {m["id"] for m in found["data"]["searchMail"]}
    sent = await gql(svc, school, "teacher", SEARCH, t="четверть")
    assert letter["id"] in {m["id"] for m in sent["data"]["searchMail"]}
    for outsider in ("director", "parent2"):
        other = await gql(svc, school, outsider, SEARCH, t="контрольная алгебра")
        assert letter["id"] not in {m["id"] for m in other["data"]["searchMail"]}


# --- secrecy of correspondence ---------------------------------------------------------------


async def test_only_the_sender_and_recipients_read_a_letter_the_administration_included(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    letter = await send(svc, school, "teacher", "parent", subject="Лично")
    for outsider in ("director", "deputy", "klassruk", "parent2"):
        for query, variables in (
            (ONE, {"id": letter["id"]}),
            (THREAD, {"id": letter["threadId"]}),
            (READ, {"id": letter["id"], "r": True}),
            (DELETE, {"id": letter["id"]}),
            (REPLY, {"input": {"messageId": letter["id"], "body": "?"}}),
        ):
            result = await gql(svc, school, outsider, query, **variables)
            assert error(result)["extensions"]["code"] == "NOT_FOUND", (outsider, query)
    for reader in ("teacher", "parent"):
        mine = await gql(svc, school, reader, ONE, id=letter["id"])
        assert mine["data"]["letter"]["subject"] == "Лично"


async def test_anonymous_callers_are_refused(world: tuple[ServiceClient, School]) -> None:
    svc, _ = world
    result = await svc.gql(INBOX, {"order": "PRIORITY", "rank": None, "unread": False})
    assert error(result)["extensions"]["code"] == "UNAUTHENTICATED"


# --- limits and bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("", "Текст", "subject"),
        ("Тема", "   ", "body"),
        ("x" * (rules.SUBJECT_MAX + 1), "Текст", "subject"),
        ("Тема", "я" * (rules.BODY_MAX + 1), "body"),
        ("Тема\x00", "Текст", "subject"),
        ("Тема", "до\x00после", "body"),
    ],
)
async def test_bad_letters_are_refused_with_the_field_to_fix(
    world: tuple[ServiceClient, School], subject: str, body: str, field: str
) -> None:
    svc, school = world
    result = await gql(
        svc,
        school,
        "teacher",
        SEND,
        input={"to": [str(school.ids["parent"])], "subject": subject, "body": body},
    )
    err = error(result)
    assert err["extensions"] == {"code": "VALIDATION", "field": field}, err
    # Empty or too long: messaging's own words; a NUL byte or past the declared maximum: the
    # kernel's check of every string, which names the same field.
    assert err["message"].startswith(("Тема письма", "Текст письма", f"Поле «{field}»"))


async def test_recipients_are_bounded_and_must_exist(world: tuple[ServiceClient, School]) -> None:
    svc, school = world
    nobody = await gql(svc, school, "teacher", SEND, input={"to": [], "subject": "Т", "body": "Т"})
    assert error(nobody)["extensions"]["code"] == "VALIDATION"
    ghost = await gql(
        svc,
        school,
        "teacher",
        SEND,
        input={"to": ["0190a000-0000-7000-8000-000000000000"], "subject": "Т", "body": "Т"},
    )
    assert error(ghost)["extensions"]["code"] == "NOT_FOUND"
    bad = await gql(svc, school, "teacher", SEND, input={"to": ["x"], "subject": "Т", "body": "Т"})
    assert error(bad)["extensions"] == {"code": "VALIDATION", "field": "to"}
    many = [f"0190a000-0000-7000-8000-{n:012d}" for n in range(rules.RECIPIENTS_MAX + 1)]
    too_many = await gql(
        svc, school, "teacher", SEND, input={"to": many, "subject": "Т", "body": "Т"}
    )
    assert error(too_many)["extensions"]["code"] == "VALIDATION"


async def test_mass_mailings_are_for_the_administration_and_rate_limited(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "MASS_FROM", 3)
    monkeypatch.setattr(rules, "MASS_PER_HOUR", 2)
    async with mail_service(infra) as (svc, school):
        group = ("parent", "parent2", "parent8")
        refused = await gql(
            svc,
            school,
            "teacher",
            SEND,
            input={"to": [str(school.ids[p]) for p in group], "subject": "Всем", "body": "Т"},
        )
        err = error(refused)
        assert err["extensions"]["code"] == "FORBIDDEN"
        assert "массовая рассылка" in err["message"]
        for _ in range(2):
            await send(svc, school, "director", *group, subject="Собрание")
        limited = await gql(
            svc,
            school,
            "director",
            SEND,
            input={"to": [str(school.ids[p]) for p in group], "subject": "Ещё", "body": "Т"},
        )
        assert error(limited)["extensions"]["code"] == "RATE_LIMITED"
        await send(svc, school, "director", "parent", subject="Лично")  # one letter still goes
        async with svc.runtime.db.sessionmaker() as session:
            deliveries = await session.scalar(select(func.count()).select_from(Delivery))
        assert deliveries == 7


async def test_an_anonymised_persons_name_is_gone_from_every_letter_and_list(
    infra: Infra,
) -> None:
    from tests.messaging.mail_world import feed

    async with mail_service(infra) as (svc, school):
        letter = await send(svc, school, "teacher", "parent", subject="До анонимизации")
        school.roster.envelopes.clear()
        school.journal = []
        school.roster.add(
            "people.person.anonymised",
            person_id=school.ids["teacher"],
            school_id=school.roster.school_id,
            reason="dismissal",
            last_name="Обезличено",
            first_name="7f3a",
            middle_name=None,
        )
        await feed(svc, school)
        mine = await gql(svc, school, "parent", ONE, id=letter["id"])
        assert mine["data"]["letter"]["sender"]["fullName"] == "Обезличено 7f3a"
        sent = await gql(svc, school, "teacher", FOLDER, f="SENT")
        assert "Орлов" not in str(sent["data"])
        assert sent["data"]["mailFolder"][0]["sender"]["fullName"] == "Обезличено 7f3a"
        book = await gql(svc, school, "parent", BOOK)
        names = {p["fullName"] for g in book["data"]["addressBook"] for p in g["people"]}
        assert "Обезличено 7f3a" in names and not any(n.startswith("Орлов") for n in names)
