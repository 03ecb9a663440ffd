"""A running journal with a small school (and a neighbour school) for the timetable's tests.

Dates are relative to today: the academic year runs around it, with a holiday week after the
first study period, so lesson generation has holidays to skip.
"""

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
from tests.support import Infra, ServiceClient, eventually

TODAY = date.today()
YEAR_STARTS, YEAR_ENDS = TODAY - timedelta(days=60), TODAY + timedelta(days=150)
# Study period 1 ends a week from now; a holiday week follows; period 2 runs to the year's end.
PERIOD_1_ENDS = TODAY + timedelta(days=6)
HOLIDAY = (TODAY + timedelta(days=7), TODAY + timedelta(days=13))
PERIOD_2_STARTS = TODAY + timedelta(days=14)

SUBJECT = "mutation($n: String!) { createSubject(input: {name: $n}) { id name } }"
LOAD = """mutation($t: ID!, $c: ID!, $s: ID!, $g: ID, $h: Float) {
  assignTeachingLoad(input: {teacherId: $t, schoolClassId: $c, subjectId: $s, subgroupId: $g,
                             hoursPerWeek: $h}) {
    id subgroupId hoursPerWeek subject { name }
  }
}"""


def next_weekday(weekday: int, after: date = TODAY) -> date:
    """The first date on or after ``after`` falling on the ISO weekday."""
    return after + timedelta(days=(weekday - after.isoweekday()) % 7)


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def message_of(result: dict[str, Any]) -> str:
    return (result.get("errors") or [{}])[0].get("message", "")


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


@dataclass
class School:
    svc: ServiceClient
    roster: Roster
    events: list[dict[str, Any]]
    ids: dict[str, UUID]
    who: dict[str, Principal]

    async def gql(self, query: str, as_: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[as_])

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]

    async def event(self, event_type: str, **match: str) -> dict[str, Any]:
        """The published event whose payload has these values (it arrives asynchronously)."""

        async def arrived() -> list[dict[str, Any]]:
            return [
                e
                for e in self.published(event_type)
                if all(e["payload"].get(k) == v for k, v in match.items())
            ]

        return (await eventually(arrived))[-1]


def _year(r: Roster) -> None:
    r.add(
        "people.academic_year.created",
        academic_year_id=r.year_id,
        school_id=r.school_id,
        name="текущий учебный год",
        starts_on=YEAR_STARTS.isoformat(),
        ends_on=YEAR_ENDS.isoformat(),
        study_periods=[
            {
                "study_period_id": str(uuid4()),
                "name": "1 полугодие",
                "starts_on": YEAR_STARTS.isoformat(),
                "ends_on": PERIOD_1_ENDS.isoformat(),
            },
            {
                "study_period_id": str(uuid4()),
                "name": "2 полугодие",
                "starts_on": PERIOD_2_STARTS.isoformat(),
                "ends_on": YEAR_ENDS.isoformat(),
            },
        ],
    )


def _subgroup(r: Roster, school_class_id: UUID, subject: str, name: str, *members: UUID) -> UUID:
    subgroup_id = uuid4()
    r.add(
        "people.subgroup.created",
        subgroup_id=subgroup_id,
        school_id=r.school_id,
        school_class_id=school_class_id,
        subject=subject,
        name=name,
    )
    r.add(
        "people.subgroup.members_changed",
        subgroup_id=subgroup_id,
        school_id=r.school_id,
        student_ids=[str(m) for m in members],
    )
    return subgroup_id


@asynccontextmanager
async def open_school(infra: Infra) -> AsyncIterator[School]:
    r, neighbour = Roster(), Roster()
    _year(r)
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids = {"7Б": c7b, "8А": c8a, "year": r.year_id}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["english1"] = r.staff("Англова", Role.SUBJECT_TEACHER)
    ids["english2"] = r.staff("Инглишева", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классова", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["klassruk_8a"] = r.staff(
        "Восьмова", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c8a
    )
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["upbringing"] = r.staff("Воспитанова", Role.DEPUTY_DIRECTOR_UPBRINGING)
    ids["secretary"] = r.staff("Секретарёва", Role.ACADEMIC_SECRETARY)
    ids["admin"] = r.staff("Админов", Role.ADMINISTRATOR)
    ids["student"] = r.student("Ученико", c7b)
    ids["classmate"] = r.student("Однокласснико", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Родителева", ids["student"])
    ids["other_parent"] = r.parent("Посторонняя", ids["other_student"])
    ids["group1"] = _subgroup(r, c7b, "английский язык", "1 группа", ids["student"])
    ids["group2"] = _subgroup(r, c7b, "английский язык", "2 группа", ids["classmate"])
    ids["alien_class"] = neighbour.school_class(7, "А")
    ids["alien_secretary"] = neighbour.staff("Соседова", Role.ACADEMIC_SECRETARY)
    ids["alien_deputy"] = neighbour.staff("Соседзавучева", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["alien_klassruk"] = neighbour.staff(
        "Чужеклассова", Role.CLASS_TEACHER, school_class_id=ids["alien_class"]
    )
    klassruk_of = lambda class_id: Grant(Role.CLASS_TEACHER, school_class_id=class_id)  # noqa: E731
    who = {
        name: r.principal(ids[name], Role.SUBJECT_TEACHER)
        for name in ("teacher", "other_teacher", "english1", "english2")
    }
    who |= {
        "klassruk": r.principal(ids["klassruk"], Role.SUBJECT_TEACHER, klassruk_of(c7b)),
        "klassruk_8a": r.principal(ids["klassruk_8a"], Role.SUBJECT_TEACHER, klassruk_of(c8a)),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "upbringing": r.principal(ids["upbringing"], Role.DEPUTY_DIRECTOR_UPBRINGING),
        "secretary": r.principal(ids["secretary"], Role.ACADEMIC_SECRETARY),
        "admin": r.principal(ids["admin"], Role.ADMINISTRATOR),
        "student": r.principal(ids["student"], Role.STUDENT),
        "parent": r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],))),
        "other_parent": r.principal(
            ids["other_parent"], Grant(Role.PARENT, student_ids=(ids["other_student"],))
        ),
        "alien_secretary": neighbour.principal(ids["alien_secretary"], Role.ACADEMIC_SECRETARY),
        "alien_deputy": neighbour.principal(ids["alien_deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "alien_klassruk": neighbour.principal(
            ids["alien_klassruk"], klassruk_of(ids["alien_class"])
        ),
    }
    async with fed_journal(infra, r, neighbour) as (svc, events):
        school = School(svc, r, events, ids, who)
        for name in ("алгебра", "английский язык", "русский язык"):
            subject = data(await school.gql(SUBJECT, "deputy", n=name))["createSubject"]
            ids[name] = UUID(subject["id"])
        for teacher, school_class, subject, subgroup in (
            ("teacher", c7b, "алгебра", None),
            ("other_teacher", c8a, "алгебра", None),
            ("klassruk", c7b, "русский язык", None),
            ("english1", c7b, "английский язык", "group1"),
            ("english2", c7b, "английский язык", "group2"),
        ):
            data(
                await school.gql(
                    LOAD,
                    "deputy",
                    t=str(ids[teacher]),
                    c=str(school_class),
                    s=str(ids[subject]),
                    g=str(ids[subgroup]) if subgroup else None,
                )
            )
        yield school
