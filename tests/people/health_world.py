"""One people service with a small school and every role that touches health data.

Shared (session scope) by the health, wellbeing and verification tests: they only add rows
of their own, so one school serves them all and the service starts once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.people.models import DataAccessEntry
from services.people.verification import CLOCK
from tests.people.helpers import School, build_school, ok, staff
from tests.support import Infra, ServiceClient, new_namespace, running_service

# key -> (last name, first name, middle name, roles)
STAFF = {
    "director": ("Смирнова", "Ольга", "Викторовна", (Role.DIRECTOR,)),
    "medic": ("Павлова", "Наталья", "Игоревна", (Role.MEDICAL_WORKER,)),
    "pe": ("Зайцев", "Олег", "Петрович", (Role.SUBJECT_TEACHER,)),
    "teacher": ("Волков", "Дмитрий", "Сергеевич", (Role.SUBJECT_TEACHER,)),
    "content": ("Морозова", "Елена", "Николаевна", (Role.DEPUTY_DIRECTOR_CONTENT,)),
    "upbringing": ("Егорова", "Алла", "Павловна", (Role.DEPUTY_DIRECTOR_UPBRINGING,)),
    "psychologist": ("Лебедева", "Анна", "Сергеевна", (Role.PSYCHOLOGIST,)),
    "social": ("Фомина", "Вера", "Ильинична", (Role.SOCIAL_PEDAGOGUE,)),
    "secretary": ("Николаева", "Татьяна", "Юрьевна", (Role.ACADEMIC_SECRETARY,)),
}


@dataclass
class World:
    svc: ServiceClient
    school: School
    other: School  # another school with its own medical worker and psychologist
    who: dict[str, Principal]

    def id(self, key: str) -> UUID:
        return self.school.ids[key]

    async def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> dict:
        return await self.svc.gql(query, variables, principal=self.who[who])

    async def ok(self, who: str, query: str, variables: dict[str, Any] | None = None) -> dict:
        return await ok(self.svc, query, variables, principal=self.who[who])

    def set_clock(self, now: Callable[[], datetime] | None) -> None:
        if now is None:
            self.svc.runtime.extras.pop(CLOCK, None)
        else:
            self.svc.runtime.extras[CLOCK] = now

    async def log_count(self, **where: Any) -> int:
        async with self.svc.runtime.db.sessionmaker() as session:
            query = select(func.count()).select_from(DataAccessEntry)
            for column, value in where.items():
                query = query.where(getattr(DataAccessEntry, column) == value)
            return int(await session.scalar(query) or 0)


def as_person(school: School, person_id: UUID, *grants: RoleGrant) -> Principal:
    principal = staff(school.id, person_id=person_id)
    return Principal(
        account_id=principal.account_id,
        person_id=person_id,
        school_id=school.id,
        session_id=principal.session_id,
        login="user",
        roles=grants,
    )


async def _staff_member(school: School, key: str, info: tuple[Any, ...]) -> Principal:
    last, first, middle, roles = info
    person_id = await school.person(key, "STAFF", last, first, middle)
    return as_person(school, person_id, *(RoleGrant(r) for r in roles))


@pytest.fixture(scope="session")
async def health_world(infra: Infra) -> AsyncIterator[World]:
    async with running_service(infra, "people", namespace=new_namespace()) as svc:
        school = await build_school(svc)
        other = await build_school(svc)
        who: dict[str, Principal] = {}
        for key, info in STAFF.items():
            who[key] = await _staff_member(school, key, info)
        who["other_medic"] = await _staff_member(other, "medic", STAFF["medic"])
        who["other_psychologist"] = await _staff_member(
            other, "psychologist", STAFF["psychologist"]
        )
        who["admin"] = as_person(
            school,
            await school.person("admin", "STAFF", "Кузнецов", "Андрей", "Петрович"),
            RoleGrant(Role.ADMINISTRATOR),
        )
        who["klassruk"] = as_person(
            school,
            school.ids["klassruk"],
            RoleGrant(Role.CLASS_TEACHER, school_class_id=school.class_id),
            RoleGrant(Role.SUBJECT_TEACHER),
        )
        for family in ("petrov", "orlov"):
            who[f"{family}.parent"] = as_person(
                school,
                school.ids[f"{family}.parent"],
                RoleGrant(Role.PARENT, student_ids=(school.ids[f"{family}.student"],)),
            )
            who[f"{family}.student"] = as_person(
                school, school.ids[f"{family}.student"], RoleGrant(Role.STUDENT)
            )
        yield World(svc, school, other, who)
