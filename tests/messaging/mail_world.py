"""A small school for the mail tests: people's and journal's envelopes handed to messaging's
handlers, and the principals of everyone in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import NAMESPACE_KEY
from services.messaging.events import SUBSCRIPTIONS
from tests.journal.roster import Roster, envelope
from tests.support import Infra, ServiceClient, new_namespace, running_service

HANDLERS = {t: h for sub in SUBSCRIPTIONS for t, h in sub.handlers.items()}


@dataclass
class School:
    """7Б (class teacher Ковалёва, алгебра Орлов) and 8А (физика Белов), two students in 7Б,
    one in 8А, a parent of each; a director, a deputy and a psychologist."""

    roster: Roster = field(default_factory=Roster)
    ids: dict[str, UUID] = field(default_factory=dict)
    grants: dict[str, tuple[RoleGrant, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r = self.roster
        c7, c8 = r.school_class(7, "Б"), r.school_class(8, "А")
        self.ids.update(c7=c7, c8=c8)
        self._staff("director", "Директорова", Role.DIRECTOR)
        self._staff("deputy", "Завучева", Role.DEPUTY_DIRECTOR_QUALITY)
        self._staff("psychologist", "Психологова", Role.PSYCHOLOGIST)
        self._staff("klassruk", "Ковалёва", Role.CLASS_TEACHER, Role.SUBJECT_TEACHER, cls=c7)
        self._staff("teacher", "Орлов", Role.SUBJECT_TEACHER)
        self._staff("other_teacher", "Белов", Role.SUBJECT_TEACHER)
        algebra, physics, russian = uuid4(), uuid4(), uuid4()
        self.ids.update(physics=physics)
        self.journal = [
            envelope(
                "journal.subject.created",
                r.school_id,
                {"subject_id": algebra, "school_id": r.school_id, "name": "алгебра"},
            ),
            envelope(
                "journal.subject.created",
                r.school_id,
                {"subject_id": physics, "school_id": r.school_id, "name": "физика"},
            ),
            envelope(
                "journal.subject.created",
                r.school_id,
                {"subject_id": russian, "school_id": r.school_id, "name": "русский язык"},
            ),
            self._load("teacher", c7, algebra),
            self._load("klassruk", c7, russian),
            self._load("other_teacher", c8, physics),
        ]
        for key, name, cls in (
            ("student", "Петров", c7),
            ("classmate", "Сидорова", c7),
            ("student8", "Иванов", c8),
        ):
            self.ids[key] = r.student(name, cls)
            self.grants[key] = (RoleGrant(Role.STUDENT),)
        for key, child in (
            ("parent", "student"),
            ("parent2", "classmate"),
            ("parent8", "student8"),
        ):
            self.ids[key] = r.parent(f"Родитель-{key}", self.ids[child])
            self.grants[key] = (RoleGrant(Role.PARENT, student_ids=(self.ids[child],)),)

    def _staff(self, key: str, name: str, *roles: Role, cls: UUID | None = None) -> None:
        self.ids[key] = self.roster.staff(name, *roles, school_class_id=cls)
        self.grants[key] = tuple(
            RoleGrant(role, school_class_id=cls if role is Role.CLASS_TEACHER else None)
            for role in roles
        )

    def _load(self, teacher: str, cls: UUID, subject: UUID) -> Any:
        r = self.roster
        return envelope(
            "journal.teaching_load.assigned",
            r.school_id,
            {
                "teaching_load_id": uuid4(),
                "school_id": r.school_id,
                "teacher_id": self.ids[teacher],
                "school_class_id": cls,
                "subject_id": subject,
                "subgroup_id": None,
                "hours_per_week": 3,
            },
        )

    def who(self, key: str) -> Principal:
        return self.roster.principal(self.ids[key], *self.grants[key])


async def feed(svc: ServiceClient, school: School) -> None:
    """The school's events through messaging's own handlers, each in its transaction."""
    for env in [*school.roster.envelopes, *school.journal]:
        handler = HANDLERS.get(env.type)
        if handler is None:
            continue
        session = svc.runtime.db.sessionmaker()
        session.info[NAMESPACE_KEY] = svc.settings.namespace
        async with session, session.begin():
            await handler(session, env)


@asynccontextmanager
async def mail_service(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    school = School()
    async with running_service(infra, "messaging", namespace=new_namespace()) as svc:
        await feed(svc, school)
        yield svc, school
