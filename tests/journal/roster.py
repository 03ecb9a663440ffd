"""People's events for the journal's tests: a small school published as real envelopes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import orjson
from sqlalchemy import select

from services.journal.events import SUBSCRIPTIONS
from services.journal.models import inbox
from services.kernel.events import Envelope
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from tests.support import Infra, ServiceClient, eventually, new_namespace, running_service


def envelope(event_type: str, tenant: UUID, payload: dict[str, Any]) -> Envelope:
    data = {k: str(v) if isinstance(v, UUID) else v for k, v in payload.items()}
    return Envelope(type=event_type, school_id=tenant, payload=data)


async def publish(nc: Any, namespace: str, envelopes: list[Envelope]) -> None:
    js = nc.jetstream()
    for env in envelopes:
        await js.publish(
            env.subject(namespace),
            env.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(env.id)},
        )


@dataclass
class Roster:
    """Builds people.* envelopes and remembers the ids it gave out."""

    school_id: UUID = field(default_factory=uuid4)
    year_id: UUID = field(default_factory=uuid4)
    envelopes: list[Envelope] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.add(
            "people.school.created",
            school_id=self.school_id,
            name="МАОУ Школа «Проверка»",
            short_name="Школа «Проверка»",
            timezone="Asia/Tomsk",
        )
        self.add(
            "people.academic_year.created",
            academic_year_id=self.year_id,
            school_id=self.school_id,
            name="2026/2027",
            starts_on="2026-09-01",
            ends_on="2027-05-31",
            study_periods=[],
        )

    def add(self, event_type: str, **payload: Any) -> None:
        self.envelopes.append(envelope(event_type, self.school_id, payload))

    def school_class(self, grade: int, letter: str, class_id: UUID | None = None) -> UUID:
        class_id = class_id or uuid4()
        self.add(
            "people.school_class.created",
            school_class_id=class_id,
            school_id=self.school_id,
            academic_year_id=self.year_id,
            grade_level=grade,
            letter=letter,
            name=f"{grade}{letter}",
        )
        return class_id

    def person(self, kind: str, last_name: str, person_id: UUID | None = None) -> UUID:
        person_id = person_id or uuid4()
        self.add(
            "people.person.registered",
            person_id=person_id,
            school_id=self.school_id,
            kind=kind,
            last_name=last_name,
            first_name="Иван",
            middle_name="Петрович",
        )
        return person_id

    def staff(
        self,
        last_name: str,
        *roles: Role,
        school_class_id: UUID | None = None,
        pid: UUID | None = None,
    ) -> UUID:
        person_id = self.person("staff", last_name, pid)
        for role in roles:
            scoped = school_class_id if role is Role.CLASS_TEACHER else None
            self.add(
                "people.role.granted",
                person_id=person_id,
                school_id=self.school_id,
                role=role.value,
                school_class_id=str(scoped) if scoped else None,
            )
            if role is Role.CLASS_TEACHER and school_class_id:
                self.add(
                    "people.school_class.class_teacher_assigned",
                    school_class_id=school_class_id,
                    school_id=self.school_id,
                    person_id=person_id,
                )
        return person_id

    def student(self, last_name: str, school_class_id: UUID, pid: UUID | None = None) -> UUID:
        person_id = self.person("student", last_name, pid)
        self.add(
            "people.student.enrolled",
            person_id=person_id,
            school_id=self.school_id,
            school_class_id=school_class_id,
            enrolled_on="2026-09-01",
        )
        self.add(
            "people.role.granted",
            person_id=person_id,
            school_id=self.school_id,
            role="student",
            school_class_id=None,
        )
        return person_id

    def parent(self, last_name: str, *children: UUID) -> UUID:
        person_id = self.person("parent", last_name)
        for child in children:
            self.add(
                "people.guardianship.linked",
                parent_id=person_id,
                student_id=child,
                school_id=self.school_id,
                relation="мать",
            )
        return person_id

    def principal(self, person_id: UUID, *grants: RoleGrant | Role) -> Principal:
        roles = tuple(g if isinstance(g, RoleGrant) else RoleGrant(g) for g in grants)
        return Principal(
            account_id=uuid4(),
            person_id=person_id,
            school_id=self.school_id,
            session_id=uuid4(),
            login=f"user-{str(person_id)[:8]}",
            roles=roles,
        )


@asynccontextmanager
async def fed_journal(
    infra: Infra,
    *rosters: Roster,
    namespace: str | None = None,
    timeout: float = 30.0,
    **overrides: Any,
) -> AsyncIterator[tuple[ServiceClient, list[dict[str, Any]]]]:
    """A running journal that has handled every event of the ``rosters``, and the list its own
    published events arrive in (as decoded envelopes, in order)."""
    namespace = namespace or new_namespace()
    async with running_service(infra, "journal", namespace=namespace, **overrides) as svc:
        nc = svc.runtime.extras["nats"]
        events: list[dict[str, Any]] = []

        async def collect(msg: Any) -> None:
            events.append(orjson.loads(msg.data))

        sub = await nc.subscribe(f"{namespace}.journal.>", cb=collect)
        envelopes = [env for roster in rosters for env in roster.envelopes]
        await publish(nc, namespace, envelopes)
        handled = {t for sub in SUBSCRIPTIONS for t in sub.handlers}
        expected = {env.id for env in envelopes if env.type in handled}

        async def replicated() -> bool:
            async with svc.runtime.db.sessionmaker() as s:
                seen = set(await s.scalars(select(inbox.c.event_id)))
            return expected <= seen

        try:
            await eventually(replicated, timeout=timeout)
            yield svc, events
        finally:
            await sub.unsubscribe()
