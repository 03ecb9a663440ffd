"""Notices from the journal's events, each kind as its recipient chose, and their e-mail copies
through a real SMTP server running in the test."""

from __future__ import annotations

import email
import socket
from collections.abc import AsyncIterator, Iterator
from email.message import Message
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from services.kernel.uow import OUTBOX
from services.messaging.models import EmailDelivery, Notice
from tests.journal.roster import envelope
from tests.messaging.mail_world import School, feed, mail_service
from tests.messaging.test_mail import error, gql
from tests.support import Infra, ServiceClient, eventually

PREFS = "{ myNoticePreferences { kind delivery canTurnOff } }"
SET_PREF = (
    "mutation($k: NoticeKind!, $d: NoticeDelivery!) { setNoticePreference(kind: $k, delivery: $d) "
    "{ kind delivery } }"
)
SET_EMAIL = "mutation($e: String) { setNoticeEmail(email: $e) }"
DEAD = "{ emailDeadLetters { noticeId email attempts error } }"


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as pair:
        yield pair


async def journal(svc: ServiceClient, school: School, event_type: str, **payload: Any) -> Any:
    school.roster.envelopes.clear()
    env = envelope(
        event_type, school.roster.school_id, {"school_id": school.roster.school_id, **payload}
    )
    school.journal = [env]
    await feed(svc, school)
    return env


def mark(school: School, value: int) -> dict[str, Any]:
    return {
        "mark_id": uuid4(),
        "lesson_id": uuid4(),
        "student_id": school.ids["student"],
        "school_class_id": school.ids["c7"],
        "subject_id": uuid4(),
        "subject_name": "алгебра",
        "teacher_id": school.ids["teacher"],
        "value": value,
        "weight": 1,
        "date": "2026-11-25",
    }


async def notices(svc: ServiceClient, recipient: UUID) -> list[Notice]:
    async with svc.runtime.db.sessionmaker() as session:
        return list(
            (await session.scalars(select(Notice).where(Notice.recipient_id == recipient))).all()
        )


async def test_a_two_tells_the_parents_and_the_class_teacher_and_a_four_tells_nobody(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    await journal(svc, school, "journal.mark.recorded", **mark(school, 4))
    assert await notices(svc, school.ids["parent"]) == []
    await journal(svc, school, "journal.mark.recorded", **mark(school, 2))
    [parent] = await notices(svc, school.ids["parent"])
    [teacher] = await notices(svc, school.ids["klassruk"])
    assert parent.kind == "failing_mark" and parent.link.startswith("lesson:")
    assert parent.text.startswith("Петров Иван: отметка «2» по предмету «алгебра» (25.11.2026)")
    assert "классному руководителю от учителя-предметника" in teacher.text
    assert await notices(svc, school.ids["parent2"]) == []


async def test_a_class_event_tells_the_class_and_a_decided_correction_tells_the_teacher(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    await journal(
        svc,
        school,
        "journal.class_event.scheduled",
        class_event_id=uuid4(),
        school_class_id=school.ids["c7"],
        kind="excursion",
        title="Экскурсия в музей",
        starts_on="2026-12-12",
        ends_on="2026-12-12",
    )
    for who in ("student", "classmate", "parent", "parent2"):
        [n] = await notices(svc, school.ids[who])
        assert n.text == "Класс 7Б: запланировано мероприятие «Экскурсия в музей» (12.12.2026)."
    assert await notices(svc, school.ids["student8"]) == []
    await journal(
        svc,
        school,
        "journal.correction.decided",
        request_id=uuid4(),
        lesson_id=uuid4(),
        student_id=school.ids["student"],
        action="change_mark",
        approved=True,
        requested_by=school.ids["teacher"],
        decided_by=school.ids["deputy"],
    )
    [n] = await notices(svc, school.ids["teacher"])
    assert n.text == "Заявка на исправление записи в журнале (Петров Иван) одобрена."


async def test_each_kind_comes_as_chosen_and_the_absence_cannot_be_turned_off(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    prefs = await gql(svc, school, "parent", PREFS)
    listed = {p["kind"]: p for p in prefs["data"]["myNoticePreferences"]}
    assert listed["ABSENCE"] == {"kind": "ABSENCE", "delivery": "IMMEDIATE", "canTurnOff": False}
    refused = await gql(svc, school, "parent", SET_PREF, k="ABSENCE", d="OFF")
    assert error(refused)["extensions"] == {"code": "VALIDATION", "field": "delivery"}

    await gql(svc, school, "parent", SET_PREF, k="FAILING_MARK", d="OFF")
    await gql(svc, school, "parent2", SET_PREF, k="CLASS_EVENT", d="DIGEST")
    await journal(svc, school, "journal.mark.recorded", **mark(school, 2))
    assert await notices(svc, school.ids["parent"]) == []
    event = await journal(
        svc,
        school,
        "journal.class_event.scheduled",
        class_event_id=uuid4(),
        school_class_id=school.ids["c7"],
        kind="meeting",
        title="Собрание",
        starts_on="2026-12-10",
        ends_on="2026-12-10",
    )
    [kept] = await notices(svc, school.ids["parent2"])
    [told] = await notices(svc, school.ids["parent"])
    assert kept.digest and not told.digest
    async with svc.runtime.db.sessionmaker() as session:
        announced = set(
            await session.scalars(
                select(OUTBOX.c.envelope["payload"]["recipient_id"].astext).where(
                    OUTBOX.c.subject.like("%messaging.notice.created")
                )
            )
        )
    assert str(school.ids["parent"]) in announced
    assert str(school.ids["parent2"]) not in announced  # the digest is not pushed
    assert event.type == "journal.class_event.scheduled"


# --- e-mail copies ---------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.received: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SGO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SGO_SMTP_PORT", str(port))
    monkeypatch.setenv("SGO_SMTP_FROM", "school@example.org")
    try:
        yield inbox
    finally:
        controller.stop()


async def test_a_notice_told_at_once_is_mailed_once_to_the_address_its_recipient_gave(
    world: tuple[ServiceClient, School], smtp: Inbox
) -> None:
    svc, school = world
    bad = await gql(svc, school, "parent", SET_EMAIL, e="не адрес")
    assert error(bad)["extensions"] == {"code": "VALIDATION", "field": "email"}
    ok = await gql(svc, school, "parent", SET_EMAIL, e="mama@example.org")
    assert ok["data"]["setNoticeEmail"] == "mama@example.org"
    await journal(svc, school, "journal.mark.recorded", **mark(school, 2))

    async def mailed() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            return bool(await session.scalar(select(func.count()).select_from(EmailDelivery)))

    await eventually(mailed, timeout=20)
    [letter] = smtp.received
    assert letter["To"] == "mama@example.org"
    assert str(email.header.make_header(email.header.decode_header(letter["Subject"]))) == (
        "Сетевой город: неудовлетворительная отметка"
    )
    assert "отметка «2» по предмету «алгебра»" in letter.get_payload(decode=True).decode()
    # The class teacher gave no address: no copy, and no failure either.
    async with svc.runtime.db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(EmailDelivery)) == 1


async def test_a_copy_the_server_refuses_becomes_a_dead_letter_the_administration_sees(
    world: tuple[ServiceClient, School], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, school = world
    monkeypatch.setenv("SGO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SGO_SMTP_PORT", str(free_port()))  # nobody listens there
    await gql(svc, school, "parent", SET_EMAIL, e="mama@example.org")
    await journal(svc, school, "journal.mark.recorded", **mark(school, 2))

    async def dead() -> list[dict[str, Any]]:
        result = await gql(svc, school, "director", DEAD)
        return result["data"]["emailDeadLetters"]

    [letter] = await eventually(dead, timeout=30)
    assert letter["email"] == "mama@example.org" and letter["attempts"] == 3
    refused = await gql(svc, school, "teacher", DEAD)
    assert error(refused)["extensions"]["code"] == "FORBIDDEN"


QUIET = "mutation($f: Time, $u: Time) { setQuietHours(from: $f, until: $u) { startsAt endsAt } }"


async def test_during_quiet_hours_the_copy_waits_and_goes_when_they_end(
    world: tuple[ServiceClient, School], smtp: Inbox
) -> None:
    from datetime import datetime, timedelta

    from services.messaging import email as email_copies
    from services.messaging.audiences import SCHOOL_TIMEZONE

    svc, school = world
    local = datetime.now(SCHOOL_TIMEZONE)
    starts = (local - timedelta(hours=1)).time().replace(microsecond=0, second=0)
    ends = (local + timedelta(hours=1)).time().replace(microsecond=0, second=0)
    refused = await gql(svc, school, "teacher", QUIET, f=str(starts), u=str(ends))
    assert error(refused)["extensions"]["code"] == "FORBIDDEN"
    same = await gql(svc, school, "director", QUIET, f=str(starts), u=str(starts))
    assert error(same)["extensions"] == {"code": "VALIDATION", "field": "from"}
    ok = await gql(svc, school, "director", QUIET, f=str(starts), u=str(ends))
    assert "errors" not in ok, ok

    await gql(svc, school, "parent", SET_EMAIL, e="mama@example.org")
    await journal(svc, school, "journal.mark.recorded", **mark(school, 2))

    async def held() -> list[EmailDelivery]:
        async with svc.runtime.db.sessionmaker() as session:
            return list((await session.scalars(select(EmailDelivery))).all())

    [copy] = await eventually(held, timeout=20)
    assert copy.status == "held" and smtp.received == []
    assert await notices(svc, school.ids["parent"])  # the notice itself is there at once
    assert await email_copies.send_held(svc.runtime.db) == 0  # not due yet
    assert copy.due_at is not None
    assert await email_copies.send_held(svc.runtime.db, now=copy.due_at + timedelta(seconds=1)) == 1
    [letter] = smtp.received
    assert letter["To"] == "mama@example.org"
    [after] = await held()
    assert after.status == "sent"
