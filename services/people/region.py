"""The installation's regional administrator: a person of no school, made on the server.

No school's API can create one (a school's administrator would otherwise make themselves the
region's); ``sgo regional-admin create`` calls :func:`create_regional_administrator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import exists, select

from services.kernel.db import Database
from services.kernel.errors import Conflict
from services.kernel.events import utcnow, uuid7
from services.kernel.roles import Role
from services.kernel.tokens import hash_password
from services.people import domain
from services.people.domain import PersonKind
from services.people.models import Account, Person, RoleGrantRow


@dataclass(frozen=True)
class RegionalAdministrator:
    person_id: UUID
    login: str
    password: str
    must_change_password: bool


def regional_rows(
    *,
    person_id: UUID,
    account_id: UUID,
    login: str,
    last_name: str,
    first_name: str,
    middle_name: str | None,
    password_hash: str,
    must_change_password: bool,
    now: datetime,
) -> list[Person | RoleGrantRow | Account]:
    """The person, the grant and the account, none of them of a school."""
    return [
        Person(
            id=person_id,
            school_id=None,
            kind=PersonKind.STAFF.value,
            last_name=domain.clean_name(last_name, "lastName"),
            first_name=domain.clean_name(first_name, "firstName"),
            middle_name=domain.clean_name(middle_name, "middleName", required=False),
        ),
        RoleGrantRow(
            id=uuid7(),
            school_id=None,
            person_id=person_id,
            role=Role.REGIONAL_ADMINISTRATOR.value,
        ),
        Account(
            id=account_id,
            school_id=None,
            person_id=person_id,
            login=login,
            password_hash=password_hash,
            must_change_password=must_change_password,
            failed_attempts=0,
            password_changed_at=now,
        ),
    ]


async def create_regional_administrator(
    db: Database,
    *,
    login: str,
    last_name: str,
    first_name: str,
    middle_name: str | None = None,
    password: str | None = None,
) -> RegionalAdministrator:
    """A new regional administrator with a one-time password (changed at the first login)."""
    login = domain.check_login(login)
    one_time = password is None
    password = password or domain.generate_password()
    person_id = uuid7()
    rows = regional_rows(
        person_id=person_id,
        account_id=uuid7(),
        login=login,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        password_hash=hash_password(password),
        must_change_password=one_time,
        now=utcnow(),
    )
    async with db.sessionmaker() as session, session.begin():
        if await session.scalar(select(exists().where(Account.login == login))):
            raise Conflict("Этот логин уже занят.", field="login")
        for row in rows:
            session.add(row)
            await session.flush()  # persons before grants and accounts (foreign keys)
    return RegionalAdministrator(person_id, login, password, one_time)
