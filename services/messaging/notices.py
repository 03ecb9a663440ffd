"""Notices: a person reads their own notices and marks them read."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.messaging.models import Notice

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
        if notice is None:
            raise NotFound("Уведомление не найдено.")
        if notice.recipient_id != person_id:
            raise Forbidden("Это уведомление адресовано другому человеку.")
        if notice.read_at is None:
            notice.read_at = utcnow()
        await uow.commit()
        return notice
