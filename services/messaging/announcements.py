"""The announcement board («Доска объявлений»): the administration, deputies, psychologist and
social pedagogue post for any audience, teachers for their own classes; the audience is frozen
when posted, each reader counted in their class (a parent in their child's), so the author sees
how many have read it, class by class."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Integer, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.messaging import access, audiences
from services.messaging.access import ANNOUNCERS, POSTERS
from services.messaging.domain import mail
from services.messaging.domain.audiences import Audience
from services.messaging.events import AnnouncementPosted
from services.messaging.mailbox import Named, names_of
from services.messaging.models import (
    Announcement,
    AnnouncementReader,
    Enrolment,
    Guardianship,
    SchoolClass,
)

TITLE_MAX = 200
SHOWN_DAYS_MAX = 366
BOARD_MAX = 100
NOT_FOUND = "Объявление не найдено."


@dataclass(frozen=True)
class AnnouncementInput:
    title: str
    body: str
    audiences: list[Audience]
    pinned: bool = False
    shown_from: date | None = None
    shown_until: date | None = None


@dataclass
class AnnouncementView:
    id: UUID
    title: str
    body: str
    author: Named
    pinned: bool
    shown_from: date
    shown_until: date | None
    audiences: list[str]
    reader_count: int
    created_at: datetime
    read_at: datetime | None = None
    mine: bool = False


@dataclass
class ClassReads:
    school_class: str | None  # None: staff
    readers: int
    read: int


@dataclass
class Reads:
    readers: int
    read: int
    by_class: list[ClassReads] = field(default_factory=list)


async def post_announcement(
    uow: UnitOfWork, principal: Principal, given: AnnouncementInput
) -> UUID:
    me, school_id = access.require_person(principal)
    if not principal.has_role(*POSTERS):
        raise Forbidden()
    title = mail.clean_text(
        given.title, field_name="title", limit=TITLE_MAX, required=True, label="Заголовок"
    )
    body = mail.clean_text(
        given.body, field_name="body", limit=mail.BODY_MAX, required=True, label="Текст объявления"
    )
    today = audiences.school_today()
    shown_from = given.shown_from or today
    if given.shown_until is not None and given.shown_until < shown_from:
        raise ValidationFailed("Дата окончания показа раньше даты начала.", field="shownUntil")
    if (given.shown_until or shown_from).toordinal() - shown_from.toordinal() > SHOWN_DAYS_MAX:
        raise ValidationFailed("Объявление показывается не дольше года.", field="shownUntil")
    if not given.audiences:
        raise ValidationFailed("Укажите, для кого объявление.", field="audiences")
    async with uow:
        session = uow.session
        sender = await access.caller_facts(session, principal)
        allowed = (
            frozenset({mail.Relation.AUDIENCE})
            if principal.has_role(*ANNOUNCERS)
            else (frozenset())
        )
        resolved = await audiences.resolve(session, principal, sender, allowed, given.audiences)
        readers = frozenset().union(*(r.members for r in resolved))
        if not readers:
            raise ValidationFailed("В выбранных группах сейчас никого нет.", field="audiences")
        wanted_classes = {
            r.audience.school_class_id for r in resolved if r.audience.school_class_id
        }
        classes = await _classes_of(session, list(readers), wanted_classes)
        announcement_id = uuid7()
        await session.execute(
            insert(Announcement).values(
                id=announcement_id,
                school_id=school_id,
                author_id=me,
                title=title,
                body=body,
                pinned=given.pinned,
                shown_from=shown_from,
                shown_until=given.shown_until,
                audience_labels=[r.label for r in resolved],
                reader_count=len(readers),
                created_at=utcnow(),
            )
        )
        # Every reader in one statement: an announcement to a whole school is one round trip.
        conn = await uow.driver_connection()
        ordered = list(readers)
        await conn.execute(
            "INSERT INTO announcement_reader (announcement_id, reader_id, school_class_id) "
            "SELECT $1, r, c FROM unnest($2::uuid[], $3::uuid[]) AS t(r, c)",
            announcement_id,
            ordered,
            [classes.get(r) for r in ordered],
        )
        uow.emit(
            AnnouncementPosted(
                announcement_id=announcement_id,
                school_id=school_id,
                author_id=me,
                reader_count=len(readers),
            ),
            school_id=school_id,
        )
        await uow.commit()
        return announcement_id


async def _classes_of(
    session: AsyncSession, readers: list[UUID], preferred: set[UUID]
) -> dict[UUID, UUID]:
    """A student's class; a parent's child's class (one the announcement named, if any)."""
    found: dict[UUID, UUID] = dict(
        (
            await session.execute(
                select(Enrolment.student_id, Enrolment.school_class_id).where(
                    Enrolment.student_id.in_(readers), Enrolment.active.is_(True)
                )
            )
        ).all()
    )
    rows = await session.execute(
        select(Guardianship.parent_id, Enrolment.school_class_id)
        .join(Enrolment, Enrolment.student_id == Guardianship.student_id)
        .where(Guardianship.parent_id.in_(readers), Enrolment.active.is_(True))
        .order_by(Guardianship.parent_id, Enrolment.school_class_id)
    )
    for parent_id, class_id in rows.all():
        if parent_id not in found or class_id in preferred:
            found[parent_id] = class_id
    return found


async def board(db: Database, principal: Principal) -> list[AnnouncementView]:
    """What the caller's board shows today: announcements for them and their own, pinned first,
    then newest."""
    me, school_id = access.require_person(principal)
    today = audiences.school_today()
    mine = AnnouncementReader.reader_id == me
    query = (
        select(Announcement, AnnouncementReader.read_at)
        .outerjoin(
            AnnouncementReader,
            and_(AnnouncementReader.announcement_id == Announcement.id, mine),
        )
        .where(
            Announcement.school_id == school_id,
            Announcement.withdrawn_at.is_(None),
            or_(AnnouncementReader.reader_id.is_not(None), Announcement.author_id == me),
            or_(
                Announcement.author_id == me,
                and_(
                    Announcement.shown_from <= today,
                    or_(Announcement.shown_until.is_(None), Announcement.shown_until >= today),
                ),
            ),
        )
        .order_by(Announcement.pinned.desc(), Announcement.created_at.desc())
        .limit(BOARD_MAX)
    )
    async with db.sessionmaker() as session:
        rows = (await session.execute(query)).all()
        names = await names_of(session, {a.author_id for a, _ in rows})
    return [_view(a, read_at, names, me) for a, read_at in rows]


def _view(
    a: Announcement, read_at: datetime | None, names: dict[UUID, str], me: UUID
) -> AnnouncementView:
    return AnnouncementView(
        id=a.id,
        title=a.title,
        body=a.body,
        author=Named(a.author_id, names.get(a.author_id, "—")),
        pinned=a.pinned,
        shown_from=a.shown_from,
        shown_until=a.shown_until,
        audiences=list(a.audience_labels),
        reader_count=a.reader_count,
        created_at=a.created_at,
        read_at=read_at,
        mine=a.author_id == me,
    )


async def mark_read(uow: UnitOfWork, principal: Principal, announcement_id: UUID) -> None:
    me, school_id = access.require_person(principal)
    async with uow:
        result = await uow.session.execute(
            update(AnnouncementReader)
            .where(
                AnnouncementReader.announcement_id == announcement_id,
                AnnouncementReader.reader_id == me,
                AnnouncementReader.announcement_id.in_(
                    select(Announcement.id).where(
                        Announcement.school_id == school_id, Announcement.withdrawn_at.is_(None)
                    )
                ),
            )
            .values(read_at=func.coalesce(AnnouncementReader.read_at, func.now()))
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(NOT_FOUND)
        await uow.commit()


async def reads(db: Database, principal: Principal, announcement_id: UUID) -> Reads:
    """How many of the audience have read it, per class: for its author only."""
    me, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        author = await session.scalar(
            select(Announcement.author_id).where(
                Announcement.id == announcement_id, Announcement.school_id == school_id
            )
        )
        if author != me:
            raise NotFound(NOT_FOUND)
        rows = (
            await session.execute(
                select(
                    SchoolClass.name,
                    func.count(),
                    func.sum(AnnouncementReader.read_at.is_not(None).cast(Integer)),
                )
                .select_from(AnnouncementReader)
                .outerjoin(SchoolClass, SchoolClass.id == AnnouncementReader.school_class_id)
                .where(AnnouncementReader.announcement_id == announcement_id)
                .group_by(SchoolClass.name)
            )
        ).all()
    by_class = sorted(
        (ClassReads(name, int(n), int(r or 0)) for name, n, r in rows),
        key=lambda c: (c.school_class is None, _grade(c.school_class), c.school_class or ""),
    )
    totals: dict[str, int] = defaultdict(int)
    for c in by_class:
        totals["readers"] += c.readers
        totals["read"] += c.read
    return Reads(readers=totals["readers"], read=totals["read"], by_class=by_class)


def _grade(name: str | None) -> int:
    digits = "".join(ch for ch in name or "" if ch.isdigit())
    return int(digits) if digits else 99


async def withdraw(uow: UnitOfWork, principal: Principal, announcement_id: UUID) -> None:
    """The author takes an announcement off the board; it is kept, not deleted."""
    me, school_id = access.require_person(principal)
    async with uow:
        result = await uow.session.execute(
            update(Announcement)
            .where(
                Announcement.id == announcement_id,
                Announcement.author_id == me,
                Announcement.school_id == school_id,
                Announcement.withdrawn_at.is_(None),
            )
            .values(withdrawn_at=utcnow())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(NOT_FOUND)
        await uow.commit()
