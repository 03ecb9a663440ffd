"""Discussions: the staff room, class and parents' chats, forum topics, and their moderation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import any_of
from services.messaging import discussions
from services.messaging.access import ANNOUNCERS
from services.messaging.domain.discussions import DiscussionKind
from services.messaging.schema.mail import AudienceInput, Correspondent

DiscussionKindName = schema_enum(
    DiscussionKind,
    name="DiscussionKind",
    description="Учительская, чат класса, чат родителей класса, тема форума.",
)


@strawberry.federation.type(authenticated=True, description="Обсуждение, в котором я участвую.")
class Discussion:
    id: strawberry.ID
    kind: DiscussionKindName  # type: ignore[valid-type]
    title: str
    school_class_name: str | None
    posts: int
    last_post_at: datetime | None
    may_moderate: bool

    @classmethod
    def of(cls, v: discussions.DiscussionView) -> Discussion:
        return cls(
            id=strawberry.ID(str(v.id)),
            kind=DiscussionKindName(v.kind.value),
            title=v.title,
            school_class_name=v.school_class,
            posts=v.posts,
            last_post_at=v.last_post_at,
            may_moderate=v.may_moderate,
        )


@strawberry.federation.type(
    authenticated=True, description="Сообщение; скрытое видно только модераторам."
)
class DiscussionPost:
    id: strawberry.ID
    author: Correspondent
    body: str | None
    created_at: datetime
    hidden: bool
    hidden_reason: str | None

    @classmethod
    def of(cls, v: discussions.PostView) -> DiscussionPost:
        return cls(
            id=strawberry.ID(str(v.id)),
            author=Correspondent.of(v.author),
            body=v.body,
            created_at=v.created_at,
            hidden=v.hidden,
            hidden_reason=v.hidden_reason,
        )


@strawberry.federation.type(authenticated=True, description="Запись журнала модерации.")
class ModerationEntry:
    post_id: strawberry.ID
    moderator: Correspondent
    action: str
    reason: str | None
    at: datetime


async def _posts(info: Info, discussion_id: object, limit: int = 50) -> list[DiscussionPost]:
    rows = await discussions.posts(
        info.context.runtime.db, info.context.principal, parse_id(discussion_id), limit=limit
    )
    return [DiscussionPost.of(p) for p in rows]


@strawberry.type
class DiscussionsQuery:
    @strawberry.federation.field(
        authenticated=True, description="Мои обсуждения: участвую или модерирую."
    )
    async def discussions(self, info: Info) -> list[Discussion] | None:
        principal = info.context.require()
        rows = await discussions.my_discussions(info.context.runtime.db, principal)
        return [Discussion.of(v) for v in rows]

    @strawberry.federation.field(
        authenticated=True, description="Последние сообщения обсуждения, старые сверху."
    )
    async def discussion_posts(
        self, info: Info, id: strawberry.ID, limit: int = 50
    ) -> list[DiscussionPost] | None:
        info.context.require()
        return await _posts(info, id, limit)

    @strawberry.federation.field(
        authenticated=True, description="Журнал модерации обсуждения (для модераторов)."
    )
    async def moderation_log(self, info: Info, id: strawberry.ID) -> list[ModerationEntry] | None:
        principal = info.context.require()
        rows = await discussions.moderation_log(info.context.runtime.db, principal, parse_id(id))
        return [
            ModerationEntry(
                post_id=strawberry.ID(str(r.post_id)),
                moderator=Correspondent.of(r.moderator),
                action=r.action,
                reason=r.reason,
                at=r.at,
            )
            for r in rows
        ]


@strawberry.type
class DiscussionsMutation:
    @strawberry.federation.field(authenticated=True, description="Написать в обсуждение.")
    async def post_to_discussion(
        self, info: Info, id: strawberry.ID, body: str
    ) -> list[DiscussionPost] | None:
        principal = info.context.require()
        await discussions.post(info.context.uow(), principal, parse_id(id), body)
        return await _posts(info, id)

    @strawberry.federation.field(
        requires_scopes=any_of(*ANNOUNCERS),
        description="Открыть тему форума для групп участников (администрация, заместители, "
        "педагог-психолог, социальный педагог).",
    )
    async def open_forum_topic(
        self, info: Info, title: str, body: str, audiences: list[AudienceInput]
    ) -> Discussion | None:
        principal = info.context.require(*ANNOUNCERS)
        topic = await discussions.open_forum_topic(
            info.context.uow(), principal, title, body, [a.parsed() for a in audiences]
        )
        mine = await discussions.my_discussions(info.context.runtime.db, principal)
        return next((Discussion.of(v) for v in mine if v.id == topic), None)

    @strawberry.federation.field(
        authenticated=True,
        description="Скрыть сообщение (модератор: классный руководитель, администрация).",
    )
    async def hide_post(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> list[DiscussionPost] | None:
        principal = info.context.require()
        discussion = await discussions.moderate(
            info.context.uow(), principal, parse_id(id), hide=True, reason=reason
        )
        return await _posts(info, discussion)

    @strawberry.federation.field(authenticated=True, description="Вернуть скрытое сообщение.")
    async def restore_post(self, info: Info, id: strawberry.ID) -> list[DiscussionPost] | None:
        principal = info.context.require()
        discussion = await discussions.moderate(
            info.context.uow(), principal, parse_id(id), hide=False, reason=None
        )
        return await _posts(info, discussion)
