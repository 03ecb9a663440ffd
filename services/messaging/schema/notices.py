"""Notices: a person's own system notices, marking them read, and the live feed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, time
from enum import Enum
from typing import Annotated

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.messaging import domain, notices, subscriptions
from services.messaging import email as email_copies
from services.messaging.models import Notice as NoticeRow


@strawberry.enum
class NoticeKind(Enum):
    ABSENCE = "absence"
    UNRESOLVED_ABSENCES = "unresolved_absences"
    FAILING_MARK = "failing_mark"
    FAILING_PERIOD_MARK = "failing_period_mark"
    CLASS_EVENT = "class_event"
    CORRECTION_DECIDED = "correction_decided"


NoticeDelivery = schema_enum(
    domain.Delivery,
    name="NoticeDelivery",
    description="IMMEDIATE — сразу (и копия на почту), DIGEST — в ежедневной сводке, OFF — не "
    "присылать.",
)


@strawberry.federation.type(authenticated=True, description="Как приходят уведомления вида.")
class NoticePreference:
    kind: NoticeKind
    label: str
    delivery: NoticeDelivery  # type: ignore[valid-type]
    can_turn_off: bool


@strawberry.federation.type(
    requires_scopes=any_of(*ADMINISTRATION),
    description="Копия уведомления, которую почтовый сервер так и не принял.",
)
class EmailDeadLetter:
    notice_id: strawberry.ID
    email: str
    attempts: int
    error: str | None
    at: datetime


async def _preferences(info: Info) -> list[NoticePreference]:
    chosen = await notices.preferences(info.context.runtime.db, info.context.principal)
    return [
        NoticePreference(
            kind=NoticeKind(kind.value),
            label=domain.NOTICE_KIND_LABELS[kind],
            delivery=NoticeDelivery(delivery),
            can_turn_off=kind not in domain.ALWAYS_ON,
        )
        for kind, delivery in chosen.items()
    ]


@strawberry.federation.type(authenticated=True)
class Notice:
    """A system notice to one person; only its recipient ever receives it."""

    id: strawberry.ID = strawberry.federation.field(authenticated=True)
    kind: NoticeKind = strawberry.federation.field(authenticated=True)
    kind_label: str = strawberry.federation.field(
        authenticated=True, description="Вид уведомления по-русски."
    )
    text: str = strawberry.federation.field(authenticated=True)
    created_at: datetime = strawberry.federation.field(authenticated=True)
    read_at: datetime | None = strawberry.federation.field(authenticated=True)
    link: str | None = strawberry.federation.field(
        authenticated=True, description="Что открыть: «lesson:<id>», «class_event:<id>» …"
    )

    @classmethod
    def from_row(cls, row: NoticeRow) -> Notice:
        kind = domain.NoticeKind(row.kind)
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=NoticeKind(kind.value),
            kind_label=domain.NOTICE_KIND_LABELS[kind],
            text=row.text,
            created_at=row.created_at,
            read_at=row.read_at,
            link=row.link,
        )


@strawberry.type
class NoticesQuery:
    @strawberry.federation.field(authenticated=True, description="Мои уведомления.")
    async def my_notices(self, info: Info, unread_only: bool = False) -> list[Notice] | None:
        principal = info.context.require()
        rows = await notices.my_notices(info.context.runtime.db, principal, unread_only=unread_only)
        return [Notice.from_row(row) for row in rows]

    @strawberry.federation.field(
        authenticated=True, description="Как ко мне приходят уведомления каждого вида."
    )
    async def my_notice_preferences(self, info: Info) -> list[NoticePreference] | None:
        info.context.require()
        return await _preferences(info)

    @strawberry.federation.field(
        requires_scopes=any_of(*ADMINISTRATION),
        description="Копии уведомлений, не принятые почтовым сервером (администрация).",
    )
    async def email_dead_letters(self, info: Info) -> list[EmailDeadLetter] | None:
        principal = info.context.require(*ADMINISTRATION)
        rows = await email_copies.dead_letters(info.context.runtime.db, principal)
        return [
            EmailDeadLetter(
                notice_id=strawberry.ID(str(r.notice_id)),
                email=r.email,
                attempts=r.attempts,
                error=r.error,
                at=r.at,
            )
            for r in rows
        ]

    @strawberry.federation.field(
        authenticated=True,
        description="Тихие часы школы: копии уведомлений на почту в это время не отправляются.",
    )
    async def quiet_hours(self, info: Info) -> QuietHours | None:
        principal = info.context.require()
        found = await email_copies.quiet_hours(info.context.runtime.db, principal)
        return QuietHours(starts_at=found[0], ends_at=found[1]) if found else None


@strawberry.federation.type(authenticated=True, description="Тихие часы школы (местное время).")
class QuietHours:
    starts_at: time
    ends_at: time


@strawberry.type
class NoticesMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(Role.DIRECTOR, Role.ADMINISTRATOR),
        description="Задать тихие часы школы (оба пустые — без тихих часов): директор, "
        "системный администратор.",
    )
    async def set_quiet_hours(
        self,
        info: Info,
        from_: Annotated[time | None, strawberry.argument(name="from")] = None,
        until: time | None = None,
    ) -> QuietHours | None:
        principal = info.context.require(Role.DIRECTOR, Role.ADMINISTRATOR)
        await email_copies.set_quiet_hours(info.context.uow(), principal, from_, until)
        return QuietHours(starts_at=from_, ends_at=until) if from_ and until else None

    @strawberry.federation.field(
        authenticated=True,
        description="Выбрать, как приходят уведомления вида (об отсутствии — не отключаются).",
    )
    async def set_notice_preference(
        self,
        info: Info,
        kind: NoticeKind,
        delivery: NoticeDelivery,  # type: ignore[valid-type]
    ) -> list[NoticePreference] | None:
        principal = info.context.require()
        await notices.set_preference(
            info.context.uow(),
            principal,
            domain.NoticeKind(kind.value),
            domain.Delivery(delivery.value),
        )
        return await _preferences(info)

    @strawberry.federation.field(
        authenticated=True,
        description="Адрес для копий уведомлений по электронной почте (пусто — не присылать).",
    )
    async def set_notice_email(self, info: Info, email: str | None = None) -> str | None:
        principal = info.context.require()
        return await email_copies.set_address(info.context.uow(), principal, email)

    @strawberry.federation.field(
        authenticated=True, description="Отметить уведомление прочитанным."
    )
    async def mark_notice_read(self, info: Info, id: strawberry.ID) -> Notice | None:
        principal = info.context.require()
        row = await notices.mark_notice_read(info.context.uow(), principal, parse_id(id))
        return Notice.from_row(row)


@strawberry.type
class NoticesSubscription:
    @strawberry.federation.field(
        authenticated=True,
        is_subscription=True,
        description=(
            "Мои новые уведомления по мере появления; after — последнее полученное, "
            "чтобы после переподключения получить пропущенные."
        ),
    )
    async def notice_received(
        self, info: Info, after: strawberry.ID | None = None
    ) -> AsyncGenerator[Notice, None]:
        principal = info.context.require()
        since = parse_id(after, "after") if after is not None else None
        background = info.context.request.app.state.background
        rows = subscriptions.notices_for(
            info.context.runtime, background.nats_ready, principal, since
        )
        async for row in rows:
            yield Notice.from_row(row)
