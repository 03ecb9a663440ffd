"""A school with a past year, a transfer, subgroups, debts and events, for the journal's reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from services.journal.models import (
    Assignment,
    AssignmentType,
    ClassEvent,
    Lesson,
    Mark,
    Subject,
    Substitution,
    TeachingLoad,
)
from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, fed_journal
from tests.support import Infra, ServiceClient

TODAY = date.today()  # the school is in Tomsk (UTC+7): keep every date a few days from today


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# The student moved from 6Б (last year) to 7Б; the mover goes from 7Б to 8А three days ago.
YEAR_STARTS = day(-60)
TRANSFER = day(-3)
PAST_LESSON = day(-200)


@dataclass
class ReadsWorld:
    svc: ServiceClient
    roster: Roster
    ids: dict[str, UUID]
    who: dict[str, Principal]

    async def gql(self, query: str, as_: str | Principal, **variables: Any) -> dict[str, Any]:
        principal = self.who[as_] if isinstance(as_, str) else as_
        return await self.svc.gql(query, variables, principal=principal)

    async def add(self, *rows: Any) -> None:
        async with self.svc.runtime.db.sessionmaker() as s:
            s.add_all(rows)
            await s.commit()

    async def lesson(
        self,
        key: str,
        school_class: str,
        subject: str,
        teacher: str,
        on: date,
        number: int,
        *,
        subgroup: str | None = None,
        cancelled: bool = False,
    ) -> UUID:
        lesson_id = uuid4()
        self.ids[key] = lesson_id
        await self.add(
            Lesson(
                id=lesson_id,
                school_id=self.roster.school_id,
                school_class_id=self.ids[school_class],
                subject_id=self.ids[subject],
                teacher_id=self.ids[teacher],
                subgroup_id=self.ids[subgroup] if subgroup else None,
                date=on,
                number=number,
                topic=f"Тема {key}",
                homework=f"Задание {key}",
                cancelled=cancelled,
            )
        )
        return lesson_id

    async def assignment(
        self, key: str, lesson: str, type_name: str, due_on: date | None, mandatory: bool = True
    ) -> UUID:
        async with self.svc.runtime.db.sessionmaker() as s:
            type_id = await s.scalar(
                select(AssignmentType.id).where(
                    AssignmentType.school_id == self.roster.school_id,
                    AssignmentType.name == type_name,
                )
            )
        assignment_id = uuid4()
        self.ids[key] = assignment_id
        await self.add(
            Assignment(
                id=assignment_id,
                school_id=self.roster.school_id,
                lesson_id=self.ids[lesson],
                assignment_type_id=type_id,
                topic=f"Работа {key}",
                mandatory=mandatory,
                due_on=due_on,
            )
        )
        return assignment_id

    async def mark(self, assignment: str, student: str, value: int) -> UUID:
        async with self.svc.runtime.db.sessionmaker() as s:
            lesson_id = await s.scalar(
                select(Assignment.lesson_id).where(Assignment.id == self.ids[assignment])
            )
        mark_id = uuid4()
        await self.add(
            Mark(
                id=mark_id,
                school_id=self.roster.school_id,
                lesson_id=lesson_id,
                assignment_id=self.ids[assignment],
                student_id=self.ids[student],
                value=value,
            )
        )
        return mark_id


def _enrol(r: Roster, person_id: UUID, class_id: UUID, on: date) -> None:
    r.add(
        "people.student.enrolled",
        person_id=person_id,
        school_id=r.school_id,
        school_class_id=class_id,
        enrolled_on=on.isoformat(),
    )


def _student(r: Roster, last_name: str, *stays: tuple[UUID, date]) -> UUID:
    person_id = r.person("student", last_name)
    for class_id, on in stays:
        _enrol(r, person_id, class_id, on)
    r.add(
        "people.role.granted",
        person_id=person_id,
        school_id=r.school_id,
        role="student",
        school_class_id=None,
    )
    return person_id


@asynccontextmanager
async def reads_world(infra: Infra) -> AsyncIterator[ReadsWorld]:
    r = Roster()
    past_year = uuid4()
    r.add(
        "people.academic_year.created",
        academic_year_id=past_year,
        school_id=r.school_id,
        name="прошлый год",
        starts_on=day(-460).isoformat(),
        ends_on=day(-100).isoformat(),
        study_periods=[],
    )
    ids: dict[str, UUID] = {}
    c6b = uuid4()
    r.add(
        "people.school_class.created",
        school_class_id=c6b,
        school_id=r.school_id,
        academic_year_id=past_year,
        grade_level=6,
        letter="Б",
        name="6Б",
    )
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids.update({"6Б": c6b, "7Б": c7b, "8А": c8a, "past_year": past_year})
    ids["teacher"] = r.staff("Алгебров", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["group_teacher"] = r.staff("Английская", Role.SUBJECT_TEACHER)
    ids["substitute"] = r.staff("Заменов", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классов", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["student"] = _student(r, "Ученико", (c6b, day(-400)), (c7b, YEAR_STARTS))
    ids["classmate"] = _student(r, "Однокласснико", (c7b, YEAR_STARTS))
    ids["mover"] = _student(r, "Переводов", (c7b, YEAR_STARTS), (c8a, TRANSFER))
    ids["other_student"] = _student(r, "Чужов", (c8a, YEAR_STARTS))
    ids["parent"] = r.parent("Родителева", ids["student"])
    ids["other_parent"] = r.parent("Посторонняя", ids["other_student"])
    ids["group1"], ids["group2"] = uuid4(), uuid4()
    for key, name, members in (
        ("group1", "1 группа", [ids["student"]]),
        ("group2", "2 группа", [ids["classmate"], ids["mover"]]),
    ):
        r.add(
            "people.subgroup.created",
            subgroup_id=ids[key],
            school_id=r.school_id,
            school_class_id=c7b,
            subject="английский язык",
            name=name,
        )
        r.add(
            "people.subgroup.members_changed",
            subgroup_id=ids[key],
            school_id=r.school_id,
            school_class_id=c7b,
            subject="английский язык",
            student_ids=[str(m) for m in members],
        )
    teacher = Grant(Role.SUBJECT_TEACHER)
    who = {
        "teacher": r.principal(ids["teacher"], teacher),
        "other_teacher": r.principal(ids["other_teacher"], teacher),
        "group_teacher": r.principal(ids["group_teacher"], teacher),
        "substitute": r.principal(ids["substitute"], teacher),
        "klassruk": r.principal(
            ids["klassruk"], teacher, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
        ),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "student": r.principal(ids["student"], Role.STUDENT),
        "classmate": r.principal(ids["classmate"], Role.STUDENT),
        "mover": r.principal(ids["mover"], Role.STUDENT),
        "parent": r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],))),
        "other_parent": r.principal(
            ids["other_parent"], Grant(Role.PARENT, student_ids=(ids["other_student"],))
        ),
    }
    async with fed_journal(infra, r) as (svc, _):
        w = ReadsWorld(svc, r, ids, who)
        for name in ("алгебра", "английский язык"):
            ids[name] = uuid4()
            await w.add(Subject(id=ids[name], school_id=r.school_id, name=name))
        for teacher_key, class_key, subject, subgroup in (
            ("teacher", "7Б", "алгебра", None),
            ("other_teacher", "8А", "алгебра", None),
            ("teacher", "6Б", "алгебра", None),
            ("group_teacher", "7Б", "английский язык", "group1"),
        ):
            await w.add(
                TeachingLoad(
                    id=uuid4(),
                    school_id=r.school_id,
                    teacher_id=ids[teacher_key],
                    school_class_id=ids[class_key],
                    subject_id=ids[subject],
                    subgroup_id=ids[subgroup] if subgroup else None,
                )
            )
        await w.lesson("algebra_7b_early", "7Б", "алгебра", "teacher", day(-5), 1)
        await w.lesson(
            "algebra_7b_cancelled", "7Б", "алгебра", "teacher", day(-5), 2, cancelled=True
        )
        await w.lesson("algebra_7b_late", "7Б", "алгебра", "teacher", day(-2), 1)
        await w.lesson(
            "english_group1", "7Б", "английский язык", "group_teacher", day(-5), 3,
            subgroup="group1",
        )  # fmt: skip
        await w.lesson(
            "english_group2", "7Б", "английский язык", "other_teacher", day(-5), 4,
            subgroup="group2",
        )  # fmt: skip
        await w.lesson("algebra_8a_early", "8А", "алгебра", "other_teacher", day(-5), 1)
        await w.lesson("algebra_8a_late", "8А", "алгебра", "other_teacher", day(-2), 2)
        await w.lesson("algebra_6b_past", "6Б", "алгебра", "teacher", PAST_LESSON, 1)
        await w.add(
            Substitution(
                lesson_id=ids["algebra_7b_late"],
                school_id=r.school_id,
                substitute_id=ids["substitute"],
                absent_teacher_id=ids["teacher"],
            )
        )
        # Answers in class: a 5 (weight 1) and a test (weight 3) marked 3 → (5 + 9) / 4 = 3.5.
        await w.assignment("answer", "algebra_7b_early", "ответ на уроке", None, mandatory=False)
        await w.mark("answer", "student", 5)
        await w.assignment("test", "algebra_7b_late", "контрольная работа", None, mandatory=False)
        await w.mark("test", "student", 3)
        await w.assignment("past_answer", "algebra_6b_past", "ответ на уроке", None, False)
        await w.mark("past_answer", "student", 4)
        # Mandatory work: overdue, due today (still in time), and a subgroup's overdue one.
        await w.assignment("overdue", "algebra_7b_early", "самостоятельная работа", day(-1))
        await w.assignment("due_today", "algebra_7b_early", "тест", TODAY)
        await w.assignment("group2_overdue", "english_group2", "проект", day(-1))
        await w.add(
            ClassEvent(
                id=uuid4(),
                school_id=r.school_id,
                school_class_id=c7b,
                kind="parent_meeting",
                title="Родительское собрание",
                starts_on=day(-6),
                ends_on=day(-6),
            ),
            ClassEvent(
                id=uuid4(),
                school_id=r.school_id,
                school_class_id=c7b,
                kind="parent_meeting",
                title="Отменённое собрание",
                starts_on=day(-5),
                ends_on=day(-5),
                cancelled=True,
            ),
            ClassEvent(
                id=uuid4(),
                school_id=r.school_id,
                school_class_id=c8a,
                kind="parent_meeting",
                title="Собрание 8А",
                starts_on=day(-6),
                ends_on=day(-1),
            ),
        )
        yield w
