"""Who may write to and read whom in messaging: the facts of the replica, the rule table, and
the checks every use case runs on the server."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import Forbidden, Unauthenticated
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.messaging.domain import mail
from services.messaging.models import (
    ClassTeacher,
    Enrolment,
    Guardianship,
    MailRule,
    Person,
    RoleGrant,
    TeachingLoad,
)

# Announcements and forum topics for any audience of the school.
ANNOUNCERS = (*ADMINISTRATION, Role.PSYCHOLOGIST, Role.SOCIAL_PEDAGOGUE)
# Announcements for their own classes' audiences only.
POSTERS = (*ANNOUNCERS, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)


def require_person(principal: Principal) -> tuple[UUID, UUID]:
    """The caller's person and school: mail is between people of one school."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    if principal.person_id is None or principal.school_id is None:
        raise Forbidden("Почта доступна только пользователю школы, связанному с человеком.")
    return principal.person_id, principal.school_id


async def facts_of(
    session: AsyncSession, school_id: UUID, person_ids: Iterable[UUID]
) -> dict[UUID, mail.Facts]:
    """What the replica knows of these people of the school (others are left out)."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    kinds = dict(
        (
            await session.execute(
                select(Person.person_id, Person.kind).where(
                    Person.person_id.in_(ids), Person.school_id == school_id
                )
            )
        ).all()
    )
    ids = list(kinds)
    roles: dict[UUID, set[str]] = defaultdict(set)
    for person_id, role in await session.execute(
        select(RoleGrant.person_id, RoleGrant.role).where(
            RoleGrant.person_id.in_(ids), RoleGrant.active.is_(True)
        )
    ):
        roles[person_id].add(role)
    classes = await student_classes(session, ids)
    children: dict[UUID, dict[UUID, UUID | None]] = defaultdict(dict)
    for parent_id, student_id, class_id in await session.execute(
        select(Guardianship.parent_id, Guardianship.student_id, Enrolment.school_class_id)
        .outerjoin(
            Enrolment,
            (Enrolment.student_id == Guardianship.student_id) & Enrolment.active.is_(True),
        )
        .where(Guardianship.parent_id.in_(ids))
    ):
        children[parent_id][student_id] = class_id
    led: dict[UUID, set[UUID]] = defaultdict(set)
    for person_id, class_id in await session.execute(
        select(ClassTeacher.person_id, ClassTeacher.school_class_id).where(
            ClassTeacher.person_id.in_(ids), ClassTeacher.active.is_(True)
        )
    ):
        led[person_id].add(class_id)
    taught: dict[UUID, set[UUID]] = defaultdict(set)
    for person_id, class_id in await session.execute(
        select(TeachingLoad.teacher_id, TeachingLoad.school_class_id).where(
            TeachingLoad.teacher_id.in_(ids), TeachingLoad.active.is_(True)
        )
    ):
        taught[person_id].add(class_id)
    return {
        pid: mail.Facts(
            person_id=pid,
            school_id=school_id,
            kind=kind,
            roles=frozenset(roles[pid]),
            class_id=classes.get(pid),
            children=dict(children[pid]),
            class_teacher_of=frozenset(led[pid]),
            teaches=frozenset(taught[pid]),
        )
        for pid, kind in kinds.items()
    }


async def student_classes(session: AsyncSession, ids: list[UUID]) -> dict[UUID, UUID]:
    return dict(
        (
            await session.execute(
                select(Enrolment.student_id, Enrolment.school_class_id).where(
                    Enrolment.student_id.in_(ids), Enrolment.active.is_(True)
                )
            )
        ).all()
    )


async def caller_facts(session: AsyncSession, principal: Principal) -> mail.Facts:
    """The caller as the replica knows them, with the roles their signed principal carries
    (the replica may not have caught up with a role granted a moment ago)."""
    person_id, school_id = require_person(principal)
    known = (await facts_of(session, school_id, [person_id])).get(person_id)
    roles = frozenset(g.role.value for g in principal.roles)
    if known is None:
        return mail.Facts(person_id=person_id, school_id=school_id, roles=roles)
    return mail.Facts(
        person_id=person_id,
        school_id=school_id,
        kind=known.kind,
        roles=known.roles | roles,
        class_id=known.class_id,
        children=known.children,
        class_teacher_of=known.class_teacher_of,
        teaches=known.teaches,
    )


async def allowed_relations(
    session: AsyncSession, school_id: UUID, groups: Iterable[mail.SenderGroup]
) -> frozenset[mail.Relation]:
    """The relations the rule table lets any of these groups write to; a school's own row for
    a group and relation overrides the default one."""
    wanted = [g.value for g in groups]
    if not wanted:
        return frozenset()
    rows = (
        await session.execute(
            select(MailRule.school_id, MailRule.sender_group, MailRule.relation, MailRule.allowed)
            .where(
                MailRule.sender_group.in_(wanted),
                or_(MailRule.school_id.is_(None), MailRule.school_id == school_id),
            )
            .order_by(MailRule.school_id.nulls_first())
        )
    ).all()
    decided: dict[tuple[str, str], bool] = {}
    for _school, group, relation, allowed in rows:  # the school's rows come last and win
        decided[(group, relation)] = allowed
    return frozenset(
        mail.Relation(relation)
        for (_group, relation), allowed in decided.items()
        if allowed and relation in mail.Relation.__members__.values()
    )


def refusal(sender_groups: frozenset[mail.SenderGroup], allowed: frozenset[mail.Relation]) -> str:
    """Why a recipient is refused, in words: whom this sender may write to."""
    who = ", ".join(mail.GROUP_LABELS[g].lower() for g in sorted(sender_groups)) or "вы"
    if not allowed:
        return f"По правилам школы {who} не может отправлять письма."
    named = sorted(r for r in allowed if r != mail.Relation.AUDIENCE)
    whom = ", ".join(mail.RELATION_LABELS[r] for r in named)
    return f"По правилам школы {who} может писать только {whom}."
