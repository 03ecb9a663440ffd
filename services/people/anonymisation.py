"""Anonymisation once the purpose of processing ends (152-FZ, art. 21): consent withdrawn, a
student departed, an employee dismissed.

The use cases that end the purpose call ``schedule_anonymisation`` in their own transaction;
the school's term (30 days by default, ``personal_data.anonymise_after_days``) later the
schedule replaces the person's data: names become «Обезличено <short id>», every other field
is cleared, the values in the change log are erased, the account is blocked under a neutral
login. The person row and its ids stay, as do enrolments, guardianships and consents, so the
history the law keeps (the journal's marks, the archive — in other services, untouched) still
points somewhere. The anonymisation is logged and published as ``people.person.anonymised``
so other services replace the names they replicated.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import utcnow
from services.kernel.graphql import Runtime
from services.kernel.periodic import run_every
from services.kernel.principal import ANONYMOUS
from services.kernel.uow import UnitOfWork
from services.people import audit
from services.people.events import AccountBlocked, PersonAnonymised, SessionEnded
from services.people.models import (
    Account,
    Anonymisation,
    DataAccessEntry,
    DeviantBehaviourRecord,
    HealthCondition,
    HealthRecord,
    Person,
    PersonalData,
    School,
    Session,
    WellbeingProfile,
)
from services.people.personal_data import DATA_COLUMNS, anonymise_after_days
from services.people.personal_data_rules import anonymised_names

log = logging.getLogger("sgo.people.anonymisation")

BATCH = 100
SWEEP_SECONDS = 3600.0


class Reason(StrEnum):
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DEPARTURE = "departure"
    DISMISSAL = "dismissal"


REASON_LABELS = {
    Reason.CONSENT_WITHDRAWN: "отзыв согласия на обработку персональных данных",
    Reason.DEPARTURE: "выбытие учащегося",
    Reason.DISMISSAL: "увольнение сотрудника",
}


async def schedule_anonymisation(
    session: AsyncSession, *, school_id: UUID, person_id: UUID, reason: str, starting: date
) -> None:
    """Due the school's term after ``starting``; calling again keeps the earliest due date,
    and a person already anonymised stays as they are."""
    reason = Reason(reason).value
    due_on = starting + timedelta(days=await anonymise_after_days(session, school_id))
    stmt = insert(Anonymisation).values(
        person_id=person_id, school_id=school_id, reason=reason, due_on=due_on
    )
    earlier = stmt.excluded.due_on < Anonymisation.due_on
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Anonymisation.person_id],
            set_={
                "due_on": func.least(Anonymisation.due_on, stmt.excluded.due_on),
                "reason": case((earlier, stmt.excluded.reason), else_=Anonymisation.reason),
            },
            where=Anonymisation.done_at.is_(None),
        )
    )


async def cancel_anonymisation(session: AsyncSession, person_id: UUID) -> bool:
    """Consent given again, a student re-enrolled: the due anonymisation is dropped."""
    result = await session.execute(
        delete(Anonymisation).where(
            Anonymisation.person_id == person_id, Anonymisation.done_at.is_(None)
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _local_date(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


async def anonymise_due(uow: UnitOfWork, now: datetime) -> int:
    """Anonymise up to ``BATCH`` persons due by the school's own date; returns how many.

    Several instances may run the schedule: rows another holds are skipped, not waited for.
    """
    async with uow:
        session = uow.session
        rows = (
            await session.execute(
                select(Anonymisation, School.timezone)
                .join(School, School.id == Anonymisation.school_id)
                .where(
                    Anonymisation.done_at.is_(None),
                    # Every time zone's date is at most one day ahead of UTC's.
                    Anonymisation.due_on <= now.date() + timedelta(days=1),
                )
                .order_by(Anonymisation.due_on, Anonymisation.person_id)
                .limit(BATCH)
                .with_for_update(of=Anonymisation, skip_locked=True)
            )
        ).all()
        done = 0
        for due, timezone in rows:
            if due.due_on > _local_date(now, timezone):
                continue
            await _anonymise(uow, due, now)
            done += 1
        await uow.commit()
    return done


async def _anonymise(uow: UnitOfWork, due: Anonymisation, now: datetime) -> None:
    session = uow.session
    person = await session.get(Person, due.person_id, with_for_update=True)
    assert person is not None  # a foreign key holds it
    last, first, middle = anonymised_names(person.id)
    person.last_name, person.first_name, person.middle_name = last, first, middle
    person.sex, person.birth_date = None, None
    data = await session.get(PersonalData, person.id, with_for_update=True)
    if data is not None:
        for column in DATA_COLUMNS.values():
            setattr(data, column, None)
        data.updated_at = now
    await _close_account(uow, person, now)
    await audit.erase_values(session, person.id)
    await _erase_special_categories(session, person.id)
    audit.record(
        session,
        school_id=person.school_id,
        person_id=person.id,
        field=audit.ALL_FIELDS,
        before=None,
        after=None,
        changed_by=None,
        kind=audit.ANONYMISATION,
        note=REASON_LABELS.get(Reason(due.reason), due.reason),
    )
    due.done_at = now
    uow.emit(
        PersonAnonymised(
            person_id=person.id,
            school_id=person.school_id,
            reason=due.reason,
            last_name=last,
            first_name=first,
            middle_name=middle,
        ),
        school_id=person.school_id,
    )


async def _erase_special_categories(session: AsyncSession, person_id: UUID) -> None:
    """Health and psych-social records go entirely; their access log keeps who read and when
    (the subject's right to know outlives the data) but loses the values it kept of writes."""
    for model in (HealthCondition, HealthRecord, DeviantBehaviourRecord, WellbeingProfile):
        await session.execute(delete(model).where(model.student_id == person_id))
    await session.execute(
        update(DataAccessEntry)
        .where(DataAccessEntry.subject_id == person_id)
        .values(before=None, after=None)
    )


async def _close_account(uow: UnitOfWork, person: Person, now: datetime) -> None:
    """The login often spells the name; the sessions keep addresses. Neither may outlive it."""
    session = uow.session
    account = await session.scalar(
        select(Account).where(Account.person_id == person.id).with_for_update()
    )
    if account is None:
        return
    account.login = f"anon.{person.first_name}"
    account.password_hash = "!"  # no password verifies against it
    ended = list(
        await session.scalars(
            update(Session)
            .where(Session.account_id == account.id, Session.ended_at.is_(None))
            .values(ended_at=now, end_reason="anonymised")
            .returning(Session.id)
        )
    )
    await session.execute(
        update(Session).where(Session.account_id == account.id).values(address=None)
    )
    for session_id in ended:
        uow.emit(
            SessionEnded(session_id=session_id, account_id=account.id, reason="anonymised"),
            school_id=None,
        )
    if account.blocked_at is None:
        account.blocked_at = now
        account.blocked_reason = "anonymised"
        uow.emit(
            AccountBlocked(
                account_id=account.id,
                person_id=person.id,
                school_id=person.school_id,
                reason="anonymised",
            ),
            school_id=person.school_id,
        )


async def run_schedule(runtime: Runtime, every: float = SWEEP_SECONDS) -> None:
    """The periodic task: drain what is due, then sleep; a failure waits for the next round."""

    async def drain() -> None:
        while await anonymise_due(runtime.uow(ANONYMOUS), utcnow()) == BATCH:
            pass

    await run_every(every, drain, log=log, what="anonymisation round")


async def start_schedule(runtime: Runtime) -> None:
    runtime.spawn(run_schedule(runtime), name="people-anonymisation")
