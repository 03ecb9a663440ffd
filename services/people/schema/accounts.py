"""Accounts in the people subgraph: consent, issuing logins, sign-in, password, sessions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.kernel.graphql import Info, parse_id
from services.people import accounts
from services.people.schema.core import (
    PUBLIC,
    REGISTRARS,
    SCHOOL_ADMINS,
    Account,
    Person,
    federation,
    persons,
)


@federation.type(description="Результат входа")
class LoginResult:
    access_token: str = federation.field(policy=PUBLIC)
    expires_at: datetime = federation.field(policy=PUBLIC)
    must_change_password: bool = federation.field(policy=PUBLIC)


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
    given_at: datetime
    withdrawn_at: datetime | None


@strawberry.input
class RecordConsentInput:
    subject_id: strawberry.ID
    given_by_id: strawberry.ID
    document: str
    given_at: datetime | None = None


@strawberry.input
class IssueCredentialsInput:
    person_id: strawberry.ID
    login: str | None = None


def _address(info: Info) -> str | None:
    request = getattr(info.context, "request", None)
    if request is None:
        return None
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return str(forwarded.split(",")[0].strip())
    return request.client.host if request.client else None


# --- root ---------------------------------------------------------------------------------


@strawberry.type
class AccountsQuery:
    pass


@strawberry.type
class AccountsMutation:
    @federation.field(policy=PUBLIC, description="Вход по логину и паролю")
    async def login(self, info: Info, login: str, password: str) -> LoginResult:
        settings = info.context.runtime.settings
        if not settings.jwt_private_key:
            raise RuntimeError("SGO_JWT_PRIVATE_KEY is not set")
        result = await accounts.login(
            info.context.uow(),
            login=login,
            password=password,
            address=_address(info),
            private_key=settings.jwt_private_key,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        return LoginResult(
            access_token=result.access_token,
            expires_at=result.expires_at,
            must_change_password=result.must_change_password,
        )

    @federation.field(authenticated=True, description="Выход: завершает текущий сеанс")
    async def logout(self, info: Info) -> bool:
        return await accounts.logout(info.context.uow(), info.context.principal)

    @federation.field(
        authenticated=True, description="Выйти на всех устройствах; число завершённых сеансов"
    )
    async def logout_everywhere(self, info: Info) -> int:
        return await accounts.logout_everywhere(info.context.uow(), info.context.principal)

    @federation.field(authenticated=True, description="Сменить пароль; другие сеансы завершаются")
    async def change_password(self, info: Info, old_password: str, new_password: str) -> bool:
        return await accounts.change_password(
            info.context.uow(),
            info.context.principal,
            old_password=old_password,
            new_password=new_password,
        )

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Зарегистрировать согласие на обработку персональных данных",
    )
    async def record_consent(self, info: Info, input: RecordConsentInput) -> Consent:
        row = await accounts.record_consent(
            info.context.uow(),
            info.context.principal,
            subject_id=parse_id(input.subject_id),
            given_by_id=parse_id(input.given_by_id),
            document=input.document,
            given_at=input.given_at,
        )
        subject, given_by = await persons(info).load_many([row.subject_id, row.given_by_id])
        return Consent(
            id=strawberry.ID(str(row.id)),
            subject=Person.from_row(subject),
            given_by=Person.from_row(given_by),
            document=row.document,
            given_at=row.given_at,
            withdrawn_at=row.withdrawn_at,
        )

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Выдать логин и одноразовый пароль (только при согласии на обработку ПДн)",
    )
    async def issue_credentials(
        self, info: Info, input: IssueCredentialsInput
    ) -> IssuedCredentials:
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
    async def block_account(self, info: Info, person_id: strawberry.ID) -> Account:
        row = await accounts.block_account(
            info.context.uow(), info.context.principal, person_id=parse_id(person_id)
        )
        return Account.from_row(row)
