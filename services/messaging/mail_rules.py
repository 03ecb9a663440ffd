"""The school's own mail rules: who may write to whom, over SGO's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select

from services.kernel.db import Database
from services.kernel.errors import Forbidden
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.messaging import access
from services.messaging.domain import mail
from services.messaging.models import MailRule

EDITORS = (Role.DIRECTOR, Role.ADMINISTRATOR)
READERS = (
    *EDITORS,
    Role.DEPUTY_DIRECTOR_QUALITY,
    Role.DEPUTY_DIRECTOR_CONTENT,
    Role.DEPUTY_DIRECTOR_GENERAL,
    Role.DEPUTY_DIRECTOR_UPBRINGING,
)


@dataclass(frozen=True)
class RuleView:
    sender_group: mail.SenderGroup
    relation: mail.Relation
    allowed: bool
    school_override: bool


async def rules(db: Database, principal: Principal) -> list[RuleView]:
    """Every group and relation with the rule in force for the caller's school."""
    _, school_id = access.require_person(principal)
    if not principal.has_role(*READERS):
        raise Forbidden()
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    MailRule.school_id, MailRule.sender_group, MailRule.relation, MailRule.allowed
                )
                .where(or_(MailRule.school_id.is_(None), MailRule.school_id == school_id))
                .order_by(MailRule.school_id.nulls_first())
            )
        ).all()
    decided: dict[tuple[str, str], tuple[bool, bool]] = {}
    for school, group, relation, allowed in rows:
        decided[(group, relation)] = (allowed, school is not None)
    return [
        RuleView(group, relation, *decided.get((group.value, relation.value), (False, False)))
        for group in mail.SenderGroup
        for relation in mail.Relation
    ]


async def set_rule(
    uow: UnitOfWork,
    principal: Principal,
    group: mail.SenderGroup,
    relation: mail.Relation,
    allowed: bool,
) -> None:
    """The school's own answer for one group and relation; it overrides the default."""
    _, school_id = access.require_person(principal)
    if not principal.has_role(*EDITORS):
        raise Forbidden("Правила переписки меняют директор и системный администратор.")
    async with uow:
        await uow.session.execute(
            delete(MailRule).where(
                MailRule.school_id == school_id,
                MailRule.sender_group == group.value,
                MailRule.relation == relation.value,
            )
        )
        await uow.session.execute(
            insert(MailRule).values(
                school_id=school_id,
                sender_group=group.value,
                relation=relation.value,
                allowed=allowed,
            )
        )
        await uow.commit()
