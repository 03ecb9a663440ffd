"""Notices: written as each recipient chose for the kind; a person reads their own, marks
them read and chooses how each kind reaches them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork, emit_in
from services.messaging import domain
from services.messaging.events import NoticeCreated
from services.messaging.models import Notice, NoticePreference

NOTICES_LIMIT = 200


def _person(principal: Principal) -> UUID:
    if not principal.is_authenticated:
        raise Unauthenticated()
    if principal.person_id is None:
        raise Forbidden("Уведомления доступны только пользователю, связанному с человеком.")
    return principal.person_id


async def my_notices(
    db: Database, principal: Principal, *, unread_only: bool = False
) -> Sequence[Notice]:
    """The caller's own notices, newest first."""
    person_id = _person(principal)
    query = select(Notice).where(Notice.recipient_id == person_id)
    if principal.school_id is not None:
        query = query.where(Notice.school_id == principal.school_id)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    query = query.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(NOTICES_LIMIT)
    async with db.sessionmaker() as session:
        return (await session.scalars(query)).all()


async def mark_notice_read(uow: UnitOfWork, principal: Principal, notice_id: UUID) -> Notice:
    """Only the recipient marks a notice read; marking it again keeps the first time."""
    person_id = _person(principal)
    async with uow:
        notice = await uow.session.get(Notice, notice_id, with_for_update=True)
        # Another person's notice is not there for the caller (``services.kernel.visibility``).
        if notice is None or notice.recipient_id != person_id:
            raise NotFound("Уведомление не найдено.")
        if notice.read_at is None:
            notice.read_at = utcnow()
        await uow.commit()
        return notice


async def deliver_notices(
    session: AsyncSession,
    *,
    school_id: UUID,
    kind: domain.NoticeKind,
    texts: dict[UUID, str],
    source_event_id: UUID,
    link: str | None = None,
) -> int:
    """One notice per recipient and source event, as each recipient chose for this kind: at
    once (announced: live and by e-mail), kept for the digest, or none. Returns how many were
    new; an event handled again tells nobody twice."""
    if not texts:
        return 0
    chosen = dict(
        (
            await session.execute(
                select(NoticePreference.person_id, NoticePreference.delivery).where(
                    NoticePreference.person_id.in_(list(texts)),
                    NoticePreference.kind == kind.value,
                )
            )
        ).all()
    )
    created = 0
    for recipient_id, body in texts.items():
        delivery = domain.Delivery(chosen.get(recipient_id, domain.Delivery.IMMEDIATE.value))
        if delivery is domain.Delivery.OFF and kind not in domain.ALWAYS_ON:
            continue
        digest = delivery is domain.Delivery.DIGEST
        notice_id = await session.scalar(
            insert(Notice)
            .values(
                id=uuid7(),
                school_id=school_id,
                recipient_id=recipient_id,
                kind=kind.value,
                text=body,
                source_event_id=source_event_id,
                created_at=utcnow(),
                link=link,
                digest=digest,
            )
            .on_conflict_do_nothing(index_elements=[Notice.source_event_id, Notice.recipient_id])
            .returning(Notice.id)
        )
        if notice_id is None:
            continue
        created += 1
        if not digest:
            await emit_in(
                session,
                NoticeCreated(
                    notice_id=notice_id,
                    school_id=school_id,
                    recipient_id=recipient_id,
                    kind=kind.value,
                ),
                school_id=school_id,
            )
    return created


async def preferences(db: Database, principal: Principal) -> dict[domain.NoticeKind, str]:
    """Every kind with the caller's choice (at once unless they chose otherwise)."""
    person_id = _person(principal)
    async with db.sessionmaker() as session:
        chosen = dict(
            (
                await session.execute(
                    select(NoticePreference.kind, NoticePreference.delivery).where(
                        NoticePreference.person_id == person_id
                    )
                )
            ).all()
        )
    return {k: chosen.get(k.value, domain.Delivery.IMMEDIATE.value) for k in domain.NoticeKind}


async def set_preference(
    uow: UnitOfWork, principal: Principal, kind: domain.NoticeKind, delivery: domain.Delivery
) -> None:
    person_id = _person(principal)
    if kind in domain.ALWAYS_ON and delivery is domain.Delivery.OFF:
        raise ValidationFailed(
            f"Уведомления «{domain.NOTICE_KIND_LABELS[kind]}» отключить нельзя: о них родителей "
            "извещают по положению школы.",
            field="delivery",
        )
    async with uow:
        stmt = pg_insert(NoticePreference).values(
            person_id=person_id, kind=kind.value, delivery=delivery.value
        )
        await uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[NoticePreference.person_id, NoticePreference.kind],
                set_={"delivery": delivery.value},
            )
        )
        await uow.commit()
