"""Anonymisation: the due table, the schedule, what is replaced and what stays, the replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from services.journal import models as journal
from services.kernel.db import Database
from services.kernel.events import Envelope
from services.kernel.principal import ANONYMOUS
from services.kernel.uow import OUTBOX
from services.messaging import events as messaging_events
from services.messaging import models as messaging
from services.people.anonymisation import (
    anonymise_due,
    cancel_anonymisation,
    run_schedule,
    schedule_anonymisation,
)
from services.people.models import (
    Account,
    Anonymisation,
    Enrolment,
    Guardianship,
    Person,
    PersonalData,
    PersonalDataChange,
    Session,
)
from tests.people.helpers import School, build_school, error_code, login, ok, sign_in
from tests.support import Infra, ServiceClient, eventually, new_namespace, running_service

UPDATE = """mutation($input: UpdatePersonalDataInput!) { updatePersonalData(input: $input) {
  phone } }"""
CHILD = {"phone": "+7 913 123-45-67", "snils": "112-233-445 95", "birthDate": "2013-04-05"}


@dataclass
class World:
    people: ServiceClient
    journal: ServiceClient
    messaging: ServiceClient
    school: School

    async def schedule(self, key: str, reason: str, starting: date) -> None:
        async with self.people.runtime.db.sessionmaker() as session, session.begin():
            await schedule_anonymisation(
                session,
                school_id=self.school.id,
                person_id=self.school.ids[key],
                reason=reason,
                starting=starting,
            )

    async def due(self, key: str) -> Anonymisation | None:
        async with self.people.runtime.db.sessionmaker() as session:
            return await session.get(Anonymisation, self.school.ids[key])


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    namespace = new_namespace()
    async with (
        running_service(infra, "people", namespace=namespace) as people,
        running_service(infra, "journal", namespace=namespace) as journal_svc,
        running_service(infra, "messaging", namespace=namespace) as messaging_svc,
    ):
        school = await build_school(people)
        yield World(people, journal_svc, messaging_svc, school)


async def test_a_later_schedule_keeps_the_earliest_due_date(world: World) -> None:
    await world.schedule("orlov.parent", "departure", date(2026, 10, 10))
    await world.schedule("orlov.parent", "consent_withdrawn", date(2026, 10, 1))
    await world.schedule("orlov.parent", "dismissal", date(2026, 11, 1))
    due = await world.due("orlov.parent")
    assert due is not None
    assert (due.due_on, due.reason) == (date(2026, 10, 31), "consent_withdrawn")
    async with world.people.runtime.db.sessionmaker() as session, session.begin():
        assert await cancel_anonymisation(session, world.school.ids["orlov.parent"]) is True
        assert await cancel_anonymisation(session, world.school.ids["orlov.parent"]) is False
    assert await world.due("orlov.parent") is None


async def test_an_unknown_reason_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        await world.schedule("orlov.parent", "boredom", date(2026, 10, 1))


async def test_the_term_is_the_schools_setting(world: World) -> None:
    term = "mutation($days: Int!) { setAnonymiseAfterDays(days: $days) }"
    await ok(world.people, term, {"days": 10}, principal=world.school.admin)
    try:
        await world.schedule("orlov.parent", "departure", date(2026, 10, 1))
        due = await world.due("orlov.parent")
        assert due is not None and due.due_on == date(2026, 10, 11)
    finally:
        await ok(world.people, term, {"days": 30}, principal=world.school.admin)
        async with world.people.runtime.db.sessionmaker() as session, session.begin():
            await cancel_anonymisation(session, world.school.ids["orlov.parent"])


async def test_anonymisation_replaces_the_data_and_keeps_the_history(world: World) -> None:
    people, school = world.people, world.school
    student = school.ids["petrov.student"]
    await ok(
        people,
        UPDATE,
        {"input": {"personId": str(student), **CHILD}},
        principal=school.admin,
    )
    password = await school.account("petrov.student", "petrov.artem", given_by="petrov.parent")
    await sign_in(people, "petrov.artem", password)

    async def replicated() -> bool:
        async with world.journal.runtime.db.sessionmaker() as j:
            in_journal = await j.get(journal.Person, student)
        async with world.messaging.runtime.db.sessionmaker() as m:
            in_messaging = await m.get(messaging.Person, student)
        return in_journal is not None and in_messaging is not None

    await eventually(replicated, timeout=20)

    await world.schedule("petrov.student", "departure", date(2026, 9, 1))
    # Due on 1 October by the school's own (Tomsk, UTC+7) calendar.
    not_yet = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert await anonymise_due(people.runtime.uow(ANONYMOUS), not_yet) == 0
    tomsk_morning = datetime(2026, 9, 30, 18, 0, tzinfo=UTC)
    assert await anonymise_due(people.runtime.uow(ANONYMOUS), tomsk_morning) == 1

    async with people.runtime.db.sessionmaker() as session:
        person = await session.get(Person, student)
        assert person is not None
        short = str(student).replace("-", "")[-8:]
        assert (person.last_name, person.first_name, person.middle_name) == (
            "Обезличено",
            short,
            None,
        )
        assert (person.sex, person.birth_date) == (None, None)
        data = await session.get(PersonalData, student)
        assert data is not None and (data.phone, data.snils) == (None, None)
        log = (
            await session.scalars(
                select(PersonalDataChange)
                .where(PersonalDataChange.person_id == student)
                .order_by(PersonalDataChange.id)
            )
        ).all()
        assert {(r.value_before, r.value_after) for r in log[:-1]} == {(None, None)}
        assert (log[-1].kind, log[-1].field, log[-1].changed_by, log[-1].note) == (
            "anonymisation",
            "*",
            None,
            "выбытие учащегося",
        )
        account = await session.scalar(select(Account).where(Account.person_id == student))
        assert account is not None and account.blocked_at is not None
        assert account.login == f"anon.{short}"
        open_sessions = await session.scalar(
            select(func.count())
            .select_from(Session)
            .where(Session.account_id == account.id, Session.ended_at.is_(None))
        )
        assert open_sessions == 0
        # The ids and the history stay: the class, the parent.
        assert await session.scalar(select(Enrolment.id).where(Enrolment.person_id == student))
        assert await session.scalar(
            select(Guardianship.id).where(Guardianship.student_id == student)
        )
        published = (
            await session.execute(
                select(OUTBOX.c.envelope).where(
                    OUTBOX.c.envelope["type"].astext == "people.person.anonymised"
                )
            )
        ).scalar_one()
    assert published["payload"]["last_name"] == "Обезличено"
    assert published["payload"]["first_name"] == short
    assert "Петров" not in str(published)
    assert error_code(await login(people, "petrov.artem", password)) == "UNAUTHENTICATED"

    async def replicas_anonymised() -> bool:
        async with world.journal.runtime.db.sessionmaker() as j:
            in_journal = await j.get(journal.Person, student)
        async with world.messaging.runtime.db.sessionmaker() as m:
            in_messaging = await m.get(messaging.Person, student)
        return (
            in_journal is not None
            and in_messaging is not None
            and (in_journal.last_name, in_journal.first_name) == ("Обезличено", short)
            and (in_messaging.last_name, in_messaging.first_name) == ("Обезличено", short)
        )

    await eventually(replicas_anonymised, timeout=20)

    # Done is done: nothing more is due, and a new schedule does not bring it back.
    await world.schedule("petrov.student", "consent_withdrawn", date(2026, 9, 1))
    assert await anonymise_due(people.runtime.uow(ANONYMOUS), tomsk_morning) == 0


async def test_the_service_runs_the_schedule_by_itself(world: World) -> None:
    key = "orlov.student"
    await world.schedule(key, "departure", date.today() - timedelta(days=40))
    task = asyncio.create_task(run_schedule(world.people.runtime, every=0.05))
    try:

        async def anonymised() -> bool:
            due = await world.due(key)
            return due is not None and due.done_at is not None

        await eventually(anonymised)
    finally:
        task.cancel()
    async with world.people.runtime.db.sessionmaker() as session:
        person = await session.get(Person, world.school.ids[key])
    assert person is not None and person.last_name == "Обезличено"
    assert any(t.get_name() == "people-anonymisation" for t in world.people.runtime.tasks)


async def test_messaging_renames_the_student_in_notices_to_parents(infra: Infra) -> None:
    db = Database.connect(await infra.fresh_database("messaging"))
    school, student, parent, stranger = uuid4(), uuid4(), uuid4(), uuid4()
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add_all(
                [
                    messaging.Person(
                        person_id=student,
                        school_id=school,
                        kind="student",
                        last_name="Петров",
                        first_name="Артём",
                        middle_name="Алексеевич",
                    ),
                    messaging.Guardianship(parent_id=parent, student_id=student, school_id=school),
                ]
            )
            for recipient, text in (
                (parent, "Петров Артём отсутствовал на уроке «алгебра» (25.11.2026)."),
                (stranger, "Петров Артём отсутствовал на уроке «химия» (25.11.2026)."),
            ):
                session.add(
                    messaging.Notice(
                        id=uuid4(),
                        school_id=school,
                        recipient_id=recipient,
                        kind="absence",
                        text=text,
                        source_event_id=uuid4(),
                    )
                )
        envelope = Envelope(
            type="people.person.anonymised",
            school_id=school,
            payload={
                "person_id": str(student),
                "school_id": str(school),
                "reason": "departure",
                "last_name": "Обезличено",
                "first_name": "1a2b3c4d",
                "middle_name": None,
            },
        )
        async with db.sessionmaker() as session, session.begin():
            await messaging_events.on_person_anonymised(session, envelope)
        async with db.sessionmaker() as session:
            rows = await session.execute(
                select(messaging.Notice.recipient_id, messaging.Notice.text)
            )
            texts = {recipient: text for recipient, text in rows}
            person = await session.get(messaging.Person, student)
        assert texts[parent] == "Обезличено 1a2b3c4d отсутствовал на уроке «алгебра» (25.11.2026)."
        # Someone else's notice about another Петров Артём is not theirs to rewrite.
        assert texts[stranger].startswith("Петров Артём")
        assert person is not None and person.middle_name is None
    finally:
        await db.dispose()
