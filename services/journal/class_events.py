"""A class's events over days: the class teacher's calendar parents are told about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import (
    check_range,
    is_class_teacher,
    is_family_of_class,
    own_school_class,
    require,
)
from services.journal.domain.class_events import check_class_event
from services.journal.events import ClassEventCancelled, ClassEventScheduled
from services.journal.models import (
    ClassEvent,
    SchoolClass,
    TeachingLoad,
)
from services.journal.views import ClassEventView, class_event_view
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork
from services.kernel.visibility import require_visible

# The class teacher of that very class (checked on the row), or the school's upbringing lead.
CLASS_EVENT_ORGANISERS = (
    Role.CLASS_TEACHER,
    Role.DEPUTY_DIRECTOR_UPBRINGING,
    Role.ADMINISTRATOR,
)
CLASS_EVENT_READERS = (
    Role.CLASS_TEACHER,
    Role.SUBJECT_TEACHER,
    *ADMINISTRATION,
    Role.STUDENT,
    Role.PARENT,
)


@dataclass(frozen=True)
class ClassEventInput:
    school_class_id: UUID
    kind: domain.ClassEventKind
    title: str
    starts_on: date
    ends_on: date
    description: str | None = None
    place: str | None = None
    starts_at: time | None = None


async def _require_organiser(
    s: AsyncSession, principal: Principal, person_id: UUID, school_class: SchoolClass
) -> None:
    if principal.has_role(Role.DEPUTY_DIRECTOR_UPBRINGING, Role.ADMINISTRATOR):
        return
    if await is_class_teacher(s, person_id, school_class.id):
        return
    raise Forbidden(
        f"Мероприятия класса {school_class.name} назначает его классный руководитель "
        "или заместитель директора по воспитательной работе."
    )


async def schedule_class_event(uow: UnitOfWork, event: ClassEventInput) -> ClassEventView:
    principal = uow.principal
    person_id = require(principal, *CLASS_EVENT_ORGANISERS)
    text = check_class_event(
        event.title, event.description, event.place, event.starts_on, event.ends_on
    )
    async with uow:
        s = uow.session
        school_class = await own_school_class(s, principal, event.school_class_id)
        await _require_organiser(s, principal, person_id, school_class)
        row = ClassEvent(
            id=uuid7(),
            school_id=school_class.school_id,
            school_class_id=school_class.id,
            kind=event.kind.value,
            title=text.title,
            description=text.description,
            place=text.place,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            starts_at=event.starts_at,
            created_by=person_id,
        )
        s.add(row)
        await s.flush()
        uow.emit(
            ClassEventScheduled(
                class_event_id=row.id,
                school_id=row.school_id,
                school_class_id=row.school_class_id,
                kind=row.kind,
                title=row.title,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
            ),
            school_id=row.school_id,
        )
        view = class_event_view(row)
        await uow.commit()
    return view


async def cancel_class_event(uow: UnitOfWork, class_event_id: UUID) -> ClassEventView:
    principal = uow.principal
    person_id = require(principal, *CLASS_EVENT_ORGANISERS)
    async with uow:
        s = uow.session
        row = await s.get(ClassEvent, class_event_id, with_for_update=True)
        if row is None or row.school_id != principal.school_id:
            raise NotFound("Мероприятие не найдено.")
        school_class = await own_school_class(s, principal, row.school_class_id)
        # An event of a class whose events the caller does not read is not there for them.
        require_visible(
            await _may_read(s, principal, person_id, school_class.id), "Мероприятие не найдено."
        )
        await _require_organiser(s, principal, person_id, school_class)
        if row.cancelled:
            raise Conflict("Мероприятие уже отменено.", field="id")
        row.cancelled = True
        await s.flush()
        uow.emit(
            ClassEventCancelled(
                class_event_id=row.id,
                school_id=row.school_id,
                school_class_id=row.school_class_id,
                kind=row.kind,
                title=row.title,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
            ),
            school_id=row.school_id,
        )
        view = class_event_view(row)
        await uow.commit()
    return view


async def _may_read(
    s: AsyncSession, principal: Principal, person_id: UUID, school_class_id: UUID
) -> bool:
    if principal.has_role(*ADMINISTRATION):
        return True
    if principal.has_role(Role.CLASS_TEACHER) and await is_class_teacher(
        s, person_id, school_class_id
    ):
        return True
    if principal.has_role(Role.SUBJECT_TEACHER) and await s.scalar(
        select(
            exists().where(
                TeachingLoad.teacher_id == person_id,
                TeachingLoad.school_class_id == school_class_id,
            )
        )
    ):
        return True
    return await is_family_of_class(s, principal, person_id, school_class_id)


async def class_events(
    db: Database, principal: Principal, school_class_id: UUID, start: date, end: date
) -> list[ClassEventView]:
    """The class's events touching the range, cancelled ones left out."""
    person_id = require(principal, *CLASS_EVENT_READERS)
    check_range(start, end)
    async with db.sessionmaker() as s:
        # A list: a class the caller may not read, or none at all, has no events for them
        # (``services.kernel.visibility``).
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            return []
        if not await _may_read(s, principal, person_id, school_class_id):
            return []
        rows = await s.scalars(
            select(ClassEvent)
            .where(
                ClassEvent.school_class_id == school_class_id,
                ClassEvent.cancelled.is_(False),
                ClassEvent.starts_on <= end,
                ClassEvent.ends_on >= start,
            )
            .order_by(ClassEvent.starts_on, ClassEvent.starts_at, ClassEvent.title)
        )
        return [class_event_view(r) for r in rows]
