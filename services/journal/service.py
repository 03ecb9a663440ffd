"""Use cases of the journal (one transaction each, events with the change) and its queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.events import (
    AttendanceSet,
    LessonScheduled,
    MarkChanged,
    MarkRecorded,
    MarkRemoved,
    SubjectCreated,
)
from services.journal.models import (
    Attendance,
    Enrolment,
    Guardianship,
    Lesson,
    Mark,
    MarkHistory,
    Person,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingLoad,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, STAFF, Role
from services.kernel.uow import UnitOfWork

CURRICULUM_EDITORS = (Role.DEPUTY_DIRECTOR_CONTENT, Role.ADMINISTRATOR)
TIMETABLE_EDITORS = (Role.ACADEMIC_SECRETARY, Role.ADMINISTRATOR)
MAX_RANGE_DAYS = 93  # a term and a bit: enough for a journal page, bounded for the database


# --- views returned to the schema ----------------------------------------------------------------


@dataclass(frozen=True)
class SubjectView:
    id: UUID
    school_id: UUID
    name: str


@dataclass(frozen=True)
class TeachingLoadView:
    id: UUID
    teacher_id: UUID
    school_class_id: UUID
    subject_id: UUID


@dataclass(frozen=True)
class MarkView:
    id: UUID
    lesson_id: UUID
    student_id: UUID
    value: int
    weight: int
    comment: str | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class AttendanceView:
    id: UUID
    lesson_id: UUID
    student_id: UUID
    code: domain.AttendanceCode
    set_by: UUID | None
    set_at: datetime


@dataclass
class LessonView:
    id: UUID
    school_class_id: UUID
    subject_id: UUID
    teacher_id: UUID
    date: date
    number: int
    topic: str | None
    homework: str | None
    marks: list[MarkView] = field(default_factory=list)
    attendance: list[AttendanceView] = field(default_factory=list)


@dataclass(frozen=True)
class DiaryDayView:
    date: date
    lessons: list[LessonView]


@dataclass(frozen=True)
class ClassJournalView:
    school_class_id: UUID
    subject_id: UUID
    student_ids: list[UUID]
    lessons: list[LessonView]


def _mark_view(m: Mark) -> MarkView:
    return MarkView(
        m.id, m.lesson_id, m.student_id, m.value, m.weight, m.comment, m.created_by,
        m.created_at, m.updated_at,
    )  # fmt: skip


def _attendance_view(a: Attendance) -> AttendanceView:
    return AttendanceView(
        a.id, a.lesson_id, a.student_id, domain.AttendanceCode(a.code), a.set_by, a.set_at
    )


def _lesson_view(row: Lesson) -> LessonView:
    return LessonView(
        row.id, row.school_class_id, row.subject_id, row.teacher_id, row.date, row.number,
        row.topic, row.homework,
    )  # fmt: skip


# --- access checks ----------------------------------------------------------------------------


def _require(principal: Principal, *roles: Role) -> UUID:
    """The caller is someone of this school (and holds one of ``roles`` when given)."""
    if not principal.is_authenticated or principal.person_id is None:
        raise Unauthenticated()
    if roles and not principal.has_role(*roles):
        raise Forbidden()
    return principal.person_id


def _same_school(principal: Principal, school_id: UUID, what: str = "Запись") -> None:
    # Another school's rows do not exist for this caller.
    if principal.school_id != school_id:
        raise NotFound(f"{what} не найдена.")


async def _teaches(
    session: AsyncSession, teacher_id: UUID, school_class_id: UUID, subject_id: UUID
) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    TeachingLoad.teacher_id == teacher_id,
                    TeachingLoad.school_class_id == school_class_id,
                    TeachingLoad.subject_id == subject_id,
                )
            )
        )
    )


async def _is_class_teacher(session: AsyncSession, person_id: UUID, school_class_id: UUID) -> bool:
    by_grant = exists().where(
        RoleGrant.person_id == person_id,
        RoleGrant.role == Role.CLASS_TEACHER.value,
        RoleGrant.school_class_id == school_class_id,
    )
    by_class = exists().where(
        SchoolClass.id == school_class_id, SchoolClass.class_teacher_id == person_id
    )
    return bool(await session.scalar(select(or_(by_grant, by_class))))


async def _is_enrolled(session: AsyncSession, student_id: UUID, school_class_id: UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Enrolment.person_id == student_id, Enrolment.school_class_id == school_class_id
                )
            )
        )
    )


async def _class_name(session: AsyncSession, school_class_id: UUID) -> str:
    name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == school_class_id))
    return name or "—"


async def _lesson_for_writing(
    session: AsyncSession, principal: Principal, lesson_id: UUID
) -> tuple[Lesson, Subject]:
    """The lesson, locked, when the caller teaches its class and subject; otherwise a refusal."""
    teacher_id = _require(principal)
    row = (
        await session.execute(
            select(Lesson, Subject)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.id == lesson_id)
            .with_for_update(of=Lesson)
        )
    ).first()
    if row is None:
        raise NotFound("Урок не найден.")
    lesson, subject = row
    _same_school(principal, lesson.school_id, "Урок")
    if not await _teaches(session, teacher_id, lesson.school_class_id, lesson.subject_id):
        class_name = await _class_name(session, lesson.school_class_id)
        raise Forbidden(
            f"Вы не ведёте предмет «{subject.name}» в классе {class_name}: "
            "заполнять журнал этого урока может только учитель с такой нагрузкой."
        )
    return lesson, subject


async def _require_enrolled(session: AsyncSession, student_id: UUID, lesson: Lesson) -> None:
    if not await _is_enrolled(session, student_id, lesson.school_class_id):
        class_name = await _class_name(session, lesson.school_class_id)
        raise ValidationFailed(f"Учащийся не числится в классе {class_name}.", field="studentId")


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("Дата окончания раньше даты начала.", field="to")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"Период не длиннее {MAX_RANGE_DAYS} дней: выберите четверть или месяц.", field="to"
        )


# --- commands ---------------------------------------------------------------------------------


async def create_subject(uow: UnitOfWork, name: str) -> SubjectView:
    principal = uow.principal
    _require(principal, *CURRICULUM_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Предметы заводятся в своей школе.")
    clean = domain.normalize_subject_name(name)
    async with uow:
        subject_id = await uow.session.scalar(
            insert(Subject)
            .values(id=uuid7(), school_id=school_id, name=clean)
            .on_conflict_do_nothing()
            .returning(Subject.id)
        )
        if subject_id is None:
            raise Conflict(f"Предмет «{clean}» уже есть в учебном плане.", field="name")
        uow.emit(
            SubjectCreated(subject_id=subject_id, school_id=school_id, name=clean),
            school_id=school_id,
        )
        await uow.commit()
    return SubjectView(subject_id, school_id, clean)


async def assign_teaching_load(
    uow: UnitOfWork, teacher_id: UUID, school_class_id: UUID, subject_id: UUID
) -> TeachingLoadView:
    principal = uow.principal
    assigned_by = _require(principal, *CURRICULUM_EDITORS)
    async with uow:
        s = uow.session
        teacher = await s.get(Person, teacher_id)
        if teacher is None or teacher.school_id != principal.school_id:
            raise NotFound("Учитель не найден.")
        if teacher.kind != "staff":
            raise ValidationFailed("Нагрузку можно назначить только сотруднику.", field="teacherId")
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        subject = await s.get(Subject, subject_id)
        if subject is None or subject.school_id != principal.school_id:
            raise NotFound("Предмет не найден.")
        load_id = await s.scalar(
            insert(TeachingLoad)
            .values(
                id=uuid7(),
                school_id=school_class.school_id,
                teacher_id=teacher_id,
                school_class_id=school_class_id,
                subject_id=subject_id,
                assigned_by=assigned_by,
            )
            .on_conflict_do_nothing()
            .returning(TeachingLoad.id)
        )
        if load_id is None:  # already assigned: the same answer again
            load_id = await s.scalar(
                select(TeachingLoad.id).where(
                    TeachingLoad.teacher_id == teacher_id,
                    TeachingLoad.school_class_id == school_class_id,
                    TeachingLoad.subject_id == subject_id,
                )
            )
        await uow.commit()
    assert load_id is not None
    return TeachingLoadView(load_id, teacher_id, school_class_id, subject_id)


async def schedule_lesson(
    uow: UnitOfWork,
    school_class_id: UUID,
    subject_id: UUID,
    teacher_id: UUID,
    lesson_date: date,
    number: int,
) -> LessonView:
    principal = uow.principal
    _require(principal, *TIMETABLE_EDITORS)
    domain.check_lesson_number(number)
    async with uow:
        s = uow.session
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        subject = await s.get(Subject, subject_id)
        if subject is None or subject.school_id != principal.school_id:
            raise NotFound("Предмет не найден.")
        if not await _teaches(s, teacher_id, school_class_id, subject_id):
            raise ValidationFailed(
                f"У учителя нет нагрузки по предмету «{subject.name}» в классе "
                f"{school_class.name}: сначала назначьте нагрузку.",
                field="teacherId",
            )
        busy = await s.scalar(
            select(Lesson.id).where(
                Lesson.date == lesson_date,
                Lesson.number == number,
                or_(
                    Lesson.teacher_id == teacher_id,
                    # Subgroups share a slot in the same subject; other subjects may not.
                    and_(
                        Lesson.school_class_id == school_class_id,
                        Lesson.subject_id != subject_id,
                    ),
                ),
            )
        )
        if busy is not None:
            raise Conflict(
                f"{lesson_date:%d.%m.%Y}, {number}-й урок уже занят у класса или учителя.",
                field="number",
            )
        lesson = Lesson(
            id=uuid7(),
            school_id=school_class.school_id,
            school_class_id=school_class_id,
            subject_id=subject_id,
            teacher_id=teacher_id,
            date=lesson_date,
            number=number,
        )
        s.add(lesson)
        await s.flush()
        uow.emit(
            LessonScheduled(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=school_class_id,
                subject_id=subject_id,
                subject_name=subject.name,
                teacher_id=teacher_id,
                date=lesson_date,
                number=number,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return _lesson_view(lesson)


async def set_lesson_topic(
    uow: UnitOfWork, lesson_id: UUID, topic: str | None, homework: str | None
) -> LessonView:
    principal = uow.principal
    person_id = _require(principal)
    topic_text, homework_text = domain.check_topic(topic, homework)
    async with uow:
        lesson = await uow.session.get(Lesson, lesson_id, with_for_update=True)
        if lesson is None:
            raise NotFound("Урок не найден.")
        _same_school(principal, lesson.school_id, "Урок")
        if lesson.teacher_id != person_id:
            raise Forbidden("Тему и домашнее задание записывает учитель, который ведёт этот урок.")
        lesson.topic, lesson.homework, lesson.updated_at = topic_text, homework_text, utcnow()
        await uow.session.flush()
        [view] = await _assemble(uow.session, select(Lesson).where(Lesson.id == lesson_id))
        await uow.commit()
    return view


async def record_mark(
    uow: UnitOfWork,
    lesson_id: UUID,
    student_id: UUID,
    value: int,
    comment: str | None = None,
    weight: int = 1,
) -> MarkView:
    principal = uow.principal
    domain.check_mark(value)
    domain.check_weight(weight)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        lesson, subject = await _lesson_for_writing(s, principal, lesson_id)
        await _require_enrolled(s, student_id, lesson)
        now = utcnow()
        mark = Mark(
            id=uuid7(),
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            student_id=student_id,
            value=value,
            weight=weight,
            comment=comment_text,
            created_by=principal.person_id,
            created_at=now,
        )
        s.add(mark)
        s.add(_history(mark, "recorded", None, mark, principal.person_id, now))
        await s.flush()
        uow.emit(
            MarkRecorded(
                mark_id=mark.id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=student_id,
                school_class_id=lesson.school_class_id,
                subject_id=subject.id,
                subject_name=subject.name,
                teacher_id=lesson.teacher_id,
                value=value,
                weight=weight,
                date=lesson.date,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return _mark_view(mark)


def _history(
    mark: Mark,
    action: str,
    before: tuple[int, str | None] | None,
    after: Mark | None,
    by: UUID | None,
    at: datetime,
) -> MarkHistory:
    return MarkHistory(
        id=uuid7(),
        school_id=mark.school_id,
        mark_id=mark.id,
        lesson_id=mark.lesson_id,
        student_id=mark.student_id,
        action=action,
        value_before=before[0] if before else None,
        comment_before=before[1] if before else None,
        value_after=after.value if after else None,
        comment_after=after.comment if after else None,
        changed_by=by,
        changed_at=at,
    )


async def _mark_for_writing(
    s: AsyncSession, principal: Principal, mark_id: UUID
) -> tuple[Mark, Lesson, Subject]:
    mark = await s.get(Mark, mark_id, with_for_update=True)
    if mark is None:
        raise NotFound("Отметка не найдена.")
    _same_school(principal, mark.school_id, "Отметка")
    lesson, subject = await _lesson_for_writing(s, principal, mark.lesson_id)
    await _require_enrolled(s, mark.student_id, lesson)
    return mark, lesson, subject


async def change_mark(
    uow: UnitOfWork,
    mark_id: UUID,
    value: int,
    comment: str | None = None,
    weight: int | None = None,
) -> MarkView:
    principal = uow.principal
    domain.check_mark(value)
    if weight is not None:
        domain.check_weight(weight)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        mark, lesson, _ = await _mark_for_writing(s, principal, mark_id)
        before = (mark.value, mark.comment)
        now = utcnow()
        mark.value, mark.comment = value, comment_text
        if weight is not None:
            mark.weight = weight
        mark.updated_by, mark.updated_at = principal.person_id, now
        s.add(_history(mark, "changed", before, mark, principal.person_id, now))
        if before[0] != value:
            uow.emit(
                MarkChanged(
                    mark_id=mark.id,
                    school_id=mark.school_id,
                    student_id=mark.student_id,
                    school_class_id=lesson.school_class_id,
                    subject_id=lesson.subject_id,
                    value_before=before[0],
                    value=value,
                ),
                school_id=mark.school_id,
            )
        await uow.commit()
    return _mark_view(mark)


async def remove_mark(uow: UnitOfWork, mark_id: UUID) -> UUID:
    principal = uow.principal
    async with uow:
        s = uow.session
        mark, lesson, _ = await _mark_for_writing(s, principal, mark_id)
        s.add(
            _history(
                mark, "removed", (mark.value, mark.comment), None, principal.person_id, utcnow()
            )
        )
        await s.delete(mark)
        uow.emit(
            MarkRemoved(
                mark_id=mark.id,
                school_id=mark.school_id,
                student_id=mark.student_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
            ),
            school_id=mark.school_id,
        )
        await uow.commit()
    return mark_id


async def mark_absent(
    uow: UnitOfWork, lesson_id: UUID, student_id: UUID, code: domain.AttendanceCode | str
) -> AttendanceView:
    principal = uow.principal
    attendance_code = (
        code if isinstance(code, domain.AttendanceCode) else domain.parse_attendance_code(code)
    )
    async with uow:
        s = uow.session
        lesson, subject = await _lesson_for_writing(s, principal, lesson_id)
        await _require_enrolled(s, student_id, lesson)
        now = utcnow()
        values = {"code": attendance_code.value, "set_by": principal.person_id, "set_at": now}
        row = (
            await s.execute(
                insert(Attendance)
                .values(
                    id=uuid7(),
                    school_id=lesson.school_id,
                    lesson_id=lesson.id,
                    student_id=student_id,
                    **values,
                )
                .on_conflict_do_update(index_elements=["lesson_id", "student_id"], set_=values)
                .returning(Attendance.id)
            )
        ).one()
        attendance_id = row[0]
        uow.emit(
            AttendanceSet(
                attendance_id=attendance_id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=student_id,
                school_class_id=lesson.school_class_id,
                subject_name=subject.name,
                date=lesson.date,
                lesson_number=lesson.number,
                code=attendance_code.value,
                set_by=principal.person_id,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return AttendanceView(
        attendance_id, lesson.id, student_id, attendance_code, principal.person_id, now
    )


# --- queries ----------------------------------------------------------------------------------


async def subjects(db: Database, principal: Principal) -> list[SubjectView]:
    _require(principal)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(Subject).where(Subject.school_id == principal.school_id).order_by(Subject.name)
        )
        return [SubjectView(r.id, r.school_id, r.name) for r in rows]


async def subjects_by_id(db: Database, ids: Sequence[UUID]) -> list[SubjectView | None]:
    """DataLoader batch: subjects in key order (curriculum names are not personal data)."""
    async with db.sessionmaker() as s:
        rows = await s.scalars(select(Subject).where(Subject.id.in_(list(set(ids)))))
        found = {r.id: SubjectView(r.id, r.school_id, r.name) for r in rows}
    return [found.get(i) for i in ids]


async def teaching_load(
    db: Database, principal: Principal, teacher_id: UUID | None
) -> list[TeachingLoadView]:
    person_id = _require(principal)
    teacher_id = teacher_id or person_id
    if teacher_id != person_id and not principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY):
        raise Forbidden("Нагрузку другого учителя видит администрация школы.")
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(TeachingLoad).where(
                TeachingLoad.teacher_id == teacher_id,
                TeachingLoad.school_id == principal.school_id,
            )
        )
        return [TeachingLoadView(r.id, r.teacher_id, r.school_class_id, r.subject_id) for r in rows]


async def _assemble(
    s: AsyncSession, query: Select[tuple[Lesson]], student_id: UUID | None = None
) -> list[LessonView]:
    """Lessons with their marks and attendance in three queries, whatever the number of rows."""
    lessons = [_lesson_view(r) for r in await s.scalars(query)]
    if not lessons:
        return lessons
    ids = [lesson.id for lesson in lessons]
    mark_q = select(Mark).where(Mark.lesson_id.in_(ids)).order_by(Mark.created_at)
    att_q = select(Attendance).where(Attendance.lesson_id.in_(ids))
    if student_id is not None:
        mark_q = mark_q.where(Mark.student_id == student_id)
        att_q = att_q.where(Attendance.student_id == student_id)
    marks: dict[UUID, list[MarkView]] = defaultdict(list)
    for m in await s.scalars(mark_q):
        marks[m.lesson_id].append(_mark_view(m))
    attendance: dict[UUID, list[AttendanceView]] = defaultdict(list)
    for a in await s.scalars(att_q):
        attendance[a.lesson_id].append(_attendance_view(a))
    for lesson in lessons:
        lesson.marks = marks.get(lesson.id, [])
        lesson.attendance = attendance.get(lesson.id, [])
    return lessons


async def diary(
    db: Database, principal: Principal, student_id: UUID, start: date, end: date
) -> list[DiaryDayView]:
    person_id = _require(principal)
    _check_range(start, end)
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
        lessons = await _assemble(
            s,
            select(Lesson)
            .where(Lesson.school_class_id.in_(classes), Lesson.date.between(start, end))
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
    person_id = _require(principal)
    _check_range(start, end)
    async with db.sessionmaker() as s:
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        allowed = (
            principal.has_role(*ADMINISTRATION)
            or await _teaches(s, person_id, school_class_id, subject_id)
            or await _is_class_teacher(s, person_id, school_class_id)
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
        lessons = await _assemble(
            s,
            select(Lesson)
            .where(
                Lesson.school_class_id == school_class_id,
                Lesson.subject_id == subject_id,
                Lesson.date.between(start, end),
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
    person_id = _require(principal)
    _check_range(start, end)
    overseer = principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY)
    if teacher_id is None and not (overseer and school_class_id is not None):
        teacher_id = person_id
    if teacher_id != person_id and not overseer:
        raise Forbidden("Уроки другого учителя видит администрация школы.")
    query = select(Lesson).where(
        Lesson.school_id == principal.school_id, Lesson.date.between(start, end)
    )
    if teacher_id is not None:
        query = query.where(Lesson.teacher_id == teacher_id)
    if school_class_id is not None:
        query = query.where(Lesson.school_class_id == school_class_id)
    async with db.sessionmaker() as s:
        return await _assemble(s, query.order_by(Lesson.date, Lesson.number))
