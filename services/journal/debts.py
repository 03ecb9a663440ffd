"""Debts («точки»): who reads a student's debts, and finding them for a student or a class."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, ScalarSelect, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.journal.access import guardian_clause, require
from services.journal.domain.debts import MandatoryAssignment, owes
from services.journal.domain.reads import Stay
from services.journal.models import (
    AcademicYear,
    Assignment,
    AssignmentType,
    Enrolment,
    EnrolmentHistory,
    Lesson,
    Mark,
    Person,
    RoleGrant,
    School,
    SchoolClass,
    SubgroupMember,
    TeachingLoad,
)
from services.journal.views import DebtView, LessonView
from services.kernel.db import Database
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role


@dataclass(frozen=True)
class Owed:
    """A mandatory assignment past its due date, with who has been marked for it."""

    assignment: MandatoryAssignment
    topic: str | None
    assignment_type: str
    subject_id: UUID
    marked: frozenset[UUID]


def stays_column(student_id: UUID) -> ScalarSelect[Any]:
    """A student's stays as one JSON column, to ride along another query."""
    h = EnrolmentHistory
    return (
        select(func.json_agg(func.json_build_array(h.school_class_id, h.enrolled_on, h.left_on)))
        .where(h.person_id == student_id)
        .scalar_subquery()
    )


def subgroups_column(student_id: UUID) -> ScalarSelect[Any]:
    return (
        select(func.array_agg(SubgroupMember.subgroup_id))
        .where(SubgroupMember.student_id == student_id)
        .scalar_subquery()
    )


def parse_stays(rows: list[list[str | None]] | None) -> list[Stay]:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return [Stay(UUID(str(c)), day(e), day(left)) for c, e, left in rows or []]


async def subgroups_of(
    s: AsyncSession | AsyncConnection, student_ids: Iterable[UUID]
) -> dict[UUID, frozenset[UUID]]:
    rows = await s.execute(
        select(SubgroupMember.student_id, SubgroupMember.subgroup_id).where(
            SubgroupMember.student_id.in_(list(student_ids))
        )
    )
    found: dict[UUID, set[UUID]] = defaultdict(set)
    for student_id, subgroup_id in rows:
        found[student_id].add(subgroup_id)
    return {k: frozenset(v) for k, v in found.items()}


async def overdue(
    s: AsyncSession | AsyncConnection, today: date, lessons: ColumnElement[bool]
) -> list[Owed]:
    """Mandatory assignments of the ``lessons`` due before today, in one query with their marks."""
    marked = (
        select(func.array_agg(Mark.student_id))
        .where(Mark.assignment_id == Assignment.id)
        .scalar_subquery()
    )
    rows = await s.execute(
        select(
            Assignment.id,
            Assignment.topic,
            Assignment.due_on,
            AssignmentType.name,
            Lesson.id,
            Lesson.school_class_id,
            Lesson.subgroup_id,
            Lesson.date,
            Lesson.subject_id,
            marked,
        )
        .join(Lesson, Lesson.id == Assignment.lesson_id)
        .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
        .where(
            lessons,
            Assignment.mandatory,
            Assignment.due_on < today,
            Lesson.cancelled.is_(False),
        )
        .order_by(Assignment.due_on, Lesson.date, Lesson.number, Assignment.created_at)
    )
    return [
        Owed(
            MandatoryAssignment(a_id, lesson_id, class_id, subgroup_id, lesson_date, due_on),
            topic,
            type_name,
            subject_id,
            frozenset(marked_ids or ()),
        )
        for (
            a_id, topic, due_on, type_name, lesson_id, class_id, subgroup_id, lesson_date,
            subject_id, marked_ids,
        ) in rows
    ]  # fmt: skip


def debts_by_student(
    owed: Iterable[Owed],
    today: date,
    student_ids: Iterable[UUID],
    stays: Mapping[UUID, list[Stay]],
    subgroups: Mapping[UUID, frozenset[UUID]],
    lessons: Mapping[UUID, LessonView],
) -> dict[UUID, list[DebtView]]:
    """Apply the rule to every student and assignment; ``lessons`` holds the debts' lessons."""
    found: dict[UUID, list[DebtView]] = defaultdict(list)
    owed = list(owed)
    for student_id in student_ids:
        student_stays = stays.get(student_id, [])
        student_subgroups = subgroups.get(student_id, frozenset())
        for o in owed:
            lesson = lessons.get(o.assignment.lesson_id)
            if lesson is None:
                continue
            marked = student_id in o.marked
            if owes(o.assignment, today, student_stays, student_subgroups, marked):
                debt = DebtView(
                    o.assignment.id, o.topic, o.assignment_type, lesson, o.subject_id,
                    o.assignment.due_on, student_id,
                )  # fmt: skip
                found[student_id].append(debt)
    return found


def stays_clause(stays: Iterable[Stay], start: date, end: date) -> ColumnElement[bool]:
    """Lessons of the classes the student was in, on the days they were there, within a range."""
    parts = []
    for stay in stays:
        first = max(start, stay.enrolled_on) if stay.enrolled_on else start
        conditions = [Lesson.school_class_id == stay.school_class_id, Lesson.date >= first]
        conditions.append(Lesson.date <= end)
        if stay.left_on is not None:
            conditions.append(Lesson.date < stay.left_on)
        parts.append(and_(*conditions))
    return or_(*parts) if parts else false()


def subgroup_clause(subgroups: frozenset[UUID]) -> ColumnElement[bool]:
    """The whole class's lessons and those of the student's own subgroups."""
    if not subgroups:
        return Lesson.subgroup_id.is_(None)
    return or_(Lesson.subgroup_id.is_(None), Lesson.subgroup_id.in_(list(subgroups)))


async def may_read_student(s: AsyncSession, principal: Principal, student_id: UUID) -> bool:
    """The student, their parents, the class teacher and the teachers of their current class."""
    person_id = require(principal)
    if person_id == student_id or principal.has_role(*ADMINISTRATION):
        return True
    current = select(Enrolment.school_class_id).where(Enrolment.person_id == student_id)
    checks = []
    if principal.has_role(Role.PARENT):
        checks.append(guardian_clause(person_id, student_id))
    if principal.has_role(Role.CLASS_TEACHER, Role.SUBJECT_TEACHER):
        checks.append(
            exists().where(
                RoleGrant.person_id == person_id,
                RoleGrant.role == Role.CLASS_TEACHER.value,
                RoleGrant.school_class_id.in_(current),
            )
        )
        checks.append(
            exists().where(SchoolClass.id.in_(current), SchoolClass.class_teacher_id == person_id)
        )
        checks.append(
            exists().where(
                TeachingLoad.teacher_id == person_id, TeachingLoad.school_class_id.in_(current)
            )
        )
    if not checks:
        return False
    return bool(await s.scalar(select(or_(*checks))))


async def debts(
    db: Database, principal: Principal, student_id: UUID, academic_year_id: UUID | None = None
) -> list[DebtView]:
    """A student's debts over an academic year (the current one unless another is named)."""
    from services.journal.reads import assemble  # reads builds on this module

    require(principal)
    async with db.sessionmaker() as s:
        row = (
            await s.execute(
                select(
                    Person.kind,
                    Person.school_id,
                    School.timezone,
                    stays_column(student_id),
                    subgroups_column(student_id),
                )
                .outerjoin(School, School.id == Person.school_id)
                .where(Person.id == student_id)
            )
        ).first()
        # A list: a student the caller may not read, or none at all, has no debts for them
        # (``services.kernel.visibility``).
        if row is None or row.kind != "student" or row.school_id != principal.school_id:
            return []
        if not await may_read_student(s, principal, student_id):
            return []
        today = datetime.now(ZoneInfo(row.timezone or "Asia/Tomsk")).date()
        year = await _year(s, row.school_id, academic_year_id, today)
        if year is None and academic_year_id is not None:
            return []  # a year the school does not have: a list filtered by nothing
        start, end = (year.starts_on, year.ends_on) if year else (date.min, date.max)
        stays = parse_stays(row[3])
        subgroups = frozenset(row[4] or ())
        owed = await overdue(s, today, stays_clause(stays, start, end))
        lesson_ids = {o.assignment.lesson_id for o in owed}
        if not lesson_ids:
            return []
        lessons = await assemble(
            s, select(Lesson).where(Lesson.id.in_(lesson_ids)), principal, student_id=student_id
        )
    by_id = {lesson.id: lesson for lesson in lessons}
    found = debts_by_student(
        owed, today, [student_id], {student_id: stays}, {student_id: subgroups}, by_id
    )
    return found.get(student_id, [])


async def _year(
    s: AsyncSession, school_id: UUID, academic_year_id: UUID | None, today: date
) -> AcademicYear | None:
    query = select(AcademicYear).where(AcademicYear.school_id == school_id)
    if academic_year_id is not None:
        return await s.scalar(query.where(AcademicYear.id == academic_year_id))
    return await s.scalar(
        query.where(AcademicYear.starts_on <= today, AcademicYear.ends_on >= today).limit(1)
    )
