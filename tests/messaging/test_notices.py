"""Absence notices to parents, fed by real envelopes on NATS, read through the subgraph."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import nats
import orjson
import pytest
from nats.aio.client import Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import OUTBOX
from services.messaging.models import Absence, Guardianship, Notice
from tests.support import Infra, ServiceClient, eventually, running_service

SCHOOL = uuid4()

MY_NOTICES = """
query ($unreadOnly: Boolean!) {
  myNotices(unreadOnly: $unreadOnly) { id kind kindLabel text createdAt readAt }
}
"""
MARK_READ = "mutation ($id: ID!) { markNoticeRead(id: $id) { id readAt } }"


@pytest.fixture
async def svc(infra: Infra, namespace: str) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "messaging", namespace=namespace) as service:
        yield service


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


async def publish(
    nc: Client, namespace: str, envelope: Envelope, *, msg_id: str | None = None
) -> None:
    await nc.jetstream().publish(
        envelope.subject(namespace),
        orjson.dumps(envelope.model_dump(mode="json")),
        headers={"Nats-Msg-Id": msg_id or str(envelope.id)},
    )


def envelope(type_: str, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID | date) else v for k, v in payload.items()}
    return Envelope(type=type_, school_id=SCHOOL, payload=body)


def person(person_id: UUID, kind: str, last: str, first: str, middle: str | None) -> Envelope:
    return envelope(
        "people.person.registered",
        person_id=person_id,
        school_id=SCHOOL,
        kind=kind,
        last_name=last,
        first_name=first,
        middle_name=middle,
    )


def guardianship(parent_id: UUID, student_id: UUID) -> Envelope:
    return envelope(
        "people.guardianship.linked",
        parent_id=parent_id,
        student_id=student_id,
        school_id=SCHOOL,
        relation="мать",
    )


def attendance(student_id: UUID, code: str, *, number: int = 2) -> Envelope:
    return envelope(
        "journal.attendance.set",
        attendance_id=uuid4(),
        school_id=SCHOOL,
        lesson_id=uuid4(),
        student_id=student_id,
        school_class_id=uuid4(),
        subject_name="алгебра",
        date=date(2026, 11, 25),
        lesson_number=number,
        code=code,
        set_by=uuid4(),
    )


def parent_principal(parent_id: UUID, *children: UUID) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=parent_id,
        school_id=SCHOOL,
        session_id=uuid4(),
        login=f"parent-{parent_id.hex[:6]}",
        roles=(RoleGrant(Role.PARENT, student_ids=children),),
    )


async def notices_of(svc: ServiceClient, recipient: UUID) -> list[Notice]:
    async with svc.runtime.db.sessionmaker() as session:
        rows = await session.scalars(select(Notice).where(Notice.recipient_id == recipient))
        return list(rows.all())


async def family(nc: Client, namespace: str) -> tuple[UUID, UUID, UUID]:
    """A student with two parents, registered and linked through people's events."""
    student, mother, father = uuid4(), uuid4(), uuid4()
    for env in (
        person(student, "student", "Иванов", "Пётр", "Сергеевич"),
        person(mother, "parent", "Иванова", "Мария", "Петровна"),
        person(father, "parent", "Иванов", "Сергей", "Олегович"),
        envelope(
            "people.student.enrolled",
            person_id=student,
            school_id=SCHOOL,
            school_class_id=uuid4(),
            enrolled_on=date(2026, 9, 1),
        ),
        guardianship(mother, student),
        guardianship(father, student),
    ):
        await publish(nc, namespace, env)
    return student, mother, father


async def test_each_parent_is_told_of_an_absence_and_not_of_a_late_arrival(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    student, mother, father = await family(nc, namespace)

    async def linked() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).where(Guardianship.student_id == student)
            )
            return count == 2

    await eventually(linked)
    await publish(nc, namespace, attendance(student, "ОП", number=1))
    await publish(nc, namespace, attendance(student, "ОТ", number=2))

    async def both_told() -> bool:
        return len(await notices_of(svc, mother)) == 1 and len(await notices_of(svc, father)) == 1

    await eventually(both_told)
    result = await svc.gql(MY_NOTICES, {"unreadOnly": False}, principal=parent_principal(mother))
    assert "errors" not in result, result
    [notice] = result["data"]["myNotices"]
    assert notice["kind"] == "ABSENCE"
    assert notice["readAt"] is None
    assert notice["text"] == "Иванов Пётр отсутствовал на уроке «алгебра» (2-й урок, 25.11.2026)."

    # The late arrival (ОП) was kept in the replica but told nobody.
    async with svc.runtime.db.sessionmaker() as session:
        codes = await session.scalars(select(Absence.code).where(Absence.student_id == student))
        assert sorted(codes.all()) == ["ОП", "ОТ"]

    async def announced() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OUTBOX)
                .where(
                    OUTBOX.c.subject == f"{namespace}.messaging.notice.created",
                    OUTBOX.c.published_at.is_not(None),
                )
            )
            return count == 2

    await eventually(announced)


async def test_the_same_event_published_twice_gives_one_notice(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    student, mother, _ = await family(nc, namespace)
    absent = attendance(student, "ОТ")
    await publish(nc, namespace, absent)
    # A new message id gets past JetStream's de-duplication; the inbox must stop it.
    await publish(nc, namespace, absent, msg_id=str(uuid4()))
    later = attendance(student, "ОТ", number=5)
    await publish(nc, namespace, later)

    async def both_absences_told() -> list[Notice]:
        rows = await notices_of(svc, mother)
        return rows if any("5-й урок" in n.text for n in rows) else []

    rows = await eventually(both_absences_told)
    assert len(rows) == 2
    assert sorted(n.source_event_id for n in rows) == sorted([absent.id, later.id])


async def test_a_parent_linked_after_the_absence_is_still_told(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    student, parent = uuid4(), uuid4()
    await publish(nc, namespace, person(student, "student", "Петрова", "Анна", "Игоревна"))
    await publish(nc, namespace, person(parent, "parent", "Петров", "Игорь", "Ильич"))
    await publish(nc, namespace, attendance(student, "ОТ", number=3))

    async def absence_stored() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            return await _any_absence(session, student) is not None

    await eventually(absence_stored)
    assert await notices_of(svc, parent) == []
    await publish(nc, namespace, guardianship(parent, student))
    rows = await eventually(lambda: notices_of(svc, parent))
    assert [n.text for n in rows] == [
        "Петрова Анна отсутствовала на уроке «алгебра» (3-й урок, 25.11.2026)."
    ]


async def _any_absence(session: AsyncSession, student: UUID) -> UUID | None:
    return await session.scalar(
        select(Absence.attendance_id).where(Absence.student_id == student).limit(1)
    )


async def test_only_the_recipient_reads_and_marks_a_notice(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    student, mother, _ = await family(nc, namespace)
    await publish(nc, namespace, attendance(student, "ОТ"))
    [row] = await eventually(lambda: notices_of(svc, mother))

    stranger = parent_principal(uuid4())
    result = await svc.gql(MY_NOTICES, {"unreadOnly": False}, principal=stranger)
    assert result["data"]["myNotices"] == []

    result = await svc.gql(MARK_READ, {"id": str(row.id)}, principal=stranger)
    # Another person's notice answers exactly as one that does not exist.
    missing = await svc.gql(MARK_READ, {"id": str(uuid4())}, principal=stranger)
    assert result == missing
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await notices_of(svc, mother))[0].read_at is None

    owner = parent_principal(mother, student)
    unread = await svc.gql(MY_NOTICES, {"unreadOnly": True}, principal=owner)
    assert [n["id"] for n in unread["data"]["myNotices"]] == [str(row.id)]
    result = await svc.gql(MARK_READ, {"id": str(row.id)}, principal=owner)
    assert "errors" not in result, result
    assert result["data"]["markNoticeRead"]["readAt"] is not None
    unread = await svc.gql(MY_NOTICES, {"unreadOnly": True}, principal=owner)
    assert unread["data"]["myNotices"] == []


async def test_an_unknown_notice_is_not_found_and_anonymous_is_refused(
    svc: ServiceClient,
) -> None:
    owner = parent_principal(uuid4())
    result = await svc.gql(MARK_READ, {"id": str(uuid4())}, principal=owner)
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    result = await svc.gql(MY_NOTICES, {"unreadOnly": False})
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
