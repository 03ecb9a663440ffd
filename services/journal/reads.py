"""The journal read: lessons with marks and attendance, the class journal and the diary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.journal.access import (
    DIARY_OVERSEERS,
    check_range,
    guardian_clause,
    journal_reader_clause,
    require,
)
from services.journal.debts import (
    Owed,
    debts_by_student,
    overdue,
    parse_stays,
    stays_clause,
    stays_column,
    subgroup_clause,
    subgroups_column,
    subgroups_of,
)
from services.journal.domain.reads import Stay, in_class_on, weighted_average
from services.journal.models import (
    Assignment,
    AssignmentType,
    Attendance,
    AttendanceCodeEntry,
    ClassEvent,
    EnrolmentHistory,
    Lesson,
    Mark,
    Person,
    RoleGrant,
    School,
    SchoolClass,
    SubgroupMember,
    Substitution,
    TeachingLoad,
)
from services.journal.views import (
    AttendanceView,
    ClassJournalRowView,
    ClassJournalView,
    DiaryDayView,
    LessonView,
    MarkView,
    attendance_view,
    class_event_view,
    lesson_view,
    mark_view,
)
from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role


def _readable(principal: Principal, student_id: UUID | None) -> ColumnElement[bool]:
    """Whose marks and attendance of a lesson the caller reads: the journal's readers all of
    them, the student and their parents the student's own (``student_id``)."""
    clause = journal_reader_clause(principal)
    if student_id is None or principal.person_id is None:
        return clause
    if principal.person_id == student_id:
        return true()
    return or_(clause, guardian_clause(principal.person_id, student_id))


async def assemble(
    s: AsyncSession | AsyncConnection,
    query: Select[tuple[Lesson]],
    principal: Principal,
    student_id: UUID | None = None,
) -> list[LessonView]:
    """Lessons with their marks and attendance in three queries, whatever the number of rows.

    Marks and attendance follow the row: a lesson the caller may see but whose journal they
    do not read (the secretary's timetable, another teacher's lesson) comes without them.
    Rows come back as plain column tuples, not ORM instances: these pages are read far more
    often than anything else and only ever turned into views.
    """
    lesson_rows = await s.execute(
        query.with_only_columns(
            *Lesson.__table__.c, _readable(principal, student_id).label("journal_readable")
        )
    )
    lessons: list[LessonView] = []
    ids: list[UUID] = []
    for row in lesson_rows:
        lessons.append(lesson_view(row))  # type: ignore[arg-type]
        if row.journal_readable:
            ids.append(row.id)
    if not ids:
        return lessons
    mark_q = (
        select(*Mark.__table__.c, AssignmentType.weight.label("type_weight"))
        .join(Assignment, Assignment.id == Mark.assignment_id)
        .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
        .where(Mark.lesson_id.in_(ids))
        .order_by(Mark.created_at)
    )
    att_q = (
        select(
            *Attendance.__table__.c,
            AttendanceCodeEntry.label.label("code_label"),
            AttendanceCodeEntry.category.label("code_category"),
        )
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
    for m in await s.execute(mark_q):
        marks[m.lesson_id].append(mark_view(m, m.type_weight))  # type: ignore[arg-type]
    attendance: dict[UUID, list[AttendanceView]] = defaultdict(list)
    for a in await s.execute(att_q):
        view = attendance_view(a, a.code_label, a.code_category)  # type: ignore[arg-type]
        attendance[a.lesson_id].append(view)
    for lesson in lessons:
        lesson.marks = marks.get(lesson.id, [])
        lesson.attendance = attendance.get(lesson.id, [])
    return lessons


MAX_DIARY_DAYS = 31  # a week to a month of the diary at a time


async def diary(
    db: Database, principal: Principal, student_id: UUID, start: date, end: date
) -> list[DiaryDayView]:
    """A student's days: lessons of their class then (and their subgroups), events, debts.
    For the student, their parents, and the director and deputy directors of their school.

    Any range of any year: the class is the one the student was in on each day. Cancelled
    lessons are skipped; days with no lessons but with a class event are there too.
    """
    person_id = require(principal)
    check_range(start, end)
    if (end - start).days >= MAX_DIARY_DAYS:
        raise ValidationFailed(
            f"Дневник показывается не больше чем за {MAX_DIARY_DAYS} дней.", field="to"
        )
    guardian = (
        guardian_clause(person_id, student_id) if principal.has_role(Role.PARENT) else false()
    )
    # A Core connection, not an ORM session: every query here returns plain rows.
    async with db.engine.connect() as s:
        row = (
            await s.execute(
                # One round trip: the student, the caller's link, the stays and subgroups.
                select(
                    Person.kind,
                    Person.school_id,
                    School.timezone,
                    guardian,
                    stays_column(student_id),
                    subgroups_column(student_id),
                )
                .outerjoin(School, School.id == Person.school_id)
                .where(Person.id == student_id)
            )
        ).first()
        # A list: another family's child, or no one, has no days for the caller
        # (``services.kernel.visibility``).
        if row is None or row.kind != "student" or row.school_id != principal.school_id:
            return []
        overseer = principal.has_role(*DIARY_OVERSEERS)  # of this school: checked just above
        if not (person_id == student_id or bool(row[3]) or overseer):
            return []
        today = datetime.now(ZoneInfo(row.timezone or "Asia/Tomsk")).date()
        stays = parse_stays(row[4])
        subgroups = frozenset(row[5] or ())
        if not stays:
            return []
        lessons = await assemble(
            s,
            select(Lesson)
            .where(
                stays_clause(stays, start, end),
                subgroup_clause(subgroups),
                Lesson.cancelled.is_(False),
            )
            .order_by(Lesson.date, Lesson.number),
            principal,
            student_id=student_id,
        )
        events = await s.execute(
            select(*ClassEvent.__table__.c)
            .where(
                ClassEvent.school_class_id.in_({stay.school_class_id for stay in stays}),
                ClassEvent.starts_on <= end,
                ClassEvent.ends_on >= start,
                ClassEvent.cancelled.is_(False),
            )
            .order_by(ClassEvent.starts_on, ClassEvent.starts_at, ClassEvent.title)
        )
        event_views = [class_event_view(e) for e in events]  # type: ignore[arg-type]
        owed = await overdue(s, today, Lesson.id.in_([x.id for x in lessons])) if lessons else []
    by_lesson = {lesson.id: lesson for lesson in lessons}
    debt_views = debts_by_student(
        owed, today, [student_id], {student_id: stays}, {student_id: subgroups}, by_lesson
    ).get(student_id, [])
    days: dict[date, DiaryDayView] = {}

    def day(d: date) -> DiaryDayView:
        if d not in days:
            days[d] = DiaryDayView(d, [])
        return days[d]

    for lesson in lessons:
        day(lesson.date).lessons.append(lesson)
    for event in event_views:
        d = max(start, event.starts_on)
        while d <= min(end, event.ends_on):
            if in_class_on(stays, event.school_class_id, d):
                day(d).class_events.append(event)
            d += timedelta(days=1)
    for debt in debt_views:
        day(debt.lesson.date).debts.append(debt)
    return [days[d] for d in sorted(days)]


async def _journal_scope(
    s: AsyncSession | AsyncConnection,
    principal: Principal,
    person_id: UUID,
    school_class_id: UUID,
    subject_id: UUID,
    start: date,
    end: date,
) -> frozenset[UUID] | None:
    """What of the class's journal the caller reads: all of it (an empty set), only their
    subgroups' part (those subgroups), or nothing (None)."""
    if principal.has_role(*ADMINISTRATION):
        return frozenset()
    loads = (
        select(func.array_agg(TeachingLoad.subgroup_id))
        .where(
            TeachingLoad.teacher_id == person_id,
            TeachingLoad.school_class_id == school_class_id,
            TeachingLoad.subject_id == subject_id,
        )
        .scalar_subquery()
    )
    class_teacher = or_(
        exists().where(
            RoleGrant.person_id == person_id,
            RoleGrant.role == Role.CLASS_TEACHER.value,
            RoleGrant.school_class_id == school_class_id,
        ),
        exists().where(
            SchoolClass.id == school_class_id, SchoolClass.class_teacher_id == person_id
        ),
    )
    substitute = exists().where(
        Substitution.lesson_id == Lesson.id,
        Substitution.substitute_id == person_id,
        Lesson.school_class_id == school_class_id,
        Lesson.subject_id == subject_id,
        Lesson.date.between(start, end),
    )
    subgroup_ids, is_class_teacher, substitutes = (
        await s.execute(select(loads, class_teacher, substitute))
    ).one()
    if is_class_teacher or substitutes or (subgroup_ids and None in subgroup_ids):
        return frozenset()
    if subgroup_ids:
        return frozenset(subgroup_ids)
    return None


async def class_journal(
    db: Database,
    principal: Principal,
    school_class_id: UUID,
    subject_id: UUID,
    start: date,
    end: date,
) -> ClassJournalView:
    """Students × lessons of a class and subject over a range of any year.

    The students are those enrolled in the class at some day of the range; a subgroup's
    teacher sees their subgroups' lessons and students. Cancelled lessons are skipped.
    """
    person_id = require(principal)
    check_range(start, end)
    async with db.engine.connect() as s:
        school_class = (
            await s.execute(
                select(SchoolClass.school_id, SchoolClass.name, School.timezone)
                .outerjoin(School, School.id == SchoolClass.school_id)
                .where(SchoolClass.id == school_class_id)
            )
        ).first()
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        timezone = school_class.timezone
        scope = await _journal_scope(
            s, principal, person_id, school_class_id, subject_id, start, end
        )
        if scope is None:
            raise Forbidden(
                f"Журнал класса {school_class.name} по этому предмету ведёт учитель с нагрузкой; "
                "его видят также классный руководитель и администрация."
            )
        today = datetime.now(ZoneInfo(timezone or "Asia/Tomsk")).date()
        roster = (
            select(
                EnrolmentHistory.person_id,
                EnrolmentHistory.enrolled_on,
                EnrolmentHistory.left_on,
            )
            .join(Person, Person.id == EnrolmentHistory.person_id)
            .where(
                EnrolmentHistory.school_class_id == school_class_id,
                or_(EnrolmentHistory.enrolled_on.is_(None), EnrolmentHistory.enrolled_on <= end),
                or_(EnrolmentHistory.left_on.is_(None), EnrolmentHistory.left_on > start),
            )
            .order_by(Person.last_name, Person.first_name, Person.middle_name, Person.id)
        )
        lesson_query = select(Lesson).where(
            Lesson.school_class_id == school_class_id,
            Lesson.subject_id == subject_id,
            Lesson.date.between(start, end),
            Lesson.cancelled.is_(False),
        )
        if scope:
            members = select(SubgroupMember.student_id).where(
                SubgroupMember.subgroup_id.in_(list(scope))
            )
            roster = roster.where(EnrolmentHistory.person_id.in_(members))
            lesson_query = lesson_query.where(Lesson.subgroup_id.in_(list(scope)))
        stays: dict[UUID, list[Stay]] = defaultdict(list)
        for student_id, enrolled_on, left_on in await s.execute(roster):
            stays[student_id].append(Stay(school_class_id, enrolled_on, left_on))
        student_ids = list(stays)  # in roster order: dicts keep it
        lessons = await assemble(s, lesson_query.order_by(Lesson.date, Lesson.number), principal)
        owed: list[Owed] = []
        subgroups: dict[UUID, frozenset[UUID]] = {}
        if lessons and student_ids:
            owed = await overdue(s, today, Lesson.id.in_([x.id for x in lessons]))
            if owed:
                subgroups = await subgroups_of(s, student_ids)
    by_lesson = {lesson.id: lesson for lesson in lessons}
    debt_views = debts_by_student(owed, today, student_ids, stays, subgroups, by_lesson)
    marks: dict[UUID, list[tuple[int, int]]] = defaultdict(list)
    for lesson in lessons:
        for mark in lesson.marks:
            marks[mark.student_id].append((mark.value, mark.weight))
    rows = [
        ClassJournalRowView(sid, weighted_average(marks.get(sid, [])), debt_views.get(sid, []))
        for sid in student_ids
    ]
    return ClassJournalView(school_class_id, subject_id, student_ids, lessons, rows)


async def lessons(
    db: Database,
    principal: Principal,
    start: date,
    end: date,
    teacher_id: UUID | None = None,
    school_class_id: UUID | None = None,
) -> list[LessonView]:
    """A teacher's own lessons; the administration and the academic secretary see anyone's.

    A list: another teacher's lessons, for a teacher, are an empty one, as another class's are
    (``services.kernel.visibility``).
    """
    person_id = require(principal)
    check_range(start, end)
    overseer = principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY)
    if teacher_id is None and not (overseer and school_class_id is not None):
        teacher_id = person_id
    if teacher_id != person_id and not overseer:
        return []
    query = select(Lesson).where(
        Lesson.school_id == principal.school_id, Lesson.date.between(start, end)
    )
    query = query.where(Lesson.cancelled.is_(False))  # not a lesson to fill in
    if teacher_id is not None:
        # A teacher's lessons include the ones they give as a substitute.
        substituted = select(Substitution.lesson_id).where(Substitution.substitute_id == teacher_id)
        query = query.where(or_(Lesson.teacher_id == teacher_id, Lesson.id.in_(substituted)))
    if school_class_id is not None:
        query = query.where(Lesson.school_class_id == school_class_id)
    async with db.sessionmaker() as s:
        return await assemble(s, query.order_by(Lesson.date, Lesson.number), principal)
