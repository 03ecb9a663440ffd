"""Accounts: consent to personal-data processing, issuing logins, blocking, sign-in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import (
    Conflict,
    Forbidden,
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
from services.people.anonymisation import Reason, cancel_anonymisation, schedule_anonymisation
from services.people.domain import AddressThrottle, PersonKind, Throttle
from services.people.events import (
    AccountBlocked,
    AccountIssued,
    ConsentRecorded,
    ConsentWithdrawn,
)
from services.people.models import (
    Account,
    AddressThrottleRow,
    Consent,
    Guardianship,
    Person,
    RoleGrantRow,
    Session,
)
from services.people.passwords import remember, school_policy, status_of
from services.people.service import _person, _require, _roles, role_grants
from services.people.sessions import end_sessions, school_account, signed_in

# A real hash to verify against when the login is unknown, so both refusals take as long.
_DUMMY_HASH = hash_password("not-a-real-password")


# --- consent ------------------------------------------------------------------------------

ADULT_AGE = 18


def _age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _clean(value: str | None, limit: int, message: str, field: str) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ValidationFailed(message, field=field)
    return text or None


def _consent_document(
    document: str | None, kind: str | None, number: str | None, dated: date | None
) -> tuple[str, str, str | None]:
    """(description, kind, number): the kind and date make the description when none is given."""
    kind = _clean(kind, 200, "Вид документа о согласии — до 200 символов.", "documentKind")
    number = _clean(number, 50, "Номер документа о согласии — до 50 символов.", "documentNumber")
    document = _clean(
        document, 500, "Реквизиты документа о согласии — до 500 символов.", "document"
    )
    if dated is not None and dated > date.today():
        raise ValidationFailed(
            "Дата документа о согласии не может быть в будущем.", field="documentDate"
        )
    if document is None:
        if kind is None:
            raise ValidationFailed(
                "Укажите документ о согласии: вид (например, «заявление»), номер и дату.",
                field="documentKind",
            )
        document = kind + (f" № {number}" if number else "")
        document += f" от {dated:%d.%m.%Y}" if dated else ""
    return document, kind or document, number


async def record_consent(
    uow: UnitOfWork,
    principal: Principal,
    *,
    subject_id: UUID,
    given_by_id: UUID,
    document: str | None = None,
    document_kind: str | None = None,
    document_number: str | None = None,
    document_date: date | None = None,
    given_at: datetime | None = None,
) -> Consent:
    """Consent is given by the person, or for a minor student by one of their parents."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    document, document_kind, document_number = _consent_document(
        document, document_kind, document_number, document_date
    )
    now = utcnow()
    given_at = given_at or now
    if given_at > now:
        raise ValidationFailed("Дата согласия не может быть в будущем.", field="givenAt")
    async with uow:
        subject = await _person(uow.session, school_id, subject_id)
        domain.check_registrar(_roles(principal), PersonKind(subject.kind))
        if given_by_id == subject_id:
            minor = subject.kind == PersonKind.STUDENT and (
                subject.birth_date is None
                or _age_on(subject.birth_date, given_at.date()) < ADULT_AGE
            )
            if minor:
                raise ValidationFailed(
                    "За несовершеннолетнего учащегося согласие даёт родитель "
                    "(законный представитель).",
                    field="givenById",
                )
        else:
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
            document_kind=document_kind,
            document_number=document_number,
            document_date=document_date,
            given_at=given_at,
            recorded_by=principal.person_id,
        )
        uow.session.add(consent)
        await cancel_anonymisation(uow.session, subject_id)  # consent given again: data stays
        uow.emit(
            ConsentRecorded(
                consent_id=consent.id,
                school_id=school_id,
                subject_id=subject_id,
                given_by_id=given_by_id,
                document_kind=document_kind,
                document_number=document_number,
                document_date=document_date,
                given_at=given_at,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return consent


async def withdraw_consent(
    uow: UnitOfWork, principal: Principal, *, subject_id: UUID, document: str
) -> list[Consent]:
    """Withdrawal (152-FZ art. 9) blocks the person's account at once; the history stays."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    cleaned = _clean(document, 500, "Реквизиты отзыва согласия — до 500 символов.", "document")
    if cleaned is None:
        raise ValidationFailed("Укажите документ об отзыве согласия.", field="document")
    now = utcnow()
    async with uow:
        subject = await _person(uow.session, school_id, subject_id)
        domain.check_registrar(_roles(principal), PersonKind(subject.kind))
        active = list(
            await uow.session.scalars(
                select(Consent)
                .where(Consent.subject_id == subject_id, Consent.withdrawn_at.is_(None))
                .with_for_update()
            )
        )
        if not active:
            raise Conflict("Действующего согласия на обработку персональных данных нет.")
        for consent in active:
            consent.withdrawn_at = now
            consent.withdrawn_by = principal.person_id
            consent.withdrawal_document = cleaned
            uow.emit(
                ConsentWithdrawn(
                    consent_id=consent.id,
                    school_id=school_id,
                    subject_id=subject_id,
                    withdrawn_at=now,
                ),
                school_id=school_id,
            )
        account = await uow.session.scalar(
            select(Account).where(Account.person_id == subject_id).with_for_update()
        )
        if account is not None and account.blocked_at is None:
            await _block(uow, principal, account, CONSENT_WITHDRAWN)
        await schedule_anonymisation(
            uow.session,
            school_id=school_id,
            person_id=subject_id,
            reason=Reason.CONSENT_WITHDRAWN,
            starting=now.date(),
        )
        await uow.commit()
    return active


async def consent_history(db: Database, principal: Principal, subject_id: UUID) -> list[Consent]:
    """Every consent of the person, newest first, withdrawn ones included.

    A list: a person the caller does not keep the data of (or none at all) has no consents
    for them (``services.kernel.visibility``).
    """
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    async with db.sessionmaker() as session:
        subject = await session.get(Person, subject_id)
        if subject is None or subject.school_id != school_id:
            return []
        if not domain.REGISTRARS[PersonKind(subject.kind)] & _roles(principal):
            return []
        return list(
            await session.scalars(
                select(Consent)
                .where(Consent.subject_id == subject_id)
                .order_by(Consent.given_at.desc(), Consent.id.desc())
            )
        )


# --- credentials --------------------------------------------------------------------------


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


def _no_consent_message(person: Person) -> str:
    name = domain.short_name(person.last_name, person.first_name, person.middle_name)
    who = (
        "его родителем (законным представителем) или им самим, если он совершеннолетний"
        if person.kind == PersonKind.STUDENT
        else "им самим"
    )
    return (
        "Нельзя выдать логин: не зарегистрировано согласие на обработку персональных данных "
        f"(152-ФЗ) — {name}. Сначала зарегистрируйте согласие, данное {who}."
    )


async def issue_credentials(
    uow: UnitOfWork, principal: Principal, *, person_id: UUID, login: str | None = None
) -> IssuedCredentials:
    """A login and a one-time password; issuing again resets the password and ends sessions.

    The one-time password must be changed at the first login (``must_change_password``).
    """
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
            raise Conflict(_no_consent_message(person), field="personId")
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
            remember(uow, account, now)
            account.login = login or account.login
            account.password_hash = password_hash
            account.must_change_password = True
            account.failed_attempts = 0
            account.locked_until = None
            account.password_changed_at = now
            if account.blocked_reason == CONSENT_WITHDRAWN:
                # Consent is on record again (checked above): the block it caused is lifted.
                account.blocked_at = None
                account.blocked_reason = None
            await end_sessions(uow, account.id, keep=None, reason="credentials_reissued")
        uow.emit(
            AccountIssued(
                account_id=account.id, person_id=person_id, school_id=school_id, login=account.login
            ),
            school_id=school_id,
        )
        await uow.commit()
    return IssuedCredentials(account=account, password=password)


ADMINISTRATOR_BLOCK = "administrator"
CONSENT_WITHDRAWN = "consent_withdrawn"


async def _block(uow: UnitOfWork, principal: Principal, account: Account, reason: str) -> None:
    account.blocked_at = utcnow()
    account.blocked_reason = reason
    await end_sessions(
        uow, account.id, keep=None, reason="account_blocked", ended_by=principal.person_id
    )
    uow.emit(
        AccountBlocked(
            account_id=account.id,
            person_id=account.person_id,
            school_id=account.school_id,
            reason=reason,
        ),
        school_id=account.school_id,
    )


async def block_account(uow: UnitOfWork, principal: Principal, *, person_id: UUID) -> Account:
    school_id = _require(principal, Role.ADMINISTRATOR)
    async with uow:
        account = await school_account(uow.session, school_id, person_id)
        if account.id == principal.account_id:
            raise ValidationFailed("Нельзя заблокировать собственную учётную запись.")
        if account.blocked_at is None:
            await _block(uow, principal, account, ADMINISTRATOR_BLOCK)
        await uow.commit()
    return account


# --- sign-in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_at: datetime
    must_change_password: bool
    session_id: UUID
    password_expires_at: datetime | None
    password_expires_soon: bool


async def _address_throttle(session: AsyncSession, address: str) -> AddressThrottleRow | None:
    return await session.get(AddressThrottleRow, address)


async def _address_failed(session: AsyncSession, address: str | None, now: datetime) -> None:
    """Count one failure against the address, under a row lock (logins run concurrently)."""
    if not address:
        return
    await session.execute(
        pg_insert(AddressThrottleRow)
        .values(address=address, window_started_at=now, failures=0)
        .on_conflict_do_nothing()
    )
    row = await session.get(AddressThrottleRow, address, with_for_update=True)
    assert row is not None
    throttle = AddressThrottle(row.window_started_at, row.failures, row.locked_until)
    throttle = throttle.after_failure(now)
    row.window_started_at = throttle.window_started_at or now
    row.failures = throttle.failures
    row.locked_until = throttle.locked_until


async def login(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    address: str | None,
    private_key: str,
    ttl_seconds: int,
    user_agent: str | None = None,
) -> LoginResult:
    """A token bound to a new session. A one-time or expired password gives a token that the
    gateway accepts only for ``changePassword`` (and ``logout``) until the password is changed.
    """
    login = domain.normalize_login(login)
    address = (address or "")[:100] or None
    async with uow:
        now = utcnow()
        if address:
            by_address = await _address_throttle(uow.session, address)
            if by_address is not None and by_address.locked_until and now < by_address.locked_until:
                raise TooManyRequests(domain.address_locked_message(by_address.locked_until, now))
        account = await uow.session.scalar(
            select(Account).where(Account.login == login).with_for_update()
        )
        if account is None:
            await asyncio.to_thread(verify_password, _DUMMY_HASH, password)
            await _address_failed(uow.session, address, now)
            await uow.commit()
            raise Unauthenticated(domain.BAD_CREDENTIALS_MESSAGE)
        throttle = Throttle(account.failed_attempts, account.locked_until)
        if throttle.is_locked(now):
            assert account.locked_until is not None
            raise TooManyRequests(domain.locked_message(account.locked_until, now))
        if not await asyncio.to_thread(verify_password, account.password_hash, password):
            throttle = throttle.after_failure(now)
            account.failed_attempts = throttle.failed_attempts
            account.locked_until = throttle.locked_until
            await _address_failed(uow.session, address, now)
            await uow.commit()
            raise Unauthenticated(domain.BAD_CREDENTIALS_MESSAGE)
        # The password is right: only now say that the account is blocked.
        if account.blocked_at is not None:
            raise Forbidden(domain.BLOCKED_MESSAGE)
        account.failed_attempts = 0
        account.locked_until = None
        status = status_of(account, await school_policy(uow.session, account.school_id), now)
        session = Session(
            id=uuid7(),
            school_id=account.school_id,
            account_id=account.id,
            address=address,
            user_agent=(user_agent or "")[:300] or None,
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
            must_change_password=status.must_change_password,
        )
        token = issue_access_token(principal, private_key, ttl_seconds)
        await uow.commit()
    return LoginResult(
        access_token=token.token,
        expires_at=datetime.fromtimestamp(token.expires_at, tz=now.tzinfo),
        must_change_password=status.must_change_password,
        session_id=session.id,
        password_expires_at=status.expires_at,
        password_expires_soon=status.expires_soon,
    )


async def get_account(db: Database, principal: Principal) -> Account:
    account_id, _ = signed_in(principal)
    async with db.sessionmaker() as session:
        account = await session.get(Account, account_id)
    if account is None:
        raise Unauthenticated()
    return account
