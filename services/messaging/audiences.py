"""Audiences resolved from messaging's replica at the moment of sending, then frozen: a later
enrolment or departure does not change who got a letter. The sender sees the count first
(``preview``); every audience of a sent letter is kept with its count (``message_audience``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.messaging import access, domain
from services.messaging.domain import audiences as rules
from services.messaging.domain import mail
from services.messaging.domain.audiences import Audience, AudienceKind
from services.messaging.models import (
    Absence,
    Enrolment,
    Guardianship,
    Person,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingLoad,
)

# The school day of «today»; messaging keeps no school time zones yet, the demo's is Tomsk.
SCHOOL_TIMEZONE = ZoneInfo("Asia/Tomsk")


@dataclass(frozen=True)
class Resolved:
    audience: Audience
    label: str
    members: frozenset[UUID]


def school_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SCHOOL_TIMEZONE).date()


async def resolve(
    session: AsyncSession,
    principal: Principal,
    sender: mail.Facts,
    allowed: frozenset[mail.Relation],
    wanted: list[Audience],
) -> list[Resolved]:
    """Each audience's members now, after checking the sender may address it."""
    _, school_id = access.require_person(principal)
    if len(wanted) > rules.AUDIENCES_MAX:
        raise ValidationFailed(
            f"Не больше {rules.AUDIENCES_MAX} групп получателей в одном письме.",
            field="audiences",
        )
    resolved = []
    for audience in dict.fromkeys(a.validated() for a in wanted):
        class_name = await _class_name(session, school_id, audience.school_class_id)
        subject_name = await _subject_in_class(session, school_id, audience)
        _authorise(sender, allowed, audience)
        members = await members_of(session, school_id, audience)
        members.discard(sender.person_id)
        if members:  # only people the replica knows by name receive letters
            members = set(
                await session.scalars(
                    select(Person.person_id).where(
                        Person.person_id.in_(members), Person.school_id == school_id
                    )
                )
            )
        resolved.append(
            Resolved(audience, rules.label(audience, class_name, subject_name), frozenset(members))
        )
    return resolved


def _authorise(sender: mail.Facts, allowed: frozenset[mail.Relation], audience: Audience) -> None:
    if mail.Relation.AUDIENCE in allowed:
        return
    if audience.of_one_class and audience.school_class_id in sender.taught_classes:
        return
    raise Forbidden(
        "Писать группам получателей могут администрация школы, а классный руководитель и "
        "учителя — только своим классам.",
        field="audiences",
    )


async def _class_name(session: AsyncSession, school_id: UUID, class_id: UUID | None) -> str | None:
    if class_id is None:
        return None
    name = await session.scalar(
        select(SchoolClass.name).where(
            SchoolClass.id == class_id, SchoolClass.school_id == school_id
        )
    )
    if name is None:
        raise NotFound("Класс не найден.", field="audiences")
    return name


async def _subject_in_class(
    session: AsyncSession, school_id: UUID, audience: Audience
) -> str | None:
    if audience.subject_id is None:
        return None
    name = await session.scalar(
        select(Subject.name)
        .join(TeachingLoad, TeachingLoad.subject_id == Subject.id)
        .where(
            Subject.id == audience.subject_id,
            Subject.school_id == school_id,
            TeachingLoad.school_class_id == audience.school_class_id,
            TeachingLoad.active.is_(True),
        )
        .limit(1)
    )
    if name is None:
        raise NotFound("Этот предмет в классе не преподаётся.", field="audiences")
    return name


async def members_of(session: AsyncSession, school_id: UUID, audience: Audience) -> set[UUID]:
    kind = audience.kind
    students = select(Enrolment.student_id).where(
        Enrolment.school_id == school_id, Enrolment.active.is_(True)
    )
    if audience.school_class_id is not None:
        students = students.where(Enrolment.school_class_id == audience.school_class_id)
    if kind in (AudienceKind.CLASS_STUDENTS, AudienceKind.SUBJECT_GROUP):
        # A subject's subgroups are not replicated yet: the group is the class's students.
        return set(await session.scalars(students))
    if kind is AudienceKind.CLASS_PARENTS:
        return set(
            await session.scalars(
                select(Guardianship.parent_id).where(Guardianship.student_id.in_(students))
            )
        )
    if kind is AudienceKind.ABSENT_TODAY_PARENTS:
        absent = select(Absence.student_id).where(
            Absence.school_id == school_id,
            Absence.lesson_date == school_today(),
            Absence.code == domain.ABSENT,
            Absence.cleared.is_(False),
            Absence.student_id.in_(students),
        )
        return set(
            await session.scalars(
                select(Guardianship.parent_id).where(Guardianship.student_id.in_(absent))
            )
        )
    if kind is AudienceKind.WHOLE_SCHOOL:
        # Staff by their roles, students by their enrolment, and those students' parents.
        staff = select(RoleGrant.person_id).where(
            RoleGrant.school_id == school_id,
            RoleGrant.active.is_(True),
            RoleGrant.role.in_(mail.STAFF_ROLES),
        )
        parents = select(Guardianship.parent_id).where(Guardianship.student_id.in_(students))
        return set(await session.scalars(staff.union(students, parents)))
    roles = mail.TEACHING_ROLES if kind is AudienceKind.ALL_TEACHERS else mail.STAFF_ROLES
    holders = select(RoleGrant.person_id).where(
        RoleGrant.school_id == school_id, RoleGrant.active.is_(True), RoleGrant.role.in_(roles)
    )
    if kind is AudienceKind.ALL_TEACHERS:
        loads = select(TeachingLoad.teacher_id).where(
            TeachingLoad.school_id == school_id, TeachingLoad.active.is_(True)
        )
        holders = holders.union(loads)  # type: ignore[assignment]
    return set(await session.scalars(holders))


async def preview(
    db: Database, principal: Principal, wanted: list[Audience]
) -> tuple[list[Resolved], int]:
    """What a letter to these audiences would reach now: each audience and the distinct total."""
    async with db.sessionmaker() as session:
        sender = await access.caller_facts(session, principal)
        allowed = await access.allowed_relations(
            session, sender.school_id, mail.sender_groups(sender.roles)
        )
        resolved = await resolve(session, principal, sender, allowed, wanted)
    total = len(frozenset().union(*(r.members for r in resolved)))
    return resolved, total
