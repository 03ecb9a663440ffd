"""Letters that ask to confirm (a trip's consent): each recipient — a parent once per child
concerned — confirms once before the deadline; the sender sees who has not, and reminds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Locked, NotFound
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.messaging import access, mail
from services.messaging.domain import mail as rules
from services.messaging.mailbox import Named, names_of
from services.messaging.models import Confirmation, Message

NOT_FOUND = "Письмо с просьбой о подтверждении не найдено."


@dataclass
class ConfirmationItem:
    recipient: Named
    child: Named | None
    confirmed_at: datetime | None
    reminded_at: datetime | None


@dataclass
class Status:
    confirm_by: datetime
    deadline_passed: bool
    confirmed: int
    pending: int
    items: list[ConfirmationItem]


def _deadline(message: Message) -> None:
    assert message.confirm_by is not None
    if message.confirm_by <= utcnow():
        raise Locked(
            f"Срок подтверждения истёк {message.confirm_by:%d.%m.%Y %H:%M} (UTC).",
            reason="deadline_passed",
        )


async def _asking(session: AsyncSession, message_id: UUID, school_id: UUID) -> Message | None:
    message = await session.get(Message, message_id)
    if message is None or message.school_id != school_id or message.confirm_by is None:
        return None
    return message


async def confirm(
    uow: UnitOfWork, principal: Principal, message_id: UUID, child_id: UUID | None
) -> None:
    """Confirm for one child, or for every child the letter concerns; again keeps the first."""
    me, school_id = access.require_person(principal)
    async with uow:
        message = await _asking(uow.session, message_id, school_id)
        if message is None:
            raise NotFound(NOT_FOUND)
        mine = [Confirmation.message_id == message_id, Confirmation.recipient_id == me]
        if child_id is not None:
            mine.append(Confirmation.child_id == child_id)
        if not await uow.session.scalar(select(func.count()).where(*mine)):
            raise NotFound(NOT_FOUND)
        _deadline(message)
        await uow.session.execute(
            update(Confirmation)
            .where(*mine)
            .values(confirmed_at=func.coalesce(Confirmation.confirmed_at, func.now()))
        )
        await uow.commit()


async def status(db: Database, principal: Principal, message_id: UUID) -> Status:
    """Who has confirmed and who has not: for the letter's sender only."""
    me, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        message = await _asking(session, message_id, school_id)
        if message is None or message.sender_id != me:
            raise NotFound(NOT_FOUND)
        rows = (
            await session.scalars(
                select(Confirmation)
                .where(Confirmation.message_id == message_id)
                .order_by(Confirmation.confirmed_at.is_not(None), Confirmation.recipient_id)
            )
        ).all()
        names = await names_of(
            session, {r.recipient_id for r in rows} | {r.child_id for r in rows if r.child_id}
        )
    items = [
        ConfirmationItem(
            recipient=Named(r.recipient_id, names.get(r.recipient_id, "—")),
            child=Named(r.child_id, names.get(r.child_id, "—")) if r.child_id else None,
            confirmed_at=r.confirmed_at,
            reminded_at=r.reminded_at,
        )
        for r in rows
    ]
    assert message.confirm_by is not None
    confirmed = sum(1 for i in items if i.confirmed_at is not None)
    return Status(
        confirm_by=message.confirm_by,
        deadline_passed=message.confirm_by <= utcnow(),
        confirmed=confirmed,
        pending=len(items) - confirmed,
        items=items,
    )


async def remind(uow: UnitOfWork, principal: Principal, message_id: UUID) -> UUID:
    """A reminder in the letter's thread to everyone who has not confirmed yet."""
    me, school_id = access.require_person(principal)
    async with uow:
        message = await _asking(uow.session, message_id, school_id)
        if message is None or message.sender_id != me:
            raise NotFound(NOT_FOUND)
        _deadline(message)
        pending = list(
            dict.fromkeys(
                await uow.session.scalars(
                    select(Confirmation.recipient_id)
                    .where(
                        Confirmation.message_id == message_id,
                        Confirmation.confirmed_at.is_(None),
                    )
                    .order_by(Confirmation.recipient_id)
                )
            )
        )
        if not pending:
            raise NotFound("Все получатели уже подтвердили.")
        assert message.confirm_by is not None
        reminder = mail.LetterInput(
            to=pending,
            subject=f"Напоминание: {message.subject}"[: rules.SUBJECT_MAX],
            body=(
                f"Пожалуйста, подтвердите письмо «{message.subject}» до "
                f"{message.confirm_by:%d.%m.%Y %H:%M} (UTC)."
            ),
        )
        sent = await mail.send_in(
            uow,
            principal,
            reminder,
            mail.Thread(
                thread_id=message.thread_id,
                in_reply_to_id=message.id,
                authorised=frozenset(pending),
            ),
        )
        await uow.session.execute(
            update(Confirmation)
            .where(Confirmation.message_id == message_id, Confirmation.recipient_id.in_(pending))
            .values(reminded_at=utcnow())
        )
        await uow.commit()
        return sent
