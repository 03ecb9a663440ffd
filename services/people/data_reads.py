"""The access log of special-category data: every read and write, in the same transaction.

A read that cannot be logged is not served: the entry is written by the session that reads.
The administrator and the director read the log (never the data through it: before/after
values of writes stay in the table for an investigation and are served by no field); a
student and a parent see who touched their (their child's) data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.errors import ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ROLE_LABELS, Role
from services.kernel.visibility import refusal
from services.people.access import sees_person
from services.people.domain import DataAction, DataSection, full_name
from services.people.models import DataAccessEntry, Guardianship, Person
from services.people.service import _person, _require

# The basis on which someone read: their role, or the PE-teacher assignment of the class.
PE_TEACHER = "pe_teacher"
BASIS_LABELS: dict[str, str] = {
    **{role.value: label for role, label in ROLE_LABELS.items()},
    PE_TEACHER: "учитель физической культуры класса",
}
LOG_READERS = (Role.ADMINISTRATOR, Role.DIRECTOR)
DEFAULT_PAGE, MAX_PAGE = 50, 200


def record(
    session: AsyncSession,
    principal: Principal,
    *,
    subject: Person,
    basis: str,
    action: DataAction,
    section: DataSection,
    field: str,
    changes: Iterable[str] = (),
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> DataAccessEntry:
    """Add the entry to the caller's transaction: it commits with the read or write, or not."""
    assert principal.person_id is not None
    entry = DataAccessEntry(
        id=uuid7(),
        school_id=subject.school_id,
        subject_id=subject.id,
        actor_id=principal.person_id,
        actor_role=basis,
        action=action.value,
        section=section.value,
        field=field,
        changes=list(changes),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        occurred_at=utcnow(),
    )
    session.add(entry)
    return entry


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [key for key in after if before.get(key) != after[key]]


@dataclass(frozen=True)
class LogFilter:
    subject_id: UUID | None = None
    actor_id: UUID | None = None
    section: DataSection | None = None
    action: DataAction | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class LogLine:
    id: UUID
    occurred_at: datetime
    action: DataAction
    section: DataSection
    field: str
    changes: list[str]
    basis: str
    actor_id: UUID
    actor_name: str
    subject_id: UUID
    subject_name: str

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS.get(self.basis, self.basis)


@dataclass(frozen=True)
class LogPage:
    lines: list[LogLine]
    next_cursor: UUID | None


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed(f"Размер страницы — от 1 до {MAX_PAGE}.", field="first")
    return first


async def _page(
    session: AsyncSession, conditions: list[Any], first: int, after: UUID | None
) -> LogPage:
    actor, subject = aliased(Person), aliased(Person)
    query = (
        select(DataAccessEntry, actor, subject)
        .join(actor, actor.id == DataAccessEntry.actor_id)
        .join(subject, subject.id == DataAccessEntry.subject_id)
        .where(*conditions)
        .order_by(DataAccessEntry.id.desc())  # UUIDv7: newest first
        .limit(first + 1)
    )
    if after is not None:
        query = query.where(DataAccessEntry.id < after)
    rows = (await session.execute(query)).all()
    lines = [
        LogLine(
            id=entry.id,
            occurred_at=entry.occurred_at,
            action=DataAction(entry.action),
            section=DataSection(entry.section),
            field=entry.field,
            changes=list(entry.changes),
            basis=entry.actor_role,
            actor_id=a.id,
            actor_name=full_name(a.last_name, a.first_name, a.middle_name),
            subject_id=s.id,
            subject_name=full_name(s.last_name, s.first_name, s.middle_name),
        )
        for entry, a, s in rows[:first]
    ]
    return LogPage(lines, lines[-1].id if len(rows) > first else None)


async def access_log(
    db: Database,
    principal: Principal,
    filters: LogFilter,
    *,
    first: int = DEFAULT_PAGE,
    after: UUID | None = None,
) -> LogPage:
    """The school's log, newest first: for the administrator and the director."""
    school_id = _require(principal, *LOG_READERS)
    first = _page_size(first)
    conditions: list[Any] = [DataAccessEntry.school_id == school_id]
    if filters.subject_id is not None:
        conditions.append(DataAccessEntry.subject_id == filters.subject_id)
    if filters.actor_id is not None:
        conditions.append(DataAccessEntry.actor_id == filters.actor_id)
    if filters.section is not None:
        conditions.append(DataAccessEntry.section == filters.section.value)
    if filters.action is not None:
        conditions.append(DataAccessEntry.action == filters.action.value)
    if filters.since is not None:
        conditions.append(DataAccessEntry.occurred_at >= filters.since)
    if filters.until is not None:
        conditions.append(DataAccessEntry.occurred_at < filters.until)
    async with db.sessionmaker() as session:
        return await _page(session, conditions, first, after)


async def who_read(
    db: Database,
    principal: Principal,
    person_id: UUID,
    *,
    first: int = DEFAULT_PAGE,
    after: UUID | None = None,
) -> LogPage:
    """Who read or changed my (my child's) special-category data: the data subject's view."""
    school_id = _require(principal, Role.STUDENT, Role.PARENT)
    first = _page_size(first)
    async with db.sessionmaker() as session:
        subject = await _person(session, school_id, person_id)
        own = principal.has_role(Role.STUDENT) and principal.person_id == subject.id
        if not own:
            # The guardianship row, not the token: a link removed since login no longer counts.
            linked = principal.has_role(Role.PARENT) and await session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == principal.person_id,
                        Guardianship.student_id == subject.id,
                    )
                )
            )
            if not linked:
                raise refusal(
                    visible=await sees_person(session, principal, subject),
                    missing="Человек не найден.",
                    forbidden="Можно смотреть только журнал доступа к своим данным и данным "
                    "своих детей.",
                )
        return await _page(session, [DataAccessEntry.subject_id == subject.id], first, after)
