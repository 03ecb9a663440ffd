"""Sessions: listing them and ending them. Every ending is published as people.session.ended,
which the gateway's revocation feed turns into refusing the session's tokens."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import NotFound, Unauthenticated
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.people.events import SessionEnded
from services.people.models import Account, Session
from services.people.service import _require


async def school_account(session: AsyncSession, school_id: UUID, person_id: UUID) -> Account:
    """The person's account, locked, if the person is of this school; NOT_FOUND otherwise."""
    account = await session.scalar(
        select(Account)
        .where(Account.person_id == person_id, Account.school_id == school_id)
        .with_for_update()
    )
    if account is None:
        raise NotFound("У этого человека нет учётной записи.")
    return account


async def end_sessions(
    uow: UnitOfWork,
    account_id: UUID,
    *,
    keep: UUID | None,
    reason: str,
    ended_by: UUID | None = None,
    only: UUID | None = None,
) -> int:
    """End the account's open sessions (all, all but ``keep``, or ``only`` one); how many."""
    query = (
        update(Session)
        .where(Session.account_id == account_id, Session.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason, ended_by=ended_by)
        .returning(Session.id, Session.school_id)
    )
    if keep is not None:
        query = query.where(Session.id != keep)
    if only is not None:
        query = query.where(Session.id == only)
    ended = (await uow.session.execute(query)).all()
    for session_id, school_id in ended:
        # The gateway's revocation feed refuses the session's tokens as soon as this arrives.
        uow.emit(
            SessionEnded(session_id=session_id, account_id=account_id, reason=reason),
            school_id=school_id,
        )
    return len(ended)


def signed_in(principal: Principal) -> tuple[UUID, UUID]:
    if principal.account_id is None or principal.session_id is None:
        raise Unauthenticated()
    return principal.account_id, principal.session_id


async def logout(uow: UnitOfWork, principal: Principal) -> bool:
    """Ends the caller's session on the server (the regulation: «Выход», not closing the tab)."""
    account_id, session_id = signed_in(principal)
    async with uow:
        count = await end_sessions(
            uow,
            account_id,
            keep=None,
            only=session_id,
            reason="logout",
            ended_by=principal.person_id,
        )
        await uow.commit()
    return count > 0


async def logout_everywhere(uow: UnitOfWork, principal: Principal) -> int:
    account_id, _ = signed_in(principal)
    async with uow:
        count = await end_sessions(
            uow, account_id, keep=None, reason="logout_everywhere", ended_by=principal.person_id
        )
        await uow.commit()
    return count


async def end_my_session(uow: UnitOfWork, principal: Principal, *, session_id: UUID) -> bool:
    """One of my other devices (the list is ``mySessions``)."""
    account_id, _ = signed_in(principal)
    async with uow:
        count = await end_sessions(
            uow,
            account_id,
            keep=None,
            only=session_id,
            reason="logout",
            ended_by=principal.person_id,
        )
        if not count:
            raise NotFound("Открытый сеанс не найден.")
        await uow.commit()
    return True


async def end_sessions_of(uow: UnitOfWork, principal: Principal, *, person_id: UUID) -> int:
    """The administrator ends every session of a person of their own school."""
    school_id = _require(principal, Role.ADMINISTRATOR)
    async with uow:
        account = await school_account(uow.session, school_id, person_id)
        count = await end_sessions(
            uow,
            account.id,
            keep=None,
            reason="ended_by_administrator",
            ended_by=principal.person_id,
        )
        await uow.commit()
    return count


async def my_sessions(db: Database, principal: Principal) -> list[Session]:
    account_id, _ = signed_in(principal)
    async with db.sessionmaker() as session:
        return list(
            await session.scalars(
                select(Session)
                .where(Session.account_id == account_id, Session.ended_at.is_(None))
                .order_by(Session.created_at.desc(), Session.id.desc())
            )
        )
