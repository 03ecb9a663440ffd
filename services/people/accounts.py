"""Accounts: consent to personal-data processing, issuing logins, sign-in, sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.tokens import hash_password, issue_access_token, verify_password
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.domain import PersonKind, Throttle
from services.people.events import AccountBlocked, AccountIssued, SessionEnded
from services.people.models import Account, Consent, Guardianship, RoleGrantRow, Session
from services.people.service import _person, _require, _roles, role_grants

# A real hash to verify against when the login is unknown, so both refusals take as long.
_DUMMY_HASH = hash_password("not-a-real-password")


# --- consent and credentials --------------------------------------------------------------


async def record_consent(
    uow: UnitOfWork,
    principal: Principal,
    *,
    subject_id: UUID,
    given_by_id: UUID,
    document: str,
    given_at: datetime | None = None,
) -> Consent:
    """Consent is given by the person, or for a student by one of their parents."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    document = document.strip()
    if not document or len(document) > 500:
        raise ValidationFailed(
            "Укажите реквизиты документа о согласии (до 500 символов).", field="document"
        )
    now = utcnow()
    given_at = given_at or now
    if given_at > now:
        raise ValidationFailed("Дата согласия не может быть в будущем.", field="givenAt")
    async with uow:
        subject = await _person(uow.session, school_id, subject_id)
        domain.check_registrar(_roles(principal), PersonKind(subject.kind))
        if given_by_id != subject_id:
            await _person(uow.session, school_id, given_by_id)
            guardian = await uow.session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == given_by_id,
                        Guardianship.student_id == subject_id,
                    )
                )
            )
            if not guardian:
                raise ValidationFailed(
                    "Согласие даёт сам человек или законный представитель учащегося.",
                    field="givenById",
                )
        consent = Consent(
            id=uuid7(),
            school_id=school_id,
            subject_id=subject_id,
            given_by_id=given_by_id,
            document=document,
            given_at=given_at,
            recorded_by=principal.person_id,
        )
        uow.session.add(consent)
        await uow.commit()
    return consent


async def has_consent(session: AsyncSession, person_id: UUID) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(Consent.subject_id == person_id, Consent.withdrawn_at.is_(None)))
        )
    )


async def _holds_any(session: AsyncSession, person_id: UUID, roles: Iterable[Role]) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    RoleGrantRow.person_id == person_id,
                    RoleGrantRow.role.in_([r.value for r in roles]),
                    RoleGrantRow.withdrawn_at.is_(None),
                )
            )
        )
    )


@dataclass(frozen=True)
class IssuedCredentials:
    account: Account
    password: str


async def _free_login(session: AsyncSession, base: str) -> str:
    taken = set(
        await session.scalars(
            select(Account.login).where(
                (Account.login == base) | Account.login.startswith(base, autoescape=True)
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


async def issue_credentials(
    uow: UnitOfWork, principal: Principal, *, person_id: UUID, login: str | None = None
) -> IssuedCredentials:
    """A login and a one-time password; issuing again resets the password and ends sessions."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    password = domain.generate_password()
    password_hash = await asyncio.to_thread(hash_password, password)
    now = utcnow()
    async with uow:
        person = await _person(uow.session, school_id, person_id)
        domain.check_registrar(_roles(principal), PersonKind(person.kind))
        if not principal.has_role(Role.ADMINISTRATOR) and await _holds_any(
            uow.session, person_id, ADMINISTRATION
        ):
            # Whoever learns the password acts with the person's rights.
            raise Forbidden("Логин и пароль сотруднику администрации выдаёт администратор.")
        if not await has_consent(uow.session, person_id):
            raise Conflict(domain.NO_CONSENT_MESSAGE)
        account = await uow.session.scalar(
            select(Account).where(Account.person_id == person_id).with_for_update()
        )
        if login is not None:
            login = domain.check_login(login)
            holder = await uow.session.scalar(
                select(Account.person_id).where(Account.login == login)
            )
            if holder is not None and holder != person_id:
                raise Conflict("Этот логин уже занят.", field="login")
        if account is None:
            login = login or await _free_login(
                uow.session,
                domain.suggested_login(person.last_name, person.first_name, person.middle_name),
            )
            account = Account(
                id=uuid7(),
                school_id=school_id,
                person_id=person_id,
                login=login,
                password_hash=password_hash,
                must_change_password=True,
                failed_attempts=0,
                password_changed_at=now,
            )
            uow.session.add(account)
        else:
            account.login = login or account.login
            account.password_hash = password_hash
            account.must_change_password = True
            account.failed_attempts = 0
            account.locked_until = None
            account.password_changed_at = now
            await _end_sessions(uow, account.id, keep=None)
        uow.emit(
            AccountIssued(
                account_id=account.id, person_id=person_id, school_id=school_id, login=account.login
            ),
            school_id=school_id,
        )
        await uow.commit()
    return IssuedCredentials(account=account, password=password)


async def block_account(uow: UnitOfWork, principal: Principal, *, person_id: UUID) -> Account:
    school_id = _require(principal, Role.ADMINISTRATOR)
    async with uow:
        account = await uow.session.scalar(
            select(Account)
            .where(Account.person_id == person_id, Account.school_id == school_id)
            .with_for_update()
        )
        if account is None:
            raise NotFound("У этого человека нет учётной записи.")
        if account.id == principal.account_id:
            raise ValidationFailed("Нельзя заблокировать собственную учётную запись.")
        if account.blocked_at is None:
            account.blocked_at = utcnow()
            await _end_sessions(uow, account.id, keep=None)
            uow.emit(
                AccountBlocked(account_id=account.id, person_id=person_id, school_id=school_id),
                school_id=school_id,
            )
        await uow.commit()
    return account


# --- sign-in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_at: datetime
    must_change_password: bool
    session_id: UUID


async def login(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    address: str | None,
    private_key: str,
    ttl_seconds: int,
) -> LoginResult:
    login = domain.normalize_login(login)
    async with uow:
        account = await uow.session.scalar(
            select(Account).where(Account.login == login).with_for_update()
        )
        if account is None:
            await asyncio.to_thread(verify_password, _DUMMY_HASH, password)
            raise Unauthenticated(domain.BAD_CREDENTIALS_MESSAGE)
        now = utcnow()
        throttle = Throttle(account.failed_attempts, account.locked_until)
        if throttle.is_locked(now):
            assert account.locked_until is not None
            raise TooManyRequests(domain.locked_message(account.locked_until, now))
        if not await asyncio.to_thread(verify_password, account.password_hash, password):
            throttle = throttle.after_failure(now)
            account.failed_attempts = throttle.failed_attempts
            account.locked_until = throttle.locked_until
            await uow.commit()
            raise Unauthenticated(domain.BAD_CREDENTIALS_MESSAGE)
        # The password is right: only now say that the account is blocked.
        if account.blocked_at is not None:
            raise Forbidden(domain.BLOCKED_MESSAGE)
        account.failed_attempts = 0
        account.locked_until = None
        session = Session(
            id=uuid7(),
            school_id=account.school_id,
            account_id=account.id,
            address=address,
            created_at=now,
            last_seen_at=now,
        )
        uow.session.add(session)
        principal = Principal(
            account_id=account.id,
            person_id=account.person_id,
            school_id=account.school_id,
            session_id=session.id,
            login=account.login,
            roles=await role_grants(uow.session, account.person_id),
        )
        token = issue_access_token(principal, private_key, ttl_seconds)
        must_change = account.must_change_password
        await uow.commit()
    return LoginResult(
        access_token=token.token,
        expires_at=datetime.fromtimestamp(token.expires_at, tz=now.tzinfo),
        must_change_password=must_change,
        session_id=session.id,
    )


async def _end_sessions(uow: UnitOfWork, account_id: UUID, *, keep: UUID | None) -> int:
    query = (
        update(Session)
        .where(Session.account_id == account_id, Session.ended_at.is_(None))
        .values(ended_at=utcnow())
        .returning(Session.id)
    )
    if keep is not None:
        query = query.where(Session.id != keep)
    ended = list(await uow.session.scalars(query))
    for session_id in ended:
        uow.emit(SessionEnded(session_id=session_id, account_id=account_id), school_id=None)
    return len(ended)


def _signed_in(principal: Principal) -> tuple[UUID, UUID]:
    if principal.account_id is None or principal.session_id is None:
        raise Unauthenticated()
    return principal.account_id, principal.session_id


async def logout(uow: UnitOfWork, principal: Principal) -> bool:
    """Ends the caller's session on the server (the regulation: «Выход», not closing the tab)."""
    account_id, session_id = _signed_in(principal)
    async with uow:
        ended = await uow.session.scalar(
            update(Session)
            .where(
                Session.id == session_id,
                Session.account_id == account_id,
                Session.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
            .returning(Session.id)
        )
        if ended is not None:
            uow.emit(
                SessionEnded(session_id=session_id, account_id=account_id),
                school_id=principal.school_id,
            )
        await uow.commit()
    return ended is not None


async def logout_everywhere(uow: UnitOfWork, principal: Principal) -> int:
    account_id, _ = _signed_in(principal)
    async with uow:
        count = await _end_sessions(uow, account_id, keep=None)
        await uow.commit()
    return count


async def change_password(
    uow: UnitOfWork, principal: Principal, *, old_password: str, new_password: str
) -> bool:
    account_id, session_id = _signed_in(principal)
    async with uow:
        account = await uow.session.get(Account, account_id, with_for_update=True)
        if account is None or account.blocked_at is not None:
            raise Unauthenticated()
        if not await asyncio.to_thread(verify_password, account.password_hash, old_password):
            raise ValidationFailed("Текущий пароль указан неверно.", field="oldPassword")
        domain.check_new_password(new_password, account.login)
        if new_password == old_password:
            raise ValidationFailed(
                "Новый пароль должен отличаться от текущего.", field="newPassword"
            )
        account.password_hash = await asyncio.to_thread(hash_password, new_password)
        account.must_change_password = False
        account.password_changed_at = utcnow()
        # Whoever else knew the old password loses their sessions.
        await _end_sessions(uow, account_id, keep=session_id)
        await uow.commit()
    return True


async def get_account(db: Database, principal: Principal) -> Account:
    account_id, _ = _signed_in(principal)
    async with db.sessionmaker() as session:
        account = await session.get(Account, account_id)
    if account is None:
        raise Unauthenticated()
    return account
