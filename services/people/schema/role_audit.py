"""Grants of roles that open special-category data, for the director and the region."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.kernel.graphql import Info
from services.kernel.roles import ROLE_LABELS, Role, any_of
from services.people import role_audit
from services.people.schema.core import RoleName

federation = strawberry.federation

OVERSEERS = any_of(Role.DIRECTOR, Role.REGIONAL_ADMINISTRATOR)


@federation.type(
    requires_scopes=OVERSEERS,
    description="Выдача роли с доступом к особым категориям персональных данных",
)
class SensitiveRoleGrant:
    id: strawberry.ID
    school_name: str = strawberry.field(description="Школа")
    person_id: strawberry.ID = strawberry.field(description="Кому выдана роль")
    person_name: str = strawberry.field(description="ФИО того, кому выдана роль")
    role: RoleName = strawberry.field(description="Роль")  # type: ignore[valid-type]
    role_label: str = strawberry.field(description="Название роли")
    granted_by_name: str | None = strawberry.field(description="Кто выдал")
    granted_at: datetime = strawberry.field(description="Когда выдана")


@strawberry.type
class RoleAuditQuery:
    @federation.field(
        requires_scopes=OVERSEERS,
        description="Недавние выдачи ролей с доступом к особым персональным данным "
        "(медработник, психолог, социальный педагог, директор, заместитель по воспитанию); "
        "директор видит свою школу, орган управления образованием — назначения директоров",
    )
    async def sensitive_role_grants(
        self, info: Info, since: datetime | None = None
    ) -> list[SensitiveRoleGrant] | None:
        rows = await role_audit.sensitive_role_grants(
            info.context.runtime.db, info.context.principal, since=since
        )
        return [
            SensitiveRoleGrant(
                id=strawberry.ID(str(r.id)),
                school_name=r.school_name,
                person_id=strawberry.ID(str(r.person_id)),
                person_name=r.person_name,
                role=RoleName(r.role.value),
                role_label=ROLE_LABELS[r.role],
                granted_by_name=r.granted_by_name,
                granted_at=r.granted_at,
            )
            for r in rows
        ]
