"""Accounts in the people subgraph: consent, issuing logins, sign-in, password, sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from services.kernel.graphql import Info, parse_id
from services.people import accounts, models, passwords, sessions
from services.people.password_policy import PasswordPolicy as Policy
from services.people.schema.core import (
    PUBLIC,
    REGISTRARS,
    SCHOOL_ADMINS,
    Account,
    Person,
    federation,
    persons,
)

# The only fields a token from a one-time or expired password may use (the gateway enforces it;
# for everyone else the policy just means "signed in").
PASSWORD_CHANGE = [["password_change"]]

# Set by the gateway from the client's connection; the subgraph itself is never public.
CLIENT_ADDRESS_HEADER = "x-sgo-client-address"
CLIENT_AGENT_HEADER = "x-sgo-client-agent"


@federation.type(description="Результат входа")
class LoginResult:
    access_token: str = federation.field(policy=PUBLIC)
    expires_at: datetime = federation.field(policy=PUBLIC)
    must_change_password: bool = federation.field(
        policy=PUBLIC,
        description="Пароль одноразовый или истёк: токен годится только для смены пароля",
    )
    password_expires_at: datetime | None = federation.field(
        policy=PUBLIC, description="Когда истекает срок действия пароля"
    )
    password_expires_soon: bool = federation.field(
        policy=PUBLIC, description="Срок действия пароля скоро истечёт: пора сменить"
    )


@federation.type(authenticated=True, description="Состояние моего пароля")
class PasswordStatus:
    must_change_password: bool
    changed_at: datetime
    expires_at: datetime | None
    expires_soon: bool


@federation.type(requires_scopes=SCHOOL_ADMINS, description="Парольная политика школы")
class PasswordPolicy:
    min_length: int = federation.field(
        requires_scopes=SCHOOL_ADMINS, description="Минимальная длина"
    )
    history_size: int = federation.field(
        requires_scopes=SCHOOL_ADMINS, description="Сколько последних паролей нельзя повторять"
    )
    max_age_days: int = federation.field(
        requires_scopes=SCHOOL_ADMINS, description="Срок действия пароля, дней (0 — без срока)"
    )
    expiry_warning_days: int = federation.field(
        requires_scopes=SCHOOL_ADMINS, description="За сколько дней предупреждать"
    )

    @classmethod
    def from_policy(cls, policy: Policy) -> Self:
        return cls(
            min_length=policy.min_length,
            history_size=policy.history_size,
            max_age_days=policy.max_age_days,
            expiry_warning_days=policy.expiry_warning_days,
        )


@federation.type(authenticated=True, description="Открытый сеанс работы")
class SessionInfo:
    id: strawberry.ID
    started_at: datetime
    last_seen_at: datetime
    address: str | None
    user_agent: str | None
    current: bool


@federation.type(authenticated=True, description="Выданные логин и одноразовый пароль")
class IssuedCredentials:
    login: str
    one_time_password: str
    person: Person


@federation.type(authenticated=True, description="Согласие на обработку персональных данных")
class Consent:
    id: strawberry.ID
    subject: Person
    given_by: Person
    document: str
    document_kind: str | None
    document_number: str | None
    document_date: date | None
    given_at: datetime
    withdrawn_at: datetime | None
    withdrawal_document: str | None


async def _consents(info: Info, rows: list[models.Consent]) -> list[Consent]:
    people = await persons(info).load_many(
        list(dict.fromkeys(i for r in rows for i in (r.subject_id, r.given_by_id)))
    )
    by_id = {p.id: p for p in people if p is not None}
    return [
        Consent(
            id=strawberry.ID(str(row.id)),
            subject=Person.from_row(by_id[row.subject_id]),
            given_by=Person.from_row(by_id[row.given_by_id]),
            document=row.document,
            document_kind=row.document_kind,
            document_number=row.document_number,
            document_date=row.document_date,
            given_at=row.given_at,
            withdrawn_at=row.withdrawn_at,
            withdrawal_document=row.withdrawal_document,
        )
        for row in rows
    ]


@strawberry.input
class RecordConsentInput:
    subject_id: strawberry.ID
    given_by_id: strawberry.ID
    document: str | None = strawberry.field(
        default=None, description="Реквизиты одной строкой, если вид, номер и дата не указаны"
    )
    document_kind: str | None = strawberry.field(
        default=None, description="Вид документа: заявление, согласие, доверенность…"
    )
    document_number: str | None = None
    document_date: date | None = None
    given_at: datetime | None = None


@strawberry.input
class WithdrawConsentInput:
    subject_id: strawberry.ID
    document: str = strawberry.field(description="Документ об отзыве: вид, номер, дата")


@strawberry.input
class IssueCredentialsInput:
    person_id: strawberry.ID
    login: str | None = None


@strawberry.input
class PasswordPolicyInput:
    min_length: int = 8
    history_size: int = 5
    max_age_days: int = 30
    expiry_warning_days: int = 5


def _header(info: Info, name: str) -> str | None:
    request = getattr(info.context, "request", None)
    return request.headers.get(name) if request is not None else None


def _address(info: Info) -> str | None:
    """The client's address as the gateway saw it; a direct caller's own otherwise."""
    forwarded = _header(info, CLIENT_ADDRESS_HEADER)
    if forwarded:
        return forwarded.strip()
    request = getattr(info.context, "request", None)
    return request.client.host if request is not None and request.client else None


def _user_agent(info: Info) -> str | None:
    return _header(info, CLIENT_AGENT_HEADER) or _header(info, "user-agent")


# --- root ---------------------------------------------------------------------------------


@strawberry.type
class AccountsQuery:
    @federation.field(authenticated=True, description="Мои открытые сеансы (сначала новые)")
    async def my_sessions(self, info: Info) -> list[SessionInfo] | None:
        rows = await sessions.my_sessions(info.context.runtime.db, info.context.principal)
        current = info.context.principal.session_id
        return [
            SessionInfo(
                id=strawberry.ID(str(r.id)),
                started_at=r.created_at,
                last_seen_at=r.last_seen_at,
                address=r.address,
                user_agent=r.user_agent,
                current=r.id == current,
            )
            for r in rows
        ]

    @federation.field(authenticated=True, description="Срок действия моего пароля и нужна ли смена")
    async def password_status(self, info: Info) -> PasswordStatus | None:
        status = await passwords.password_status(info.context.runtime.db, info.context.principal)
        return PasswordStatus(
            must_change_password=status.must_change_password,
            changed_at=status.changed_at,
            expires_at=status.expires_at,
            expires_soon=status.expires_soon,
        )

    @federation.field(requires_scopes=SCHOOL_ADMINS, description="Парольная политика школы")
    async def password_policy(self, info: Info) -> PasswordPolicy | None:
        policy = await passwords.get_password_policy(
            info.context.runtime.db, info.context.principal
        )
        return PasswordPolicy.from_policy(policy)

    @federation.field(
        requires_scopes=REGISTRARS,
        description="История согласий человека на обработку ПДн (сначала новые, с отозванными)",
    )
    async def consents(self, info: Info, person_id: strawberry.ID) -> list[Consent] | None:
        rows = await accounts.consent_history(
            info.context.runtime.db, info.context.principal, parse_id(person_id)
        )
        return await _consents(info, rows)


@strawberry.type
class AccountsMutation:
    @federation.field(policy=PUBLIC, description="Вход по логину и паролю")
    async def login(self, info: Info, login: str, password: str) -> LoginResult | None:
        settings = info.context.runtime.settings
        if not settings.jwt_private_key:
            raise RuntimeError("SGO_JWT_PRIVATE_KEY is not set")
        result = await accounts.login(
            info.context.uow(),
            login=login,
            password=password,
            address=_address(info),
            user_agent=_user_agent(info),
            private_key=settings.jwt_private_key,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        return LoginResult(
            access_token=result.access_token,
            expires_at=result.expires_at,
            must_change_password=result.must_change_password,
            password_expires_at=result.password_expires_at,
            password_expires_soon=result.password_expires_soon,
        )

    @federation.field(
        authenticated=True,
        policy=PASSWORD_CHANGE,
        description="Выход: завершает текущий сеанс",
    )
    async def logout(self, info: Info) -> bool | None:
        return await sessions.logout(info.context.uow(), info.context.principal)

    @federation.field(
        authenticated=True, description="Выйти на всех устройствах; число завершённых сеансов"
    )
    async def logout_everywhere(self, info: Info) -> int | None:
        return await sessions.logout_everywhere(info.context.uow(), info.context.principal)

    @federation.field(authenticated=True, description="Завершить один из моих сеансов")
    async def end_my_session(self, info: Info, id: strawberry.ID) -> bool | None:
        return await sessions.end_my_session(
            info.context.uow(), info.context.principal, session_id=parse_id(id)
        )

    @federation.field(
        requires_scopes=SCHOOL_ADMINS,
        description="Завершить все сеансы человека своей школы; число завершённых",
    )
    async def end_sessions(self, info: Info, person_id: strawberry.ID) -> int | None:
        return await sessions.end_sessions_of(
            info.context.uow(), info.context.principal, person_id=parse_id(person_id)
        )

    @federation.field(
        authenticated=True,
        policy=PASSWORD_CHANGE,
        description="Сменить пароль по парольной политике школы; другие сеансы завершаются. "
        "После обязательной смены (одноразовый или истёкший пароль) войдите с новым паролем",
    )
    async def change_password(
        self, info: Info, old_password: str, new_password: str
    ) -> bool | None:
        return await passwords.change_password(
            info.context.uow(),
            info.context.principal,
            old_password=old_password,
            new_password=new_password,
        )

    @federation.field(
        requires_scopes=SCHOOL_ADMINS, description="Изменить парольную политику школы"
    )
    async def update_password_policy(
        self, info: Info, input: PasswordPolicyInput
    ) -> PasswordPolicy | None:
        policy = await passwords.update_password_policy(
            info.context.uow(),
            info.context.principal,
            Policy(
                min_length=input.min_length,
                history_size=input.history_size,
                max_age_days=input.max_age_days,
                expiry_warning_days=input.expiry_warning_days,
            ),
        )
        return PasswordPolicy.from_policy(policy)

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Зарегистрировать согласие на обработку персональных данных",
    )
    async def record_consent(self, info: Info, input: RecordConsentInput) -> Consent | None:
        row = await accounts.record_consent(
            info.context.uow(),
            info.context.principal,
            subject_id=parse_id(input.subject_id),
            given_by_id=parse_id(input.given_by_id),
            document=input.document,
            document_kind=input.document_kind,
            document_number=input.document_number,
            document_date=input.document_date,
            given_at=input.given_at,
        )
        return (await _consents(info, [row]))[0]

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Зарегистрировать отзыв согласия: учётная запись блокируется сразу",
    )
    async def withdraw_consent(
        self, info: Info, input: WithdrawConsentInput
    ) -> list[Consent] | None:
        rows = await accounts.withdraw_consent(
            info.context.uow(),
            info.context.principal,
            subject_id=parse_id(input.subject_id),
            document=input.document,
        )
        return await _consents(info, rows)

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Выдать логин и одноразовый пароль (только при согласии на обработку ПДн)",
    )
    async def issue_credentials(
        self, info: Info, input: IssueCredentialsInput
    ) -> IssuedCredentials | None:
        issued = await accounts.issue_credentials(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            login=input.login,
        )
        person = await persons(info).load(issued.account.person_id)
        return IssuedCredentials(
            login=issued.account.login,
            one_time_password=issued.password,
            person=Person.from_row(person),
        )

    @federation.field(
        requires_scopes=SCHOOL_ADMINS, description="Заблокировать учётную запись человека"
    )
    async def block_account(self, info: Info, person_id: strawberry.ID) -> Account | None:
        row = await accounts.block_account(
            info.context.uow(), info.context.principal, person_id=parse_id(person_id)
        )
        return Account.from_row(row)
