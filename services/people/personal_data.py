"""Use cases of a person's personal data: reading it field group by field group, changing it
with its change log and event in one transaction, and the school's anonymisation term.

Who reads and writes which field is written down in ``personal_data_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.kernel.visibility import refusal
from services.people import audit, domain
from services.people import personal_data_rules as rules
from services.people.access import sees_person
from services.people.domain import PersonKind, Sex
from services.people.events import PersonalDataChanged, PersonRenamed
from services.people.models import (
    Enrolment,
    Guardianship,
    Person,
    PersonalData,
    PersonalDataSettings,
    SchoolClass,
)
from services.people.personal_data_rules import Document, Group

DEFAULT_ANONYMISE_AFTER_DAYS = 30

# API field name -> column of ``persons`` or ``personal_data``.
PERSON_COLUMNS = {
    "lastName": "last_name",
    "firstName": "first_name",
    "middleName": "middle_name",
    "sex": "sex",
    "birthDate": "birth_date",
}
DATA_COLUMNS = {
    "registrationAddress": "registration_address",
    "actualAddress": "actual_address",
    "phone": "phone",
    "email": "email",
    "documentKind": "document_kind",
    "documentSeries": "document_series",
    "documentNumber": "document_number",
    "documentIssuedBy": "document_issued_by",
    "documentIssuedOn": "document_issued_on",
    "snils": "snils",
}


def caller_school(principal: Principal) -> UUID:
    if not principal.is_authenticated or principal.school_id is None:
        raise Unauthenticated()
    return principal.school_id


def _roles(principal: Principal) -> set[Role]:
    return {g.role for g in principal.roles}


async def person_in_school(session: AsyncSession, school_id: UUID, person_id: UUID) -> Person:
    person = await session.get(Person, person_id)
    if person is None or person.school_id != school_id:
        raise NotFound("Человек не найден.")
    return person


async def relationship(
    session: AsyncSession, principal: Principal, person: Person
) -> rules.Relationship:
    """What the rows say about the caller and the person (a token may be older than them)."""
    me = principal.person_id
    if me == person.id:
        return rules.Relationship(is_self=True)
    is_parent = principal.has_role(Role.PARENT) and bool(
        await session.scalar(
            select(
                exists().where(Guardianship.parent_id == me, Guardianship.student_id == person.id)
            )
        )
    )
    is_class_teacher = False
    if principal.has_role(Role.CLASS_TEACHER) and person.kind != PersonKind.STAFF:
        # The student's current class, or a current class of the parent's child, is the caller's.
        students = select(Guardianship.student_id).where(Guardianship.parent_id == person.id)
        is_class_teacher = bool(
            await session.scalar(
                select(
                    exists().where(
                        Enrolment.school_class_id == SchoolClass.id,
                        Enrolment.left_on.is_(None),
                        SchoolClass.class_teacher_id == me,
                        or_(Enrolment.person_id == person.id, Enrolment.person_id.in_(students)),
                    )
                )
            )
        )
    return rules.Relationship(is_parent=is_parent, is_class_teacher=is_class_teacher)


@dataclass(frozen=True)
class PersonalDataView:
    """The person's data with the groups the caller may read; the schema refuses the rest."""

    person: Person
    data: PersonalData | None
    readable: frozenset[Group]
    writable: bool

    def value(self, field: str) -> Any:
        group = rules.FIELDS[field].group
        if group not in self.readable:
            label = rules.FIELDS[field].label
            raise Forbidden(f"Недостаточно прав, чтобы видеть поле «{label}» этого человека.")
        if field in PERSON_COLUMNS:
            return getattr(self.person, PERSON_COLUMNS[field])
        return getattr(self.data, DATA_COLUMNS[field]) if self.data is not None else None


async def _view(session: AsyncSession, principal: Principal, person: Person) -> PersonalDataView:
    roles, kind = _roles(principal), PersonKind(person.kind)
    readable = rules.readable_groups(roles, kind, await relationship(session, principal, person))
    if readable == rules.NAME_ONLY:
        raise refusal(
            visible=await sees_person(session, principal, person),
            missing="Человек не найден.",
            forbidden="Недостаточно прав, чтобы видеть персональные данные этого человека.",
        )
    data = await session.get(PersonalData, person.id)
    return PersonalDataView(person, data, readable, rules.keeps_file(roles, kind))


async def read(db: Database, principal: Principal, person_id: UUID) -> PersonalDataView:
    school_id = caller_school(principal)
    async with db.sessionmaker() as session:
        person = await person_in_school(session, school_id, person_id)
        return await _view(session, principal, person)


def _clean(field: str, value: Any, kind: PersonKind, today: date) -> Any:
    """One field's new value in its stored form; None clears it (names cannot be cleared)."""
    if field in ("lastName", "firstName"):
        return domain.clean_name(value, field)
    if value is None:
        return None
    if field == "middleName":
        return domain.clean_name(value, field, required=False)
    if field == "sex":
        return Sex(value).value
    if field == "birthDate":
        return rules.check_birth_date(value, kind, today)
    if field in ("registrationAddress", "actualAddress"):
        return rules.clean_address(value, field)
    if field == "phone":
        return rules.clean_phone(value)
    if field == "email":
        return rules.clean_email(value)
    if field == "snils":
        return rules.clean_snils(value)
    raise ValidationFailed("Нет такого поля персональных данных.", field=field)


async def update(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    changes: dict[str, Any],
    document: Document | None = None,
    clear_document: bool = False,
) -> PersonalDataView:
    """Changes the given fields; each change is logged, the event names the fields only.

    ``changes`` maps API field names (not the document's) to new values, None clearing one.
    """
    school_id = caller_school(principal)
    if not principal.has_role(*rules.WRITERS):
        raise Forbidden("Недостаточно прав, чтобы изменять персональные данные.")
    unknown = set(changes) - set(rules.FIELDS) | set(changes) & set(rules.DOCUMENT_FIELDS)
    if unknown:
        raise ValidationFailed("Нет такого поля персональных данных.", field=sorted(unknown)[0])
    today = date.today()
    async with uow:
        session = uow.session
        person = await person_in_school(session, school_id, person_id)
        kind = PersonKind(person.kind)
        rules.check_writer(_roles(principal), kind)
        new = {field: _clean(field, value, kind, today) for field, value in changes.items()}
        data = await session.get(PersonalData, person_id, with_for_update=True)
        if data is None:
            data = PersonalData(person_id=person_id, school_id=school_id)
            session.add(data)
        if document is not None:
            birth = new.get("birthDate", person.birth_date)
            doc = rules.clean_document(document, birth, today)
            new |= {
                "documentKind": doc.kind.value,
                "documentSeries": doc.series,
                "documentNumber": doc.number,
                "documentIssuedBy": doc.issued_by,
                "documentIssuedOn": doc.issued_on,
            }
        elif clear_document:
            new |= dict.fromkeys(rules.DOCUMENT_FIELDS)
        changed: list[str] = []
        for field, value in new.items():
            target, column = (
                (person, PERSON_COLUMNS[field])
                if field in PERSON_COLUMNS
                else (data, DATA_COLUMNS[field])
            )
            before = getattr(target, column)
            if before == value:
                continue
            setattr(target, column, value)
            changed.append(field)
            audit.record(
                session,
                school_id=school_id,
                person_id=person_id,
                field=field,
                before=before,
                after=value,
                changed_by=principal.person_id,
            )
        if changed:
            data.updated_at = utcnow()
            await session.flush()
            uow.emit(
                PersonalDataChanged(person_id=person_id, school_id=school_id, fields=changed),
                school_id=school_id,
            )
            if set(changed) & set(rules.NAME_FIELDS):
                uow.emit(
                    PersonRenamed(
                        person_id=person_id,
                        school_id=school_id,
                        last_name=person.last_name,
                        first_name=person.first_name,
                        middle_name=person.middle_name,
                    ),
                    school_id=school_id,
                )
        view = await _view(session, principal, person)
        await uow.commit()
    return view


# --- the school's term --------------------------------------------------------------------


async def anonymise_after_days(session: AsyncSession, school_id: UUID) -> int:
    days = await session.scalar(
        select(PersonalDataSettings.anonymise_after_days).where(
            PersonalDataSettings.school_id == school_id
        )
    )
    return DEFAULT_ANONYMISE_AFTER_DAYS if days is None else days


async def get_anonymise_after_days(db: Database, principal: Principal) -> int:
    school_id = caller_school(principal)
    async with db.sessionmaker() as session:
        return await anonymise_after_days(session, school_id)


async def set_anonymise_after_days(uow: UnitOfWork, principal: Principal, days: int) -> int:
    """152-FZ gives 30 days for destruction once the purpose ends; a school may be quicker."""
    school_id = caller_school(principal)
    if not principal.has_role(Role.DIRECTOR, Role.ADMINISTRATOR):
        raise Forbidden("Срок обезличивания устанавливают директор и администратор.")
    if not 0 <= days <= DEFAULT_ANONYMISE_AFTER_DAYS:
        raise ValidationFailed(
            "Срок обезличивания — от 0 до 30 дней (152-ФЗ, ст. 21).", field="days"
        )
    async with uow:
        row = await uow.session.get(PersonalDataSettings, school_id, with_for_update=True)
        if row is None:
            uow.session.add(PersonalDataSettings(school_id=school_id, anonymise_after_days=days))
        else:
            row.anonymise_after_days = days
        await uow.commit()
    return days
