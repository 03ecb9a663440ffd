"""The journal read: lessons with marks and attendance, the class journal and the diary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from uuid import UUID

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import (
    check_range,
    is_class_teacher,
    require,
    teaches,
)
from services.journal.models import (
    Assignment,
    AssignmentType,
    Attendance,
    AttendanceCodeEntry,
    Enrolment,
    Guardianship,
    Lesson,
    Mark,
    Person,
    SchoolClass,
)
from services.journal.views import (
    AttendanceView,
    ClassJournalView,
    DiaryDayView,
    LessonView,
    MarkView,
    attendance_view,
    lesson_view,
    mark_view,
)
from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, STAFF, Role


async def assemble(
    s: AsyncSession, query: Select[tuple[Lesson]], student_id: UUID | None = None
) -> list[LessonView]:
    """Lessons with their marks and attendance in three queries, whatever the number of rows."""
    lessons = [lesson_view(r) for r in await s.scalars(query)]
    if not lessons:
        return lessons
    ids = [lesson.id for lesson in lessons]
    mark_q = (
        select(Mark, AssignmentType.weight)
        .join(Assignment, Assignment.id == Mark.assignment_id)
        .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
        .where(Mark.lesson_id.in_(ids))
        .order_by(Mark.created_at)
    )
    att_q = (
        select(Attendance, AttendanceCodeEntry.label, AttendanceCodeEntry.category)
        .outerjoin(
            AttendanceCodeEntry,
            (AttendanceCodeEntry.school_id == Attendance.school_id)
            & (AttendanceCodeEntry.code == Attendance.code),
        )
        .where(Attendance.lesson_id.in_(ids))
    )
    if student_id is not None:
        mark_q = mark_q.where(Mark.student_id == student_id)
        att_q = att_q.where(Attendance.student_id == student_id)
    marks: dict[UUID, list[MarkView]] = defaultdict(list)
    for m, weight in await s.execute(mark_q):
        marks[m.lesson_id].append(mark_view(m, weight))
    attendance: dict[UUID, list[AttendanceView]] = defaultdict(list)
    for a, label, category in await s.execute(att_q):
        attendance[a.lesson_id].append(attendance_view(a, label, category))
    for lesson in lessons:
        lesson.marks = marks.get(lesson.id, [])
        lesson.attendance = attendance.get(lesson.id, [])
    return lessons


async def diary(
    db: Database, principal: Principal, student_id: UUID, start: date, end: date
) -> list[DiaryDayView]:
    person_id = require(principal)
    check_range(start, end)
    async with db.sessionmaker() as s:
        student = await s.get(Person, student_id)
        is_staff = principal.has_role(*STAFF)
        if student is None or student.kind != "student" or student.school_id != principal.school_id:
            if is_staff:
                raise NotFound("Учащийся не найден.")
            raise Forbidden("Дневник доступен учащемуся, его родителям и сотрудникам школы.")
        allowed = (
            person_id == student_id
            or (
                principal.has_role(Role.PARENT)
                and bool(
                    await s.scalar(
                        select(
                            exists().where(
                                Guardianship.parent_id == person_id,
                                Guardianship.student_id == student_id,
                            )
                        )
                    )
                )
            )
            or (is_staff and principal.school_id == student.school_id)
        )
        if not allowed:
            raise Forbidden("Дневник доступен учащемуся, его родителям и сотрудникам школы.")
        classes = select(Enrolment.school_class_id).where(Enrolment.person_id == student_id)
        lessons = await assemble(
            s,
            select(Lesson)
            .where(Lesson.school_class_id.in_(classes), Lesson.date.between(start, end))
            .where(Lesson.cancelled.is_(False))  # timetable: a cancelled lesson is not taught
            .order_by(Lesson.date, Lesson.number),
            student_id=student_id,
        )
    days: dict[date, list[LessonView]] = defaultdict(list)
    for lesson in lessons:
        days[lesson.date].append(lesson)
    return [DiaryDayView(d, items) for d, items in days.items()]


async def class_journal(
    db: Database,
    principal: Principal,
    school_class_id: UUID,
    subject_id: UUID,
    start: date,
    end: date,
) -> ClassJournalView:
    person_id = require(principal)
    check_range(start, end)
    async with db.sessionmaker() as s:
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        allowed = (
            principal.has_role(*ADMINISTRATION)
            or await teaches(s, person_id, school_class_id, subject_id)
            or await is_class_teacher(s, person_id, school_class_id)
        )
        if not allowed:
            raise Forbidden(
                f"Журнал класса {school_class.name} по этому предмету ведёт учитель с нагрузкой; "
                "его видят также классный руководитель и администрация."
            )
        students = await s.scalars(
            select(Person.id)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.school_class_id == school_class_id)
            .order_by(Person.last_name, Person.first_name, Person.middle_name)
        )
        student_ids = list(students)
        lessons = await assemble(
            s,
            select(Lesson)
            .where(
                Lesson.school_class_id == school_class_id,
                Lesson.subject_id == subject_id,
                Lesson.date.between(start, end),
                Lesson.cancelled.is_(False),  # timetable
            )
            .order_by(Lesson.date, Lesson.number),
        )
    return ClassJournalView(school_class_id, subject_id, student_ids, lessons)


async def lessons(
    db: Database,
    principal: Principal,
    start: date,
    end: date,
    teacher_id: UUID | None = None,
    school_class_id: UUID | None = None,
) -> list[LessonView]:
    """A teacher's own lessons; the administration and the academic secretary see anyone's."""
    person_id = require(principal)
    check_range(start, end)
    overseer = principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY)
    if teacher_id is None and not (overseer and school_class_id is not None):
        teacher_id = person_id
    if teacher_id != person_id and not overseer:
        raise Forbidden("Уроки другого учителя видит администрация школы.")
    query = select(Lesson).where(
        Lesson.school_id == principal.school_id, Lesson.date.between(start, end)
    )
    query = query.where(Lesson.cancelled.is_(False))  # timetable: not a lesson to fill in
    if teacher_id is not None:
        query = query.where(Lesson.teacher_id == teacher_id)
    if school_class_id is not None:
        query = query.where(Lesson.school_class_id == school_class_id)
    async with db.sessionmaker() as s:
        return await assemble(s, query.order_by(Lesson.date, Lesson.number))
