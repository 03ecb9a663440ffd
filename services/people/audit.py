"""The change log of personal data: who changed which field of whom, when, from what to what.

Rows are written by the use case that makes the change, in its transaction, so a change
without its log row (or the reverse) cannot exist.

The values are stored as they were, special fields (SNILS, the document) included: the log is
the evidence of what the school held and when, and it is itself protected — only the director
and the administrator of the school read values; the person and their parents see who changed
which field and when, never the values. When a person is anonymised the values of their log
rows are erased with the rest of their data; the rows themselves (who, when, which field) stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.visibility import refusal
from services.people.access import sees_person
from services.people.models import Guardianship, Person, PersonalDataChange
from services.people.personal_data_rules import FIELDS

CHANGE = "change"
ANONYMISATION = "anonymisation"
ALL_FIELDS = "*"  # the field an anonymisation row names: everything at once
AUDITORS = (Role.DIRECTOR, Role.ADMINISTRATOR)
MAX_PAGE = 200


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record(
    session: AsyncSession,
    *,
    school_id: UUID,
    person_id: UUID,
    field: str,
    before: object,
    after: object,
    changed_by: UUID | None,
    kind: str = CHANGE,
    note: str | None = None,
) -> PersonalDataChange:
    row = PersonalDataChange(
        id=uuid7(),
        school_id=school_id,
        person_id=person_id,
        kind=kind,
        field=field,
        value_before=as_text(before),
        value_after=as_text(after),
        changed_by=changed_by,
        note=note,
    )
    session.add(row)
    return row


async def erase_values(session: AsyncSession, person_id: UUID) -> None:
    await session.execute(
        update(PersonalDataChange)
        .where(PersonalDataChange.person_id == person_id)
        .values(value_before=None, value_after=None)
    )


@dataclass(frozen=True)
class Page:
    items: list[PersonalDataChange]
    next_cursor: str | None


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed(f"Размер страницы — от 1 до {MAX_PAGE}.", field="first")
    return first


def _after(query: Select, after: str | None) -> Select:
    if after is None:
        return query
    try:
        cursor = UUID(after)
    except ValueError:
        raise ValidationFailed("Неверный курсор страницы.", field="after") from None
    return query.where(PersonalDataChange.id < cursor)


async def _fetch(session: AsyncSession, query: Select, first: int) -> Page:
    rows = list(
        await session.scalars(query.order_by(PersonalDataChange.id.desc()).limit(first + 1))
    )
    more = len(rows) > first
    rows = rows[:first]
    return Page(rows, str(rows[-1].id) if more and rows else None)


async def changes(
    db: Database,
    principal: Principal,
    *,
    person_id: UUID | None = None,
    field: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    first: int = 50,
    after: str | None = None,
) -> Page:
    """The school's log for its director and administrator, newest first."""
    if not principal.is_authenticated or principal.school_id is None:
        raise Unauthenticated()
    if not principal.has_role(*AUDITORS):
        raise Forbidden("Журнал изменений персональных данных читают директор и администратор.")
    if field is not None and field not in FIELDS and field != ALL_FIELDS:
        raise ValidationFailed("Нет такого поля персональных данных.", field="field")
    if since is not None and until is not None and since > until:
        raise ValidationFailed("Начало периода позже его конца.", field="since")
    query = select(PersonalDataChange).where(PersonalDataChange.school_id == principal.school_id)
    if person_id is not None:
        query = query.where(PersonalDataChange.person_id == person_id)
    if field is not None:
        query = query.where(PersonalDataChange.field == field)
    if since is not None:
        query = query.where(PersonalDataChange.changed_at >= since)
    if until is not None:
        query = query.where(PersonalDataChange.changed_at < until)
    async with db.sessionmaker() as session:
        return await _fetch(session, _after(query, after), _page_size(first))


async def my_changes(
    db: Database, principal: Principal, person_id: UUID, *, first: int = 50, after: str | None
) -> Page:
    """The subject's own log (a parent's for their child): the caller sees no values."""
    if not principal.is_authenticated or principal.school_id is None:
        raise Unauthenticated()
    async with db.sessionmaker() as session:
        person = await session.get(Person, person_id)
        if person is None or person.school_id != principal.school_id:
            raise NotFound("Человек не найден.")
        if person_id != principal.person_id:
            parent = principal.has_role(Role.PARENT) and await session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == principal.person_id,
                        Guardianship.student_id == person_id,
                    )
                )
            )
            if not parent:
                raise refusal(
                    visible=await sees_person(session, principal, person),
                    missing="Человек не найден.",
                    forbidden="Можно смотреть только изменения своих данных и данных детей.",
                )
        query = select(PersonalDataChange).where(PersonalDataChange.person_id == person_id)
        return await _fetch(session, _after(query, after), _page_size(first))
