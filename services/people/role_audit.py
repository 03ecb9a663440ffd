"""The log of grants of roles that open special-category data, as their overseers read it.

The rows are written by the grant itself (``service._grant``), in its transaction. The
director reads the grants of their school; the regional administrator reads the grants of
directors across the installation (a director's grant is one no one in the school oversees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.errors import Forbidden, Unauthenticated, ValidationFailed
from services.kernel.events import utcnow
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.people.domain import full_name
from services.people.models import Person, RoleAudit, School
from services.people.service import is_regional_administrator

DEFAULT_DAYS = 30
LIMIT = 500


@dataclass(frozen=True)
class SensitiveGrant:
    id: UUID
    school_name: str
    person_id: UUID
    person_name: str
    role: Role
    granted_by_name: str | None
    granted_at: datetime


async def sensitive_role_grants(
    db: Database, principal: Principal, *, since: datetime | None
) -> list[SensitiveGrant]:
    """Newest first, from ``since`` (default: the last 30 days), at most 500."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    now = utcnow()
    since = since or now - timedelta(days=DEFAULT_DAYS)
    if since.tzinfo is None:
        raise ValidationFailed("Укажите время с часовым поясом.", field="since")
    grantee, granter = aliased(Person), aliased(Person)
    query = (
        select(RoleAudit, grantee, granter, School.short_name)
        .join(grantee, grantee.id == RoleAudit.person_id)
        .join(School, School.id == RoleAudit.school_id)
        .outerjoin(granter, granter.id == RoleAudit.granted_by)
        .where(RoleAudit.granted_at >= since)
        .order_by(RoleAudit.granted_at.desc(), RoleAudit.id.desc())
        .limit(LIMIT)
    )
    if is_regional_administrator(principal):
        query = query.where(RoleAudit.role == Role.DIRECTOR.value)
    elif principal.school_id is not None and principal.has_role(Role.DIRECTOR):
        query = query.where(RoleAudit.school_id == principal.school_id)
    else:
        raise Forbidden(
            "Выдачу ролей с доступом к особым персональным данным видят директор и "
            "администратор органа управления образованием."
        )
    async with db.sessionmaker() as session:
        rows = (await session.execute(query)).all()
    return [
        SensitiveGrant(
            id=audit.id,
            school_name=school_name,
            person_id=audit.person_id,
            person_name=full_name(person.last_name, person.first_name, person.middle_name),
            role=Role(audit.role),
            granted_by_name=(
                full_name(by.last_name, by.first_name, by.middle_name) if by is not None else None
            ),
            granted_at=audit.granted_at,
        )
        for audit, person, by, school_name in rows
    ]
