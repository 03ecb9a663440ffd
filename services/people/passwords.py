"""Passwords: the school's policy as a setting, the state of one's password, changing it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Unauthenticated, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.tokens import hash_password, verify_password
from services.kernel.uow import UnitOfWork
from services.people import password_policy
from services.people.events import PasswordChanged
from services.people.models import Account, PasswordHistory, PasswordPolicyRow
from services.people.password_policy import DEFAULT_POLICY, PasswordPolicy
from services.people.service import _require
from services.people.sessions import end_sessions, signed_in


async def school_policy(session: AsyncSession, school_id: UUID | None) -> PasswordPolicy:
    """The school's policy; the defaults for a school without one and for the region's accounts."""
    row = await session.get(PasswordPolicyRow, school_id) if school_id is not None else None
    if row is None:
        return DEFAULT_POLICY
    return PasswordPolicy(
        min_length=row.min_length,
        history_size=row.history_size,
        max_age_days=row.max_age_days,
        expiry_warning_days=row.expiry_warning_days,
    )


async def get_password_policy(db: Database, principal: Principal) -> PasswordPolicy:
    school_id = _require(principal, Role.ADMINISTRATOR)
    async with db.sessionmaker() as session:
        return await school_policy(session, school_id)


async def update_password_policy(
    uow: UnitOfWork, principal: Principal, policy: PasswordPolicy
) -> PasswordPolicy:
    """The school's own settings; they apply to the next login and password change."""
    school_id = _require(principal, Role.ADMINISTRATOR)
    policy.validate()
    values = {
        "min_length": policy.min_length,
        "history_size": policy.history_size,
        "max_age_days": policy.max_age_days,
        "expiry_warning_days": policy.expiry_warning_days,
        "updated_at": utcnow(),
        "updated_by": principal.person_id,
    }
    async with uow:
        await uow.session.execute(
            pg_insert(PasswordPolicyRow)
            .values(school_id=school_id, **values)
            .on_conflict_do_update(index_elements=[PasswordPolicyRow.school_id], set_=values)
        )
        await uow.commit()
    return policy


@dataclass(frozen=True)
class PasswordStatus:
    must_change_password: bool
    changed_at: datetime
    expires_at: datetime | None
    expires_soon: bool


def status_of(account: Account, policy: PasswordPolicy, now: datetime) -> PasswordStatus:
    expired = policy.is_expired(account.password_changed_at, now)
    return PasswordStatus(
        must_change_password=account.must_change_password or expired,
        changed_at=account.password_changed_at,
        expires_at=policy.expires_at(account.password_changed_at),
        expires_soon=policy.expires_soon(account.password_changed_at, now),
    )


async def password_status(db: Database, principal: Principal) -> PasswordStatus:
    account_id, _ = signed_in(principal)
    async with db.sessionmaker() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise Unauthenticated()
        policy = await school_policy(session, account.school_id)
    return status_of(account, policy, utcnow())


# Earlier hashes kept per account: enough for the largest history a school may set.
HISTORY_KEPT = 24


def remember(uow: UnitOfWork, account: Account, now: datetime) -> None:
    """Keep the hash about to be replaced, for the "not reused" rule."""
    uow.session.add(
        PasswordHistory(
            id=uuid7(),
            school_id=account.school_id,
            account_id=account.id,
            password_hash=account.password_hash,
            created_at=now,
        )
    )


async def _forget_old(session: AsyncSession, account_id: UUID) -> None:
    keep = (
        select(PasswordHistory.id)
        .where(PasswordHistory.account_id == account_id)
        .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        .limit(HISTORY_KEPT)
    )
    await session.execute(
        delete(PasswordHistory).where(
            PasswordHistory.account_id == account_id, PasswordHistory.id.not_in(keep)
        )
    )


async def _reused(session: AsyncSession, account_id: UUID, password: str, count: int) -> bool:
    """Among the ``count`` most recent earlier passwords (the current one is checked apart)."""
    if count <= 0:
        return False
    hashes = await session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.account_id == account_id)
        .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        .limit(count)
    )
    for old_hash in hashes:
        if await asyncio.to_thread(verify_password, old_hash, password):
            return True
    return False


async def change_password(
    uow: UnitOfWork, principal: Principal, *, old_password: str, new_password: str
) -> bool:
    """Checks the school's policy rule by rule. Other sessions end; so does the current one when
    the change was forced (its token only allowed the change): then log in with the new one."""
    account_id, session_id = signed_in(principal)
    async with uow:
        account = await uow.session.get(Account, account_id, with_for_update=True)
        if account is None or account.blocked_at is not None:
            raise Unauthenticated()
        if not await asyncio.to_thread(verify_password, account.password_hash, old_password):
            raise ValidationFailed("Текущий пароль указан неверно.", field="oldPassword")
        if new_password == old_password:
            raise ValidationFailed(password_policy.SAME_AS_CURRENT_MESSAGE, field="newPassword")
        now = utcnow()
        policy = await school_policy(uow.session, account.school_id)
        password_policy.check_password(new_password, account.login, policy)
        # The current password is one of the last N; the history holds the others.
        if await _reused(uow.session, account_id, new_password, policy.history_size - 1):
            raise ValidationFailed(
                password_policy.REUSED_MESSAGE.format(n=policy.history_size),
                field="newPassword",
            )
        forced = status_of(account, policy, now).must_change_password
        remember(uow, account, now)
        await uow.session.flush()
        await _forget_old(uow.session, account_id)
        account.password_hash = await asyncio.to_thread(hash_password, new_password)
        account.must_change_password = False
        account.password_changed_at = now
        # Whoever else knew the old password loses their sessions.
        await end_sessions(
            uow,
            account_id,
            keep=None if principal.must_change_password else session_id,
            reason="password_changed",
            ended_by=principal.person_id,
        )
        uow.emit(
            PasswordChanged(
                account_id=account_id,
                person_id=account.person_id,
                school_id=account.school_id,
                forced=forced,
            ),
            school_id=account.school_id,
        )
        await uow.commit()
    return True
