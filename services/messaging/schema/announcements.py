"""The announcement board («Доска объявлений»): reading, posting, and who has read it."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.inputs import max_length
from services.kernel.roles import any_of
from services.messaging import announcements
from services.messaging.access import POSTERS
from services.messaging.domain import mail
from services.messaging.schema.mail import AudienceInput, Correspondent


@strawberry.federation.type(authenticated=True, description="Объявление на доске.")
class Announcement:
    id: strawberry.ID
    title: str
    body: str
    author: Correspondent
    pinned: bool
    shown_from: date
    shown_until: date | None
    audiences: list[str]
    created_at: datetime
    read_at: datetime | None = strawberry.field(description="Когда я его прочитал.")
    reader_count: int | None = strawberry.field(
        description="Сколько человек в аудитории (видит только автор)."
    )

    @classmethod
    def of(cls, view: announcements.AnnouncementView) -> Announcement:
        return cls(
            id=strawberry.ID(str(view.id)),
            title=view.title,
            body=view.body,
            author=Correspondent(id=strawberry.ID(str(view.author.id)), full_name=view.author.name),
            pinned=view.pinned,
            shown_from=view.shown_from,
            shown_until=view.shown_until,
            audiences=view.audiences,
            created_at=view.created_at,
            read_at=view.read_at,
            reader_count=view.reader_count if view.mine else None,
        )


@strawberry.federation.type(authenticated=True, description="Прочтения в одном классе.")
class ClassReads:
    school_class_name: str | None = strawberry.field(description="Пусто — сотрудники.")
    readers: int
    read: int


@strawberry.federation.type(authenticated=True, description="Сколько прочитали объявление.")
class AnnouncementReads:
    readers: int
    read: int
    by_class: list[ClassReads]


@strawberry.input
class AnnouncementInput:
    title: str
    body: str = strawberry.field(metadata=max_length(mail.BODY_MAX))
    audiences: list[AudienceInput]
    pinned: bool = False
    shown_from: date | None = None
    shown_until: date | None = None


async def _board_item(info: Info, announcement_id: object) -> Announcement | None:
    rows = await announcements.board(info.context.runtime.db, info.context.principal)
    wanted = parse_id(announcement_id)
    return next((Announcement.of(v) for v in rows if v.id == wanted), None)


@strawberry.type
class AnnouncementsQuery:
    @strawberry.federation.field(
        authenticated=True,
        description="Доска объявлений: мои объявления и объявления для меня, закреплённые сверху.",
    )
    async def announcements(self, info: Info) -> list[Announcement] | None:
        principal = info.context.require()
        rows = await announcements.board(info.context.runtime.db, principal)
        return [Announcement.of(v) for v in rows]

    @strawberry.federation.field(
        requires_scopes=any_of(*POSTERS),
        description="Сколько из аудитории прочитали моё объявление, по классам.",
    )
    async def announcement_reads(self, info: Info, id: strawberry.ID) -> AnnouncementReads | None:
        principal = info.context.require(*POSTERS)
        reads = await announcements.reads(info.context.runtime.db, principal, parse_id(id))
        return AnnouncementReads(
            readers=reads.readers,
            read=reads.read,
            by_class=[
                ClassReads(school_class_name=c.school_class, readers=c.readers, read=c.read)
                for c in reads.by_class
            ],
        )


@strawberry.type
class AnnouncementsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*POSTERS),
        description="Опубликовать объявление: администрация, заместители, педагог-психолог и "
        "социальный педагог — для любой аудитории, учителя — для своих классов.",
    )
    async def post_announcement(self, info: Info, input: AnnouncementInput) -> Announcement | None:
        principal = info.context.require(*POSTERS)
        posted = await announcements.post_announcement(
            info.context.uow(),
            principal,
            announcements.AnnouncementInput(
                title=input.title,
                body=input.body,
                audiences=[a.parsed() for a in input.audiences],
                pinned=input.pinned,
                shown_from=input.shown_from,
                shown_until=input.shown_until,
            ),
        )
        return await _board_item(info, posted)

    @strawberry.federation.field(authenticated=True, description="Отметить объявление прочитанным.")
    async def mark_announcement_read(self, info: Info, id: strawberry.ID) -> Announcement | None:
        principal = info.context.require()
        await announcements.mark_read(info.context.uow(), principal, parse_id(id))
        return await _board_item(info, id)

    @strawberry.federation.field(
        requires_scopes=any_of(*POSTERS), description="Снять своё объявление с доски."
    )
    async def withdraw_announcement(self, info: Info, id: strawberry.ID) -> bool | None:
        principal = info.context.require(*POSTERS)
        await announcements.withdraw(info.context.uow(), principal, parse_id(id))
        return True
