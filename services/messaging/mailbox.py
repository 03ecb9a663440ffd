"""Reading one's own mail: the folders, the priority inbox, threads, search, unread counts and
the address book. Every query is scoped to the caller's own letters: the sender's or a
recipient's, never anyone else's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Select, and_, exists, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.principal import Principal
from services.messaging import access
from services.messaging.domain import mail
from services.messaging.mail import NOT_FOUND
from services.messaging.models import (
    Delivery,
    Message,
    Person,
    SchoolClass,
)

NAMES_PER_LETTER = 50  # a mass mailing lists its first recipients and counts the rest


class Folder(StrEnum):
    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    DELETED = "deleted"


class Order(StrEnum):
    NEWEST = "newest"
    PRIORITY = "priority"  # unread first, then by the sender's rank, then newest


@dataclass(frozen=True)
class Named:
    id: UUID
    name: str


@dataclass
class LetterView:
    id: UUID
    thread_id: UUID
    subject: str
    body: str
    sender: Named
    sent_at: datetime | None
    created_at: datetime
    recipient_count: int
    in_reply_to_id: UUID | None
    forwarded_from_id: UUID | None
    # The caller's own copy, when they are a recipient.
    sender_rank: int | None = None
    read_at: datetime | None = None
    deleted: bool = False
    child: Named | None = None
    to: list[Named] = field(default_factory=list)
    cc: list[Named] = field(default_factory=list)
    audiences: list[tuple[str, int]] = field(default_factory=list)  # label, members then
    confirm_by: datetime | None = None
    # The reader's own confirmations asked for: (child or None, when confirmed).
    confirmations: list[tuple[Named | None, datetime | None]] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.sent_at is None


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= mail.PAGE_MAX:
        raise ValidationFailed(f"Размер страницы — от 1 до {mail.PAGE_MAX}.", field="limit")
    if offset < 0:
        raise ValidationFailed("Смещение не может быть отрицательным.", field="offset")
    return limit, offset


def _letter_columns() -> list[object]:
    return [
        Message.id,
        Message.thread_id,
        Message.subject,
        Message.body,
        Message.sender_id,
        Message.sent_at,
        Message.created_at,
        Message.recipient_count,
        Message.in_reply_to_id,
        Message.forwarded_from_id,
        Message.draft_to,
        Message.draft_cc,
        Message.confirm_by,
    ]


def _mine(me: UUID) -> Select[tuple[object, ...]]:
    """Every letter of the caller with their copy's marks when they received it."""
    return select(
        *_letter_columns(),
        Delivery.sender_rank,
        Delivery.read_at,
        Delivery.child_id,
        Delivery.deleted_at,
        Message.sender_deleted_at,
    ).outerjoin(Delivery, and_(Delivery.message_id == Message.id, Delivery.recipient_id == me))


async def inbox(
    db: Database,
    principal: Principal,
    *,
    order: Order = Order.NEWEST,
    rank: int | None = None,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[LetterView]:
    me, school_id = access.require_person(principal)
    limit, offset = _page(limit, offset)
    if rank is not None and rank not in set(mail.SenderRank):
        raise ValidationFailed("Ранг отправителя — от 1 до 5.", field="rank")
    query = (
        select(
            *_letter_columns(),
            Delivery.sender_rank,
            Delivery.read_at,
            Delivery.child_id,
            Delivery.deleted_at,
            literal(None).label("sender_deleted_at"),
        )
        .select_from(Delivery)
        .join(Message, Message.id == Delivery.message_id)
        .where(
            Delivery.recipient_id == me,
            Delivery.school_id == school_id,
            Delivery.deleted_at.is_(None),
        )
    )
    if rank is not None:
        query = query.where(Delivery.sender_rank == rank)
    if unread_only:
        query = query.where(Delivery.read_at.is_(None))
    if order is Order.PRIORITY:
        query = query.order_by(
            Delivery.read_at.is_not(None), Delivery.sender_rank, Delivery.delivered_at.desc()
        )
    else:
        query = query.order_by(Delivery.delivered_at.desc())
    query = query.order_by(Delivery.message_id.desc()).limit(limit).offset(offset)
    return await _views(db, me, query)


async def folder(
    db: Database, principal: Principal, which: Folder, *, limit: int = 50, offset: int = 0
) -> list[LetterView]:
    if which is Folder.INBOX:
        return await inbox(db, principal, limit=limit, offset=offset)
    me, school_id = access.require_person(principal)
    limit, offset = _page(limit, offset)
    query = _mine(me).where(Message.school_id == school_id)
    if which is Folder.SENT:
        query = query.where(
            Message.sender_id == me,
            Message.sent_at.is_not(None),
            Message.sender_deleted_at.is_(None),
        ).order_by(Message.sent_at.desc())
    elif which is Folder.DRAFTS:
        query = query.where(
            Message.sender_id == me,
            Message.sent_at.is_(None),
            Message.sender_deleted_at.is_(None),
        ).order_by(Message.created_at.desc())
    else:
        query = query.where(
            or_(
                and_(Message.sender_id == me, Message.sender_deleted_at.is_not(None)),
                Delivery.deleted_at.is_not(None),
            )
        ).order_by(func.coalesce(Delivery.deleted_at, Message.sender_deleted_at).desc())
    query = query.order_by(Message.id.desc()).limit(limit).offset(offset)
    return await _views(db, me, query)


async def delivered_since(db: Database, principal: Principal, after: UUID) -> list[LetterView]:
    """Letters delivered to the caller after the one they last had, oldest first."""
    me, school_id = access.require_person(principal)
    query = (
        _mine(me)
        .where(
            Delivery.recipient_id == me,
            Message.school_id == school_id,
            Message.id > after,
            Delivery.deleted_at.is_(None),
        )
        .order_by(Message.id)
        .limit(mail.PAGE_MAX)
    )
    return await _views(db, me, query)


def _visible(me: UUID) -> object:
    """The caller wrote it, or it was delivered to them."""
    copy = aliased(Delivery)
    return or_(
        Message.sender_id == me,
        exists().where(copy.message_id == Message.id, copy.recipient_id == me),
    )


async def letter(db: Database, principal: Principal, message_id: UUID) -> LetterView:
    me, school_id = access.require_person(principal)
    query = _mine(me).where(Message.id == message_id, Message.school_id == school_id, _visible(me))
    views = await _views(db, me, query)
    if not views or (views[0].is_draft and views[0].sender.id != me):
        raise NotFound(NOT_FOUND)
    return views[0]


async def thread(db: Database, principal: Principal, thread_id: UUID) -> list[LetterView]:
    """The letters of a thread the caller wrote or received, oldest first."""
    me, school_id = access.require_person(principal)
    query = (
        _mine(me)
        .where(
            Message.thread_id == thread_id,
            Message.school_id == school_id,
            Message.sent_at.is_not(None),
            _visible(me),
        )
        .order_by(Message.sent_at, Message.id)
        .limit(mail.PAGE_MAX)
    )
    views = await _views(db, me, query)
    if not views:
        raise NotFound("Переписка не найдена.")
    return views


async def search(
    db: Database, principal: Principal, words: str, *, limit: int = 50
) -> list[LetterView]:
    """The caller's own letters (received, sent and drafts) matching the words, by relevance;
    Russian word forms match (``russian`` text search configuration)."""
    me, school_id = access.require_person(principal)
    limit, _ = _page(limit, 0)
    words = mail.clean_text(
        words, field_name="text", limit=mail.SEARCH_MAX, required=True, label="Строка поиска"
    )
    query_ts = func.websearch_to_tsquery("russian", words)
    query = (
        _mine(me)
        .where(Message.school_id == school_id, _visible(me), Message.search.op("@@")(query_ts))
        .order_by(
            func.ts_rank(Message.search, query_ts).desc(),
            func.coalesce(Message.sent_at, Message.created_at).desc(),
        )
        .limit(limit)
    )
    return await _views(db, me, query)


async def unread_counts(db: Database, principal: Principal) -> dict[int, int]:
    """Unread letters in the inbox per sender rank, every rank listed."""
    me, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Delivery.sender_rank, func.count())
            .where(
                Delivery.recipient_id == me,
                Delivery.school_id == school_id,
                Delivery.read_at.is_(None),
                Delivery.deleted_at.is_(None),
            )
            .group_by(Delivery.sender_rank)
        )
        counts = dict(rows.all())
    return {int(r): counts.get(int(r), 0) for r in mail.SenderRank}


# --- turning rows into letters -----------------------------------------------------------------


_NAME = "concat_ws(' ', {p}.last_name, {p}.first_name, {p}.middle_name)"


def _details(me: UUID) -> list[Any]:
    """A page's names, recipients, audiences and the reader's confirmations, gathered by
    correlated subqueries of the page's own statement: one round trip per page."""
    mine = f"'{UUID(str(me))}'::uuid"  # a UUID from the signed principal, never client text
    sql = {
        "sender_name": f"(SELECT {_NAME.format(p='s')} FROM person s "
        "WHERE s.person_id = message.sender_id)",
        "child_name": f"(SELECT {_NAME.format(p='k')} FROM person k "
        "WHERE k.person_id = delivery.child_id)",
        # The first recipients only: a letter to a whole school lists 50 and counts the rest.
        "copies": "(SELECT json_agg(json_build_array(c.recipient_id, c.copy, "
        f"(SELECT {_NAME.format(p='cp')} FROM person cp WHERE cp.person_id = c.recipient_id)) "
        "ORDER BY c.copy DESC, c.recipient_id) FROM "
        "(SELECT c0.recipient_id, c0.copy FROM delivery c0 WHERE c0.message_id = message.id "
        f"ORDER BY c0.copy DESC, c0.recipient_id LIMIT {NAMES_PER_LETTER}) c)",
        "groups": "(SELECT json_agg(json_build_array(a.label, a.member_count) ORDER BY a.position)"
        " FROM message_audience a WHERE a.message_id = message.id)",
        "asked": "(SELECT json_agg(json_build_array(f.child_id, f.confirmed_at, "
        f"{_NAME.format(p='fp')}) ORDER BY f.child_key) FROM confirmation f "
        "LEFT JOIN person fp ON fp.person_id = f.child_id "
        f"WHERE f.message_id = message.id AND f.recipient_id = {mine})",
    }
    return [literal_column(expr, type_=JSON).label(name) for name, expr in sql.items()]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def _views(db: Database, me: UUID, query: Select[tuple[object, ...]]) -> list[LetterView]:
    async with db.sessionmaker() as session:
        rows = (await session.execute(query.add_columns(*_details(me)))).mappings().all()
        drafted = {p for r in rows if r["sent_at"] is None for p in (r["draft_to"] or [])}
        drafted |= {p for r in rows if r["sent_at"] is None for p in (r["draft_cc"] or [])}
        names = await names_of(session, drafted) if drafted else {}
    views = []
    for r in rows:
        copies = [(UUID(pid), copy, name) for pid, copy, name in r["copies"] or []]
        to = [Named(pid, name or "—") for pid, copy, name in copies if copy == "to"]
        cc = [Named(pid, name or "—") for pid, copy, name in copies if copy == "cc"]
        if r["sent_at"] is None:  # a draft lists whom it will go to
            to = [Named(p, names.get(p, "—")) for p in r["draft_to"] or ()]
            cc = [Named(p, names.get(p, "—")) for p in r["draft_cc"] or ()]
        mine = r["sender_id"] == me
        views.append(
            LetterView(
                id=r["id"],
                thread_id=r["thread_id"],
                subject=r["subject"],
                body=r["body"],
                sender=Named(r["sender_id"], r["sender_name"] or "—"),
                sent_at=r["sent_at"],
                created_at=r["created_at"],
                recipient_count=r["recipient_count"],
                in_reply_to_id=r["in_reply_to_id"],
                forwarded_from_id=r["forwarded_from_id"],
                sender_rank=r["sender_rank"],
                read_at=r["read_at"],
                deleted=bool(r["deleted_at"] or (mine and r["sender_deleted_at"])),
                child=Named(r["child_id"], r["child_name"] or "—") if r["child_id"] else None,
                to=to,
                cc=cc,
                audiences=[(label, int(n)) for label, n in r["groups"] or []],
                confirm_by=r["confirm_by"],
                confirmations=[
                    (Named(UUID(c), name or "—") if c else None, _when(at))
                    for c, at, name in r["asked"] or []
                ],
            )
        )
    return views


async def names_of(session: AsyncSession, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Person.person_id, Person.last_name, Person.first_name, Person.middle_name).where(
            Person.person_id.in_(list(ids))
        )
    )
    return {pid: mail.full_name(last, first, middle) for pid, last, first, middle in rows.all()}


# --- the address book ----------------------------------------------------------------------------


class BookGroup(StrEnum):
    ADMINISTRATION = "administration"
    TEACHERS = "teachers"
    CLASS = "class"
    CLASS_PARENTS = "class_parents"


@dataclass
class AddressGroup:
    kind: BookGroup
    label: str
    school_class: str | None
    people: list[Named]


async def address_book(db: Database, principal: Principal) -> list[AddressGroup]:
    """Everyone the caller may write to, grouped as SGO groups them: администрация, учителя,
    and per class its students and its parents."""
    me, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        sender = await access.caller_facts(session, principal)
        allowed = await access.allowed_relations(
            session, school_id, mail.sender_groups(sender.roles)
        )
        ids = list(
            await session.scalars(
                select(Person.person_id).where(
                    Person.school_id == school_id, Person.kind.is_not(None), Person.person_id != me
                )
            )
        )
        facts = await access.facts_of(session, school_id, ids)
        names = await names_of(session, set(ids))
        class_names = dict(
            (
                await session.execute(
                    select(SchoolClass.id, SchoolClass.name).where(
                        SchoolClass.school_id == school_id
                    )
                )
            ).all()
        )
    groups: dict[tuple[BookGroup, str | None], list[Named]] = defaultdict(list)
    for pid, person in facts.items():
        if not mail.relations(sender, person) & allowed:
            continue
        entry = Named(pid, names.get(pid, "—"))
        if person.is_admin:
            groups[(BookGroup.ADMINISTRATION, None)].append(entry)
        elif person.is_staff:
            groups[(BookGroup.TEACHERS, None)].append(entry)
        elif person.is_student and person.class_id is not None:
            groups[(BookGroup.CLASS, class_names.get(person.class_id))].append(entry)
        elif person.is_parent:
            for cls in {c for c in person.children.values() if c is not None}:
                groups[(BookGroup.CLASS_PARENTS, class_names.get(cls))].append(entry)
    order = list(BookGroup)
    result = []
    for (kind, cls), people in sorted(
        groups.items(), key=lambda item: (order.index(item[0][0]), _class_key(item[0][1]))
    ):
        label = {
            BookGroup.ADMINISTRATION: "Администрация",
            BookGroup.TEACHERS: "Учителя и сотрудники",
            BookGroup.CLASS: f"Класс {cls}",
            BookGroup.CLASS_PARENTS: f"Родители класса {cls}",
        }[kind]
        result.append(AddressGroup(kind, label, cls, sorted(people, key=lambda n: n.name)))
    return result


def _class_key(name: str | None) -> tuple[int, str]:
    """7Б before 10А: by grade number, then letter."""
    if not name:
        return (99, "")
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 99, name)
