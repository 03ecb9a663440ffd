"""A small school for the period marks, settings and year closing tests: a year with two study
periods around today, two classes, their teachers, the administration, students and parents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, fed_journal
from tests.support import Infra, ServiceClient, new_namespace

TODAY = date.today()
# The year runs around today, so lessons within the lock period lie inside it.
YEAR_STARTS, YEAR_ENDS = TODAY - timedelta(days=60), TODAY + timedelta(days=60)
TERM1_ENDS = TODAY
LESSON_DAY = TODAY - timedelta(days=1)

SUBJECT = "mutation($n: String!) { createSubject(input: {name: $n}) { id name } }"
LOAD = """mutation($t: ID!, $c: ID!, $s: ID!) {
  assignTeachingLoad(input: {teacherId: $t, schoolClassId: $c, subjectId: $s}) { id }
}"""
SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id
  }
}"""
RECORD = """mutation($l: ID!, $s: ID!, $v: Int!) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v}) { id }
}"""
SET = """mutation($input: SetPeriodMarkInput!) {
  setPeriodMark(input: $input) {
    id kind value special display average proposed differsFromProposal studyPeriodId
    academicYearId student { id } schoolClass { id } subject { name } setBy { id }
  }
}"""


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


@dataclass
class PeriodsWorld:
    svc: ServiceClient
    roster: Roster
    events: list[dict[str, Any]]
    ids: dict[str, UUID]
    who: dict[str, Principal]

    async def gql(self, query: str, as_: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[as_])

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]

    async def set_mark(self, as_: str, **input: Any) -> dict[str, Any]:
        clean = {k: str(v) if isinstance(v, UUID) else v for k, v in input.items()}
        return await self.gql(SET, as_, input=clean)


@asynccontextmanager
async def periods_world(infra: Infra) -> AsyncIterator[PeriodsWorld]:
    namespace = new_namespace()
    r = Roster()
    ids: dict[str, UUID] = {"year": r.year_id, "term1": uuid4(), "term2": uuid4()}
    r.add(
        "people.academic_year.created",
        academic_year_id=r.year_id,
        school_id=r.school_id,
        name="2026/2027",
        starts_on=YEAR_STARTS.isoformat(),
        ends_on=YEAR_ENDS.isoformat(),
        study_periods=[
            {
                "study_period_id": str(ids["term1"]),
                "name": "I полугодие",
                "starts_on": YEAR_STARTS.isoformat(),
                "ends_on": TERM1_ENDS.isoformat(),
            },
            {
                "study_period_id": str(ids["term2"]),
                "name": "II полугодие",
                "starts_on": (TERM1_ENDS + timedelta(days=1)).isoformat(),
                "ends_on": YEAR_ENDS.isoformat(),
            },
        ],
    )
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids |= {"7Б": c7b, "8А": c8a}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классов", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["admin"] = r.staff("Админов", Role.ADMINISTRATOR)
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["quality"] = r.staff("Контролёв", Role.DEPUTY_DIRECTOR_QUALITY)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["student"] = r.student("Аникин", c7b)
    ids["classmate"] = r.student("Борисов", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Аникина", ids["student"])
    ids["other_parent"] = r.parent("Чужова", ids["other_student"])
    who = {
        "teacher": r.principal(ids["teacher"], Role.SUBJECT_TEACHER),
        "other_teacher": r.principal(ids["other_teacher"], Role.SUBJECT_TEACHER),
        "klassruk": r.principal(
            ids["klassruk"], Role.SUBJECT_TEACHER, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
        ),
        "admin": r.principal(ids["admin"], Role.ADMINISTRATOR),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "quality": r.principal(ids["quality"], Role.DEPUTY_DIRECTOR_QUALITY),
        "secretary": r.principal(ids["secretary"], Role.ACADEMIC_SECRETARY),
        "student": r.principal(ids["student"], Role.STUDENT),
        "classmate": r.principal(ids["classmate"], Role.STUDENT),
        "parent": r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],))),
        "other_parent": r.principal(
            ids["other_parent"], Grant(Role.PARENT, student_ids=(ids["other_student"],))
        ),
    }
    async with fed_journal(infra, r, namespace=namespace) as (svc, events):
        w = PeriodsWorld(svc, r, events, ids, who)
        for name in ("алгебра", "русский язык"):
            ids[name] = UUID(data(await w.gql(SUBJECT, "deputy", n=name))["createSubject"]["id"])
        for teacher, school_class, subject in (
            ("teacher", c7b, "алгебра"),
            ("other_teacher", c8a, "алгебра"),
            ("klassruk", c7b, "русский язык"),
        ):
            data(
                await w.gql(
                    LOAD, "deputy", t=str(ids[teacher]), c=str(school_class), s=str(ids[subject])
                )
            )
        for key, teacher, school_class, subject, day, number in (
            ("lesson_7b", "teacher", c7b, "алгебра", LESSON_DAY, 2),
            ("lesson_7b_2", "teacher", c7b, "алгебра", LESSON_DAY, 3),
            ("lesson_7b_cancelled", "teacher", c7b, "алгебра", LESSON_DAY, 4),
            ("lesson_8a", "other_teacher", c8a, "алгебра", LESSON_DAY, 2),
        ):
            lesson = await w.gql(
                SCHEDULE,
                "secretary",
                c=str(school_class),
                s=str(ids[subject]),
                t=str(ids[teacher]),
                d=day.isoformat(),
                n=number,
            )
            ids[key] = UUID(data(lesson)["scheduleLesson"]["id"])
        yield w
