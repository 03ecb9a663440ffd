"""The end of the school day in messaging: class teachers and parents told of ОТ left without a
reason, and absences told by their category."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID, uuid4

import nats
import pytest
from nats.aio.client import Client
from sqlalchemy import func, select

from services.messaging import domain
from services.messaging.models import Absence, ClassTeacher, Guardianship
from tests.messaging.test_notices import (
    SCHOOL,
    attendance,
    envelope,
    guardianship,
    notices_of,
    person,
    publish,
)
from tests.support import Infra, ServiceClient, eventually, running_service

DAY = date(2026, 11, 26)


@pytest.fixture
async def svc(infra: Infra, namespace: str) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "messaging", namespace=namespace) as service:
        yield service


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


def unresolved(
    class_id: UUID, teacher_id: UUID | None, *students: tuple[UUID, list[int]]
) -> dict[str, object]:
    return {
        "school_class_id": str(class_id),
        "class_teacher_id": str(teacher_id) if teacher_id else None,
        "students": [
            {
                "student_id": str(sid),
                "lesson_ids": [str(uuid4()) for _ in numbers],
                "lesson_numbers": numbers,
            }
            for sid, numbers in students
        ],
    }


async def class_with_two_families(
    svc: ServiceClient, nc: Client, namespace: str
) -> dict[str, UUID]:
    ids = {k: uuid4() for k in ("class", "teacher", "pupil", "mother", "girl", "father")}
    for env in (
        person(ids["teacher"], "staff", "Классова", "Ольга", "Ивановна"),
        person(ids["pupil"], "student", "Иванов", "Пётр", "Сергеевич"),
        person(ids["mother"], "parent", "Иванова", "Мария", "Петровна"),
        person(ids["girl"], "student", "Петрова", "Анна", "Игоревна"),
        person(ids["father"], "parent", "Петров", "Игорь", "Ильич"),
        guardianship(ids["mother"], ids["pupil"]),
        guardianship(ids["father"], ids["girl"]),
        envelope(
            "people.school_class.class_teacher_assigned",
            school_class_id=ids["class"],
            school_id=SCHOOL,
            person_id=ids["teacher"],
        ),
    ):
        await publish(nc, namespace, env)

    async def replicated() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            links = await session.scalar(
                select(func.count()).where(Guardianship.student_id.in_([ids["pupil"], ids["girl"]]))
            )
            teacher = await session.get(ClassTeacher, ids["class"])
            return links == 2 and teacher is not None

    await eventually(replicated)
    return ids


async def test_the_class_teacher_and_each_parent_are_told_of_unresolved_absences_once(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    ids = await class_with_two_families(svc, nc, namespace)
    event = envelope(
        "journal.absences.unresolved",
        school_id=SCHOOL,
        date=DAY,
        classes=[
            unresolved(ids["class"], ids["teacher"], (ids["pupil"], [2, 3]), (ids["girl"], [1]))
        ],
    )
    await publish(nc, namespace, event)
    await publish(nc, namespace, event, msg_id=str(uuid4()))  # redelivered: nobody told twice

    [to_teacher] = await eventually(lambda: notices_of(svc, ids["teacher"]))
    assert to_teacher.kind == domain.NoticeKind.UNRESOLVED_ABSENCES.value
    assert to_teacher.text == (
        "Не указана причина пропусков за 26.11.2026: Иванов Пётр (уроки 2, 3); "
        "Петрова Анна (урок 1). Укажите причину (Б, УП, НП, ОСВ) в журнале."
    )
    [to_mother] = await eventually(lambda: notices_of(svc, ids["mother"]))
    assert to_mother.text == (
        "Иванов Пётр отсутствовал на 2, 3-м уроках 26.11.2026, причина не указана. "
        "Сообщите причину классному руководителю."
    )
    [to_father] = await eventually(lambda: notices_of(svc, ids["father"]))
    assert to_father.text.startswith("Петрова Анна отсутствовала на 1-м уроке 26.11.2026")
    assert to_father.source_event_id == event.id
    # Nobody outside the list is told: the student is no recipient of a notice about themself.
    assert await notices_of(svc, ids["pupil"]) == []


async def test_without_a_class_teacher_in_the_event_the_replica_names_them(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    ids = await class_with_two_families(svc, nc, namespace)
    await publish(
        nc,
        namespace,
        envelope(
            "journal.absences.unresolved",
            school_id=SCHOOL,
            date=DAY,
            classes=[unresolved(ids["class"], None, (ids["girl"], [4]))],
        ),
    )
    [notice] = await eventually(lambda: notices_of(svc, ids["teacher"]))
    assert "Петрова Анна (урок 4)" in notice.text
    assert await notices_of(svc, ids["mother"]) == []


async def test_a_reason_given_by_the_class_teacher_is_not_told_as_an_absence(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    ids = await class_with_two_families(svc, nc, namespace)
    illness = attendance(ids["pupil"], "Б", number=1)
    illness.payload["category"] = "illness"
    school_code = attendance(ids["pupil"], "Х", number=2)
    school_code.payload["category"] = "absent_unknown"
    await publish(nc, namespace, illness)
    await publish(nc, namespace, school_code)
    [notice] = await eventually(lambda: notices_of(svc, ids["mother"]))
    assert "2-й урок" in notice.text


def test_only_an_absence_of_unknown_reason_notifies_parents_whatever_its_code() -> None:
    assert domain.notifies_parents("Х", "absent_unknown")
    assert not domain.notifies_parents("ОТ", "illness")
    assert not domain.notifies_parents("ОП", "late")
    assert domain.notifies_parents("ОТ")  # events without a category: the code tells


def test_lesson_numbers_read_as_russian() -> None:
    assert domain.lesson_numbers_text([2]) == "2-м уроке"
    assert domain.lesson_numbers_text([3, 1, 3]) == "1, 3-м уроках"


async def test_a_cleared_absence_is_not_told_to_a_parent_linked_later(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    student, parent = uuid4(), uuid4()
    await publish(nc, namespace, person(student, "student", "Сидоров", "Олег", "Петрович"))
    absent = attendance(student, "ОТ", number=4)
    await publish(nc, namespace, absent)

    async def stored() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            return await session.get(Absence, UUID(absent.payload["attendance_id"])) is not None

    await eventually(stored)
    await publish(
        nc,
        namespace,
        envelope(
            "journal.attendance.cleared",
            attendance_id=absent.payload["attendance_id"],
            school_id=SCHOOL,
            lesson_id=absent.payload["lesson_id"],
            student_id=student,
            school_class_id=absent.payload["school_class_id"],
            date=DAY,
            lesson_number=4,
            code_before="ОТ",
            cleared_by=uuid4(),
        ),
    )

    async def cleared() -> bool:
        # Kept as a tombstone: an older ОТ redelivered after the clearing stays cleared.
        async with svc.runtime.db.sessionmaker() as session:
            row = await session.get(Absence, UUID(absent.payload["attendance_id"]))
            return row is not None and row.cleared

    await eventually(cleared)
    await publish(nc, namespace, guardianship(parent, student))

    async def linked() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            return await session.get(Guardianship, (parent, student)) is not None

    await eventually(linked)
    assert await notices_of(svc, parent) == []
