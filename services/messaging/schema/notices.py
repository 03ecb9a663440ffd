"""Notices: a person's own system notices, marking them read, and the live feed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum

import strawberry

from services.kernel.graphql import Info, parse_id
from services.messaging import domain, notices, subscriptions
from services.messaging.models import Notice as NoticeRow


@strawberry.enum
class NoticeKind(Enum):
    ABSENCE = "absence"
    UNRESOLVED_ABSENCES = "unresolved_absences"


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
        )


@strawberry.type
class NoticesQuery:
    @strawberry.federation.field(authenticated=True, description="Мои уведомления.")
    async def my_notices(self, info: Info, unread_only: bool = False) -> list[Notice]:
        principal = info.context.require()
        rows = await notices.my_notices(info.context.runtime.db, principal, unread_only=unread_only)
        return [Notice.from_row(row) for row in rows]


@strawberry.type
class NoticesMutation:
    @strawberry.federation.field(
        authenticated=True, description="Отметить уведомление прочитанным."
    )
    async def mark_notice_read(self, info: Info, id: strawberry.ID) -> Notice:
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
