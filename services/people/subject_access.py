"""The data subject's export (152-FZ, art. 14): everything people holds about a person, as one
JSON document of a stable shape.

The document is ``{"format", "generatedAt", "subjectId", <section>: …}`` with one key per
registered section, in registration order. A context that holds more about the person (the
medical or psych-social records) adds its section with one function::

    @section("medical")
    async def medical(ctx: SectionContext) -> object: ...

A section returns plain JSON values (dates become ISO strings) and reads through
``ctx.session`` only rows of ``ctx.person``; ``ctx.principal`` is who asked, for a section
that logs its reads.

The change log is exported without its values (who changed which field, when): the values
are the log's protected evidence; the current values are in ``personalData``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import ROLE_LABELS, Role
from services.kernel.visibility import refusal
from services.people import personal_data
from services.people.access import sees_person
from services.people.domain import full_name
from services.people.models import (
    Account,
    Consent,
    Enrolment,
    Guardianship,
    Person,
    PersonalData,
    PersonalDataChange,
    RoleGrantRow,
    School,
    SchoolClass,
)
from services.people.personal_data_rules import FIELDS

FORMAT = "sgo.people.subject-access/1"


@dataclass(frozen=True)
class SectionContext:
    session: AsyncSession
    person: Person
    principal: Principal


Section = Callable[[SectionContext], Awaitable[Any]]
SECTIONS: dict[str, Section] = {}


def section(name: str) -> Callable[[Section], Section]:
    def register(fn: Section) -> Section:
        if name in SECTIONS or name in ("format", "generatedAt", "subjectId"):
            raise ValueError(f"export section {name!r} is already defined")
        SECTIONS[name] = fn
        return fn

    return register


async def export(db: Database, principal: Principal, person_id: UUID) -> str:
    """The person themself, a parent for their child, or the director or administrator
    answering a written request."""
    school_id = personal_data.caller_school(principal)
    async with db.sessionmaker() as session:
        person = await personal_data.person_in_school(session, school_id, person_id)
        rel = await personal_data.relationship(session, principal, person)
        heads = principal.has_role(Role.DIRECTOR, Role.ADMINISTRATOR)
        if not (rel.is_self or rel.is_parent or heads):
            raise refusal(
                visible=await sees_person(session, principal, person),
                missing="Человек не найден.",
                forbidden="Выгрузку своих данных получает сам человек или родитель ребёнка.",
            )
        ctx = SectionContext(session, person, principal)
        document: dict[str, Any] = {
            "format": FORMAT,
            "generatedAt": utcnow(),
            "subjectId": person.id,
        }
        for name, build in SECTIONS.items():
            document[name] = await build(ctx)
        await session.commit()  # a section may log its read (medical data): with the export
    return orjson.dumps(document, default=_plain, option=orjson.OPT_INDENT_2).decode()


def _plain(value: object) -> str:
    """Ids the driver hands back as its own UUID type (orjson knows only ``uuid.UUID``)."""
    if isinstance(value, UUID) or type(value).__name__ == "UUID":
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- the people context's own sections ----------------------------------------------------


@section("person")
async def _person(ctx: SectionContext) -> dict[str, Any]:
    p = ctx.person
    school = await ctx.session.get(School, p.school_id)
    return {
        "id": p.id,
        "kind": p.kind,
        "lastName": p.last_name,
        "firstName": p.first_name,
        "middleName": p.middle_name,
        "sex": p.sex,
        "birthDate": p.birth_date,
        "school": {"id": p.school_id, "name": school.name if school else None},
        "registeredAt": p.created_at,
    }


@section("personalData")
async def _personal_data(ctx: SectionContext) -> dict[str, Any]:
    d = await ctx.session.get(PersonalData, ctx.person.id)
    document = None
    if d is not None and d.document_kind is not None:
        document = {
            "kind": d.document_kind,
            "series": d.document_series,
            "number": d.document_number,
            "issuedBy": d.document_issued_by,
            "issuedOn": d.document_issued_on,
        }
    return {
        "registrationAddress": d.registration_address if d else None,
        "actualAddress": d.actual_address if d else None,
        "phone": d.phone if d else None,
        "email": d.email if d else None,
        "identityDocument": document,
        "snils": d.snils if d else None,
    }


@section("enrolments")
async def _enrolments(ctx: SectionContext) -> list[dict[str, Any]]:
    rows = await ctx.session.execute(
        select(Enrolment, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Enrolment.school_class_id)
        .where(Enrolment.person_id == ctx.person.id)
        .order_by(Enrolment.enrolled_on, Enrolment.id)
    )
    return [
        {
            "schoolClassId": e.school_class_id,
            "schoolClass": name,
            "enrolledOn": e.enrolled_on,
            "leftOn": e.left_on,
        }
        for e, name in rows
    ]


@section("guardianships")
async def _guardianships(ctx: SectionContext) -> list[dict[str, Any]]:
    other = aliased(Person)
    me = ctx.person.id
    rows = await ctx.session.execute(
        select(Guardianship, other)
        .join(
            other,
            ((Guardianship.parent_id == me) & (other.id == Guardianship.student_id))
            | ((Guardianship.student_id == me) & (other.id == Guardianship.parent_id)),
        )
        .order_by(Guardianship.id)
    )
    return [
        {
            "as": "parent" if g.parent_id == me else "child",
            "personId": o.id,
            "fullName": full_name(o.last_name, o.first_name, o.middle_name),
            "relation": g.relation,
        }
        for g, o in rows
    ]


@section("roles")
async def _roles(ctx: SectionContext) -> list[dict[str, Any]]:
    rows = await ctx.session.execute(
        select(RoleGrantRow, SchoolClass.name)
        .outerjoin(SchoolClass, SchoolClass.id == RoleGrantRow.school_class_id)
        .where(RoleGrantRow.person_id == ctx.person.id)
        .order_by(RoleGrantRow.granted_at, RoleGrantRow.id)
    )
    return [
        {
            "role": r.role,
            "label": ROLE_LABELS.get(Role(r.role), r.role),
            "schoolClass": name,
            "grantedAt": r.granted_at,
            "withdrawnAt": r.withdrawn_at,
        }
        for r, name in rows
    ]


@section("accounts")
async def _accounts(ctx: SectionContext) -> list[dict[str, Any]]:
    rows = await ctx.session.scalars(select(Account).where(Account.person_id == ctx.person.id))
    # Never the password hash: it is a credential, not data about the person.
    return [
        {
            "login": a.login,
            "createdAt": a.created_at,
            "mustChangePassword": a.must_change_password,
            "passwordChangedAt": a.password_changed_at,
            "blocked": a.blocked_at is not None,
        }
        for a in rows
    ]


@section("consents")
async def _consents(ctx: SectionContext) -> list[dict[str, Any]]:
    giver = aliased(Person)
    rows = await ctx.session.execute(
        select(Consent, giver)
        .join(giver, giver.id == Consent.given_by_id)
        .where(Consent.subject_id == ctx.person.id)
        .order_by(Consent.given_at, Consent.id)
    )
    return [
        {
            "document": c.document,
            "givenAt": c.given_at,
            "givenBy": full_name(g.last_name, g.first_name, g.middle_name),
            "withdrawnAt": c.withdrawn_at,
        }
        for c, g in rows
    ]


@section("changes")
async def _changes(ctx: SectionContext) -> list[dict[str, Any]]:
    changer = aliased(Person)
    rows = await ctx.session.execute(
        select(PersonalDataChange, changer)
        .outerjoin(changer, changer.id == PersonalDataChange.changed_by)
        .where(PersonalDataChange.person_id == ctx.person.id)
        .order_by(PersonalDataChange.id.desc())
    )
    return [
        {
            "changedAt": c.changed_at,
            "kind": c.kind,
            "field": c.field,
            "fieldLabel": FIELDS[c.field].label if c.field in FIELDS else "все поля",
            "changedBy": full_name(p.last_name, p.first_name, p.middle_name) if p else None,
        }
        for c, p in rows
    ]
