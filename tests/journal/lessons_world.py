"""A small school for the lesson-record tests: loads, lessons, a free teacher to substitute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, fed_journal
from tests.support import Infra, ServiceClient, new_namespace

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
TODAY = date.today().isoformat()
FROM = (date.today() - timedelta(days=5)).isoformat()
TO = (date.today() + timedelta(days=5)).isoformat()

SUBJECT = "mutation($n: String!) { createSubject(input: {name: $n}) { id name } }"
LOAD = """mutation($t: ID!, $c: ID!, $s: ID!) {
  assignTeachingLoad(input: {teacherId: $t, schoolClassId: $c, subjectId: $s}) { id }
}"""
SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id
  }
}"""
RECORD_SUBSTITUTION = """mutation($l: ID!, $t: ID!, $r: String) {
  recordSubstitution(input: {lessonId: $l, substituteId: $t, reason: $r}) {
    lessonId date number reason substitute { id } absentTeacher { id } subject { name }
    schoolClass { id }
  }
}"""
CANCEL_SUBSTITUTION = "mutation($l: ID!) { cancelSubstitution(lessonId: $l) }"


@dataclass
class World:
    svc: ServiceClient
    roster: Roster
    events: list[dict[str, Any]]
    ids: dict[str, UUID]
    who: dict[str, Principal]

    async def gql(self, query: str, as_: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[as_])

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]

    def lesson(self, key: str) -> str:
        return str(self.ids[key])


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


@asynccontextmanager
async def lessons_world(infra: Infra, files_dir: Path) -> AsyncIterator[World]:
    namespace = new_namespace()
    r = Roster()
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids = {"7Б": c7b, "8А": c8a}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["substitute"] = r.staff("Заменов", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классов", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["admin"] = r.staff("Админов", Role.ADMINISTRATOR)
    ids["director"] = r.staff("Директоров", Role.DIRECTOR)
    ids["student"] = r.student("Ученико", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Родителева", ids["student"])
    who = {
        key: r.principal(ids[key], role)
        for key, role in (
            ("teacher", Role.SUBJECT_TEACHER),
            ("other_teacher", Role.SUBJECT_TEACHER),
            ("substitute", Role.SUBJECT_TEACHER),
            ("deputy", Role.DEPUTY_DIRECTOR_CONTENT),
            ("secretary", Role.ACADEMIC_SECRETARY),
            ("admin", Role.ADMINISTRATOR),
            ("director", Role.DIRECTOR),
            ("student", Role.STUDENT),
        )
    }
    who["klassruk"] = r.principal(
        ids["klassruk"], Role.SUBJECT_TEACHER, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
    )
    who["parent"] = r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],)))
    async with fed_journal(infra, r, namespace=namespace, files_dir=files_dir) as (svc, events):
        w = World(svc, r, events, ids, who)
        algebra = data(await w.gql(SUBJECT, "deputy", n="алгебра"))["createSubject"]["id"]
        english = data(await w.gql(SUBJECT, "deputy", n="английский язык"))["createSubject"]["id"]
        ids["алгебра"], ids["английский язык"] = UUID(algebra), UUID(english)
        for teacher, school_class, subject in (
            ("teacher", c7b, algebra),
            ("other_teacher", c8a, algebra),
            ("klassruk", c7b, english),
        ):
            data(await w.gql(LOAD, "deputy", t=str(ids[teacher]), c=str(school_class), s=subject))
        for key, teacher, school_class, subject, day, number in (
            ("lesson_7b", "teacher", c7b, algebra, YESTERDAY, 2),
            ("lesson_7b_today", "teacher", c7b, algebra, TODAY, 3),
            ("lesson_7b_english", "klassruk", c7b, english, YESTERDAY, 1),
            ("lesson_8a", "other_teacher", c8a, algebra, YESTERDAY, 3),
            ("lesson_8a_same_slot", "other_teacher", c8a, algebra, YESTERDAY, 2),
        ):
            lesson = data(
                await w.gql(
                    SCHEDULE,
                    "secretary",
                    c=str(school_class),
                    s=subject,
                    t=str(ids[teacher]),
                    d=day,
                    n=number,
                )
            )["scheduleLesson"]
            ids[key] = UUID(lesson["id"])
        yield w
