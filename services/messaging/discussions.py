"""Discussions: the staff room and each class's chats, kept by the system from the replica, and
forum topics the administration opens for an audience. Posts are hidden by moderators, never
deleted, and every moderation is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.messaging import access, audiences
from services.messaging.access import ANNOUNCERS
from services.messaging.domain import discussions as rules
from services.messaging.domain import mail
from services.messaging.domain.audiences import Audience, AudienceKind
from services.messaging.domain.discussions import DiscussionKind
from services.messaging.mailbox import Named, names_of
from services.messaging.models import (
    Discussion,
    DiscussionPost,
    ModerationEntry,
    SchoolClass,
)

NOT_FOUND = "Обсуждение не найдено."
POST_NOT_FOUND = "Сообщение не найдено."


@dataclass
class DiscussionView:
    id: UUID
    kind: DiscussionKind
    title: str
    school_class: str | None
    posts: int
    last_post_at: datetime | None
    may_moderate: bool


@dataclass
class PostView:
    id: UUID
    author: Named
    body: str | None  # None: hidden, for a reader who does not moderate
    created_at: datetime
    hidden: bool
    hidden_reason: str | None


@dataclass
class ModerationView:
    post_id: UUID
    moderator: Named
    action: str
    reason: str | None
    at: datetime


# --- membership ----------------------------------------------------------------------------------


def _audiences(d: Discussion) -> list[Audience]:
    return [
        Audience(
            kind=AudienceKind(a["kind"]),
            school_class_id=UUID(a["school_class_id"]) if a.get("school_class_id") else None,
            subject_id=UUID(a["subject_id"]) if a.get("subject_id") else None,
        )
        for a in d.audiences
    ]


async def _member(session: AsyncSession, d: Discussion, person: mail.Facts) -> bool:
    kind = DiscussionKind(d.kind)
    if kind is not DiscussionKind.FORUM_TOPIC:
        return rules.is_member(kind, d.school_class_id, person)
    if d.created_by == person.person_id:
        return True
    for audience in _audiences(d):
        if person.person_id in await audiences.members_of(session, d.school_id, audience):
            return True
    return False


async def _open(
    session: AsyncSession, principal: Principal, discussion_id: UUID
) -> tuple[Discussion, mail.Facts, bool, bool]:
    """The discussion, the caller, whether they belong and whether they moderate it; to one who
    does neither it does not exist."""
    _, school_id = access.require_person(principal)
    d = await session.get(Discussion, discussion_id)
    if d is None or d.school_id != school_id:
        raise NotFound(NOT_FOUND)
    person = await access.caller_facts(session, principal)
    member = await _member(session, d, person)
    moderates = rules.may_moderate(DiscussionKind(d.kind), d.school_class_id, person)
    if not member and not moderates:
        raise NotFound(NOT_FOUND)
    return d, person, member, moderates


# --- reading -------------------------------------------------------------------------------------


async def my_discussions(db: Database, principal: Principal) -> list[DiscussionView]:
    _, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        person = await access.caller_facts(session, principal)
        rows = (
            await session.execute(
                select(Discussion, SchoolClass.name)
                .outerjoin(SchoolClass, SchoolClass.id == Discussion.school_class_id)
                .where(Discussion.school_id == school_id)
                .order_by(Discussion.kind, SchoolClass.name, Discussion.created_at)
            )
        ).all()
        mine = []
        for d, class_name in rows:
            moderates = rules.may_moderate(DiscussionKind(d.kind), d.school_class_id, person)
            if moderates or await _member(session, d, person):
                mine.append((d, class_name, moderates))
        counted = await session.execute(
            select(DiscussionPost.discussion_id, func.count(), func.max(DiscussionPost.created_at))
            .where(DiscussionPost.discussion_id.in_([d.id for d, _, _ in mine]))
            .group_by(DiscussionPost.discussion_id)
        )
        stats = {row[0]: (row[1], row[2]) for row in counted.all()}
    return [
        DiscussionView(
            id=d.id,
            kind=DiscussionKind(d.kind),
            title=d.title,
            school_class=class_name,
            posts=stats.get(d.id, (0, None))[0],
            last_post_at=stats.get(d.id, (0, None))[1],
            may_moderate=moderates,
        )
        for d, class_name, moderates in mine
    ]


async def posts(
    db: Database, principal: Principal, discussion_id: UUID, *, limit: int = 50
) -> list[PostView]:
    """The latest posts, oldest first; a hidden post's text only for its moderators."""
    if not 1 <= limit <= rules.PAGE_MAX:
        raise ValidationFailed(f"Размер страницы — от 1 до {rules.PAGE_MAX}.", field="limit")
    async with db.sessionmaker() as session:
        _, _, _, moderates = await _open(session, principal, discussion_id)
        rows = (
            await session.scalars(
                select(DiscussionPost)
                .where(DiscussionPost.discussion_id == discussion_id)
                .order_by(DiscussionPost.created_at.desc(), DiscussionPost.id.desc())
                .limit(limit)
            )
        ).all()
        names = await names_of(session, {p.author_id for p in rows})
    return [
        PostView(
            id=p.id,
            author=Named(p.author_id, names.get(p.author_id, "—")),
            body=p.body if p.hidden_at is None or moderates else None,
            created_at=p.created_at,
            hidden=p.hidden_at is not None,
            hidden_reason=p.hidden_reason,
        )
        for p in reversed(rows)
    ]


async def moderation_log(
    db: Database, principal: Principal, discussion_id: UUID
) -> list[ModerationView]:
    async with db.sessionmaker() as session:
        _, _, _, moderates = await _open(session, principal, discussion_id)
        if not moderates:
            raise Forbidden("Журнал модерации видят модераторы обсуждения.")
        rows = (
            await session.scalars(
                select(ModerationEntry)
                .where(ModerationEntry.discussion_id == discussion_id)
                .order_by(ModerationEntry.at)
            )
        ).all()
        names = await names_of(session, {r.moderator_id for r in rows})
    return [
        ModerationView(
            post_id=r.post_id,
            moderator=Named(r.moderator_id, names.get(r.moderator_id, "—")),
            action=r.action,
            reason=r.reason,
            at=r.at,
        )
        for r in rows
    ]


# --- writing -------------------------------------------------------------------------------------


def _body(value: str) -> str:
    return mail.clean_text(
        value, field_name="body", limit=rules.POST_MAX, required=True, label="Сообщение"
    )


async def post(uow: UnitOfWork, principal: Principal, discussion_id: UUID, body: str) -> UUID:
    me, school_id = access.require_person(principal)
    text = _body(body)
    async with uow:
        _, _, member, _ = await _open(uow.session, principal, discussion_id)
        if not member:
            raise Forbidden("Писать в обсуждение могут его участники.")
        post_id = uuid7()
        await uow.session.execute(
            insert(DiscussionPost).values(
                id=post_id,
                discussion_id=discussion_id,
                school_id=school_id,
                author_id=me,
                body=text,
                created_at=utcnow(),
            )
        )
        await uow.commit()
        return post_id


async def open_forum_topic(
    uow: UnitOfWork, principal: Principal, title: str, body: str, wanted: list[Audience]
) -> UUID:
    """A forum topic for an audience, by the administration, deputies, psychologist or social
    pedagogue; its first post is the opening text."""
    me, school_id = access.require_person(principal)
    if not principal.has_role(*ANNOUNCERS):
        raise Forbidden()
    name = mail.clean_text(
        title, field_name="title", limit=rules.TITLE_MAX, required=True, label="Тема"
    )
    text = _body(body)
    if not wanted:
        raise ValidationFailed("Укажите участников темы.", field="audiences")
    async with uow:
        sender = await access.caller_facts(uow.session, principal)
        await audiences.resolve(
            uow.session, principal, sender, frozenset({mail.Relation.AUDIENCE}), wanted
        )
        topic_id = uuid7()
        now = utcnow()
        await uow.session.execute(
            insert(Discussion).values(
                id=topic_id,
                school_id=school_id,
                kind=DiscussionKind.FORUM_TOPIC.value,
                title=name,
                created_by=me,
                created_at=now,
                audiences=[
                    {
                        "kind": a.kind.value,
                        "school_class_id": str(a.school_class_id) if a.school_class_id else None,
                        "subject_id": str(a.subject_id) if a.subject_id else None,
                    }
                    for a in dict.fromkeys(wanted)
                ],
            )
        )
        await uow.session.execute(
            insert(DiscussionPost).values(
                id=uuid7(),
                discussion_id=topic_id,
                school_id=school_id,
                author_id=me,
                body=text,
                created_at=now,
            )
        )
        await uow.commit()
        return topic_id


async def moderate(
    uow: UnitOfWork, principal: Principal, post_id: UUID, *, hide: bool, reason: str | None
) -> UUID:
    """Hide a post (with a reason) or show it again; the post stays, the act is recorded."""
    me, school_id = access.require_person(principal)
    why = (
        mail.clean_text(
            reason or "",
            field_name="reason",
            limit=rules.REASON_MAX,
            required=hide,
            label="Причина",
        )
        or None
    )
    async with uow:
        found = await uow.session.get(DiscussionPost, post_id, with_for_update=True)
        if found is None or found.school_id != school_id:
            raise NotFound(POST_NOT_FOUND)
        try:
            _, _, _, moderates = await _open(uow.session, principal, found.discussion_id)
        except NotFound:
            raise NotFound(POST_NOT_FOUND) from None
        if not moderates:
            raise Forbidden("Скрывать сообщения могут классный руководитель и администрация.")
        now = utcnow()
        found.hidden_at, found.hidden_by = (now, me) if hide else (None, None)
        found.hidden_reason = why if hide else None
        await uow.session.execute(
            insert(ModerationEntry).values(
                id=uuid7(),
                school_id=school_id,
                discussion_id=found.discussion_id,
                post_id=post_id,
                moderator_id=me,
                action="hide" if hide else "restore",
                reason=why,
                at=now,
            )
        )
        discussion_id = found.discussion_id
        await uow.commit()
        return discussion_id
