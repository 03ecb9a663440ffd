"""A class's events: the class teacher's calendar."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

import strawberry

from services.journal import class_events, domain
from services.journal.schema.types import ClassEvent, ClassEventKindName
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

ORGANISERS = class_events.CLASS_EVENT_ORGANISERS
READERS = class_events.CLASS_EVENT_READERS
From = Annotated[date, strawberry.argument(name="from")]


@strawberry.input
class ScheduleClassEventInput:
    school_class_id: strawberry.ID
    kind: ClassEventKindName  # type: ignore[valid-type]
    title: str
    starts_on: date
    ends_on: date
    description: str | None = None
    place: str | None = None
    starts_at: time | None = None


@strawberry.type
class ClassEventsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*READERS),
        description="Мероприятия класса за период: классный руководитель, учителя класса, "
        "администрация, учащиеся класса и их родители.",
    )
    async def class_events(
        self, info: Info, school_class_id: strawberry.ID, from_: From, to: date
    ) -> list[ClassEvent] | None:
        principal = info.context.require(*READERS)
        rows = await class_events.class_events(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            from_,
            to,
        )
        return [ClassEvent.of(r) for r in rows]


@strawberry.type
class ClassEventsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*ORGANISERS),
        description="Назначить мероприятие класса (классный руководитель этого класса, "
        "заместитель директора по воспитательной работе, администратор).",
    )
    async def schedule_class_event(
        self, info: Info, input: ScheduleClassEventInput
    ) -> ClassEvent | None:
        info.context.require(*ORGANISERS)
        view = await class_events.schedule_class_event(
            info.context.uow(),
            class_events.ClassEventInput(
                school_class_id=parse_id(input.school_class_id, "schoolClassId"),
                kind=domain.ClassEventKind(input.kind.value),
                title=input.title,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                description=input.description,
                place=input.place,
                starts_at=input.starts_at,
            ),
        )
        return ClassEvent.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*ORGANISERS), description="Отменить мероприятие класса."
    )
    async def cancel_class_event(self, info: Info, id: strawberry.ID) -> ClassEvent | None:
        info.context.require(*ORGANISERS)
        view = await class_events.cancel_class_event(info.context.uow(), parse_id(id))
        return ClassEvent.of(view)
