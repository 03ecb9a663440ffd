"""A small school for the marks tests: teachers, the administration, fresh and locked lessons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, fed_journal
from tests.support import Infra, ServiceClient, new_namespace

# Relative to today: the school's lock period is 10 days.
FRESH_DAY = date.today() - timedelta(days=1)
LOCKED_DAY = date.today() - timedelta(days=15)

SUBJECT = "mutation($n: String!) { createSubject(input: {name: $n}) { id } }"
LOAD = """mutation($t: ID!, $c: ID!, $s: ID!) {
  assignTeachingLoad(input: {teacherId: $t, schoolClassId: $c, subjectId: $s}) { id }
}"""
SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id
  }
}"""
TYPES = "query { assignmentTypes { id name weight isDefault archived } }"


@dataclass
class World:
    svc: ServiceClient
    events: list[dict[str, Any]]
    ids: dict[str, UUID]
    who: dict[str, Principal]
    types: dict[str, str]  # assignment type name -> id

    async def gql(self, query: str, as_: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[as_])

    def id(self, key: str) -> str:
        return str(self.ids[key])

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def message_of(result: dict[str, Any]) -> str:
    return result["errors"][0]["message"]


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


@asynccontextmanager
async def marks_world(infra: Infra) -> AsyncIterator[World]:
    namespace = new_namespace()
    r = Roster()
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids = {"7Б": c7b, "8А": c8a, "school": r.school_id, "year": r.year_id}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классов", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["quality"] = r.staff("Качествова", Role.DEPUTY_DIRECTOR_QUALITY)
    ids["director"] = r.staff("Директоров", Role.DIRECTOR)
    ids["general"] = r.staff("Общев", Role.DEPUTY_DIRECTOR_GENERAL)
    ids["admin"] = r.staff("Админов", Role.ADMINISTRATOR)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["student"] = r.student("Ученико", c7b)
    ids["classmate"] = r.student("Однокласснико", c7b)
    ids["third"] = r.student("Третьякова", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Родителева", ids["student"])
    who = {
        "teacher": r.principal(ids["teacher"], Role.SUBJECT_TEACHER),
        "other_teacher": r.principal(ids["other_teacher"], Role.SUBJECT_TEACHER),
        "klassruk": r.principal(
            ids["klassruk"], Role.SUBJECT_TEACHER, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
        ),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "quality": r.principal(ids["quality"], Role.DEPUTY_DIRECTOR_QUALITY),
        "director": r.principal(ids["director"], Role.DIRECTOR),
        "general": r.principal(ids["general"], Role.DEPUTY_DIRECTOR_GENERAL),
        "admin": r.principal(ids["admin"], Role.ADMINISTRATOR),
        "secretary": r.principal(ids["secretary"], Role.ACADEMIC_SECRETARY),
        "student": r.principal(ids["student"], Role.STUDENT),
        "parent": r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],))),
    }
    async with fed_journal(infra, r, namespace=namespace) as (svc, events):
        w = World(svc, events, ids, who, {})
        algebra = data(await w.gql(SUBJECT, "deputy", n="алгебра"))["createSubject"]["id"]
        russian = data(await w.gql(SUBJECT, "deputy", n="русский язык"))["createSubject"]["id"]
        ids["algebra"], ids["russian"] = UUID(algebra), UUID(russian)
        for teacher, school_class, subject in (
            ("teacher", c7b, algebra),
            ("other_teacher", c8a, algebra),
            ("klassruk", c7b, russian),
        ):
            data(await w.gql(LOAD, "deputy", t=str(ids[teacher]), c=str(school_class), s=subject))
        for key, teacher, school_class, subject, day, number in (
            ("fresh_7b", "teacher", c7b, algebra, FRESH_DAY, 2),
            ("fresh_7b_2", "teacher", c7b, algebra, FRESH_DAY, 3),
            ("locked_7b", "teacher", c7b, algebra, LOCKED_DAY, 2),
            ("fresh_8a", "other_teacher", c8a, algebra, FRESH_DAY, 4),
            ("locked_8a", "other_teacher", c8a, algebra, LOCKED_DAY, 4),
            ("fresh_7b_russian", "klassruk", c7b, russian, FRESH_DAY, 1),
        ):
            lesson = data(
                await w.gql(
                    SCHEDULE,
                    "secretary",
                    c=str(school_class),
                    s=subject,
                    t=str(ids[teacher]),
                    d=day.isoformat(),
                    n=number,
                )
            )["scheduleLesson"]
            ids[key] = UUID(lesson["id"])
        types = data(await w.gql(TYPES, "teacher"))["assignmentTypes"]
        w.types = {t["name"]: t["id"] for t in types}
        yield w
