"""Psychological and social data of students: characteristics, deviant behaviour, social status.

The regulation gives their editing to the psychologist and the social pedagogue («в личных
делах учащихся»). They read them, and so do the director and the deputy director for
upbringing and socialisation, whose area this is. Nobody else: not the class teacher, not
the other deputies, and not the student or the parents — these are the specialists' working
records in the student's file, which the regulation opens to no one else; a family asks for
them as a data subject's request (152-FZ art. 14), answered by the school, and sees through
``whoReadMyData`` who has read them. Every read and write is logged in its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.people import data_reads, domain
from services.people.domain import DataAction, DataSection, SocialStatus
from services.people.events import WellbeingDataChanged
from services.people.health import student
from services.people.models import DeviantBehaviourRecord, Person, WellbeingProfile
from services.people.service import _require
from services.people.verification import school_today

WRITERS = (Role.PSYCHOLOGIST, Role.SOCIAL_PEDAGOGUE)
READERS = (*WRITERS, Role.DIRECTOR, Role.DEPUTY_DIRECTOR_UPBRINGING)


@dataclass(frozen=True)
class WellbeingView:
    student: Person
    characteristics: str | None
    social_statuses: list[SocialStatus]
    deviant_behaviour: list[DeviantBehaviourRecord]
    updated_at: datetime | None


def _basis(principal: Principal) -> str:
    """The first of the caller's roles that opens this data (all are school-wide roles)."""
    return next(role.value for role in READERS if principal.has_role(role))


async def _view(session: AsyncSession, subject: Person) -> WellbeingView:
    profile = await session.get(WellbeingProfile, subject.id)
    records = await session.scalars(
        select(DeviantBehaviourRecord)
        .where(DeviantBehaviourRecord.student_id == subject.id)
        .order_by(DeviantBehaviourRecord.occurred_on.desc(), DeviantBehaviourRecord.id.desc())
    )
    return WellbeingView(
        student=subject,
        characteristics=profile.characteristics if profile else None,
        social_statuses=[SocialStatus(s) for s in profile.social_statuses] if profile else [],
        deviant_behaviour=list(records),
        updated_at=profile.updated_at if profile else None,
    )


async def read_wellbeing(
    uow: UnitOfWork, principal: Principal, student_id: UUID, *, field: str = "studentWellbeing"
) -> WellbeingView:
    school_id = _require(principal, *READERS)
    async with uow:
        subject = await student(uow.session, school_id, student_id)
        view = await _view(uow.session, subject)
        _log_read(uow, principal, subject, field)
        await uow.commit()
    return view


def _log_read(uow: UnitOfWork, principal: Principal, subject: Person, field: str) -> None:
    data_reads.record(
        uow.session,
        principal,
        subject=subject,
        basis=_basis(principal),
        action=DataAction.READ,
        section=DataSection.PSYCH_SOCIAL,
        field=field,
    )


async def _profile(session: AsyncSession, subject: Person) -> WellbeingProfile:
    profile = await session.get(WellbeingProfile, subject.id, with_for_update=True)
    if profile is None:
        profile = WellbeingProfile(
            student_id=subject.id, school_id=subject.school_id, social_statuses=[]
        )
        session.add(profile)
    return profile


def _log_write(
    uow: UnitOfWork,
    principal: Principal,
    subject: Person,
    *,
    field: str,
    section: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    data_reads.record(
        uow.session,
        principal,
        subject=subject,
        basis=_basis(principal),
        action=DataAction.WRITE,
        section=DataSection.PSYCH_SOCIAL,
        field=field,
        changes=[section],
        before=before,
        after=after,
    )
    uow.emit(
        WellbeingDataChanged(
            student_id=subject.id, school_id=subject.school_id, sections=[section]
        ),
        school_id=subject.school_id,
    )


async def set_characteristics(
    uow: UnitOfWork, principal: Principal, *, student_id: UUID, text: str | None
) -> WellbeingView:
    """Replace the psychological and pedagogical characteristics (blank clears them)."""
    school_id = _require(principal, *WRITERS)
    text = domain.free_text(text, "characteristics", limit=domain.MAX_TEXT_LENGTH, required=False)
    async with uow:
        subject = await student(uow.session, school_id, student_id)
        profile = await _profile(uow.session, subject)
        if profile.characteristics != text:
            _log_write(
                uow,
                principal,
                subject,
                field="setPsychologicalCharacteristics",
                section="characteristics",
                before={"characteristics": profile.characteristics},
                after={"characteristics": text},
            )
            profile.characteristics = text
            profile.updated_at, profile.updated_by = utcnow(), principal.person_id
        else:  # nothing written, but the answer shows the record: that is a read
            _log_read(uow, principal, subject, "setPsychologicalCharacteristics")
        await uow.session.flush()
        view = await _view(uow.session, subject)
        await uow.commit()
    return view


async def set_social_statuses(
    uow: UnitOfWork, principal: Principal, *, student_id: UUID, statuses: Sequence[SocialStatus]
) -> WellbeingView:
    """Replace the student's social status (a set from the dictionary; empty clears it)."""
    school_id = _require(principal, *WRITERS)
    wanted = sorted({s.value for s in statuses})
    async with uow:
        subject = await student(uow.session, school_id, student_id)
        profile = await _profile(uow.session, subject)
        current = sorted(profile.social_statuses or [])
        if current != wanted:
            _log_write(
                uow,
                principal,
                subject,
                field="setSocialStatuses",
                section="social_status",
                before={"social_statuses": current},
                after={"social_statuses": wanted},
            )
            profile.social_statuses = wanted
            profile.updated_at, profile.updated_by = utcnow(), principal.person_id
        else:
            _log_read(uow, principal, subject, "setSocialStatuses")
        await uow.session.flush()
        view = await _view(uow.session, subject)
        await uow.commit()
    return view


async def record_deviant_behaviour(
    uow: UnitOfWork,
    principal: Principal,
    *,
    student_id: UUID,
    occurred_on: date,
    description: str,
    now: datetime,
) -> DeviantBehaviourRecord:
    school_id = _require(principal, *WRITERS)
    cleaned = domain.free_text(description, "description", limit=domain.MAX_TEXT_LENGTH)
    assert cleaned is not None
    async with uow:
        domain.check_deviant_behaviour_date(
            occurred_on, await school_today(uow.session, school_id, now)
        )
        subject = await student(uow.session, school_id, student_id)
        record = DeviantBehaviourRecord(
            id=uuid7(),
            school_id=school_id,
            student_id=student_id,
            occurred_on=occurred_on,
            description=cleaned,
            recorded_by=principal.person_id,
        )
        uow.session.add(record)
        _log_write(
            uow,
            principal,
            subject,
            field="recordDeviantBehaviour",
            section="deviant_behaviour",
            before=None,
            after={
                "id": str(record.id),
                "occurred_on": occurred_on.isoformat(),
                "description": cleaned,
            },
        )
        await uow.commit()
    return record
