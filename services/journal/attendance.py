"""Attendance: the subject teacher's ОТ and ОП and register, the class teacher's reasons, counts.

Every change of a student's attendance on a lesson is kept in ``AttendanceHistory`` and
published (``journal.attendance.set`` / ``journal.attendance.cleared``) in its transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import (
    is_class_teacher,
    is_guardian,
    lesson_for_writing,
    require,
    require_enrolled,
    school_class_name,
)
from services.journal.attendance_codes import entries_by_code, entry_for_category, entry_of
from services.journal.domain import attendance as rules
from services.journal.events import (
    AttendanceCleared,
    AttendanceResolved,
    AttendanceSet,
    RegisterTaken,
)
from services.journal.lock import ensure_editable
from services.journal.models import (
    Attendance,
    AttendanceCodeEntry,
    AttendanceHistory,
    Enrolment,
    Lesson,
    Person,
    SchoolClass,
    SubgroupMember,
    Subject,
)
from services.journal.views import (
    AttendanceSummaryView,
    AttendanceView,
    ClassAttendanceView,
    DayLessonView,
    RegisterView,
    ResolutionView,
    attendance_view,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork

MAX_SUMMARY_DAYS = 366  # a whole academic year


# --- writing one student's attendance on one lesson ---------------------------------------------


def _category(entry: AttendanceCodeEntry) -> domain.AttendanceCategory:
    return domain.AttendanceCategory(entry.category)


def _category_of(code: str, category: str | None) -> domain.AttendanceCategory:
    """A code's category from the dictionary, or its default meaning if the dictionary lacks it."""
    if category is None:
        return rules.default_entry(code).category
    return domain.AttendanceCategory(category)


async def _current(
    s: AsyncSession, lesson_id: UUID, student_id: UUID
) -> tuple[Attendance, domain.AttendanceCategory] | None:
    """The student's mark on the lesson, locked, with its code's category."""
    row = (
        await s.execute(
            select(Attendance, AttendanceCodeEntry.category)
            .outerjoin(
                AttendanceCodeEntry,
                (AttendanceCodeEntry.school_id == Attendance.school_id)
                & (AttendanceCodeEntry.code == Attendance.code),
            )
            .where(Attendance.lesson_id == lesson_id, Attendance.student_id == student_id)
            .with_for_update(of=Attendance)
        )
    ).first()
    return (row[0], _category_of(row[0].code, row[1])) if row else None


def _refuse_overwriting_reason(code: str) -> Conflict:
    return Conflict(
        f"Классный руководитель уже указал причину отсутствия («{code}»): учитель её не "
        "меняет. Обратитесь к классному руководителю."
    )


def _history(
    lesson: Lesson,
    student_id: UUID,
    before: str | None,
    after: str | None,
    by: UUID | None,
    at: datetime,
) -> AttendanceHistory:
    return AttendanceHistory(
        id=uuid7(),
        school_id=lesson.school_id,
        lesson_id=lesson.id,
        student_id=student_id,
        code_before=before,
        code_after=after,
        changed_by=by,
        changed_at=at,
    )


def _write(
    uow: UnitOfWork,
    lesson: Lesson,
    subject_name: str,
    student_id: UUID,
    current: Attendance | None,
    entry: AttendanceCodeEntry,
    now: datetime,
) -> Attendance:
    """Sets the code (new row or changed one), keeps the history and publishes the change."""
    s, by = uow.session, uow.principal.person_id
    before = current.code if current else None
    if current is None:
        current = Attendance(
            id=uuid7(),
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            student_id=student_id,
            code=entry.code,
            set_by=by,
            set_at=now,
        )
        s.add(current)
    else:
        current.code, current.set_by, current.set_at = entry.code, by, now
    s.add(_history(lesson, student_id, before, entry.code, by, now))
    uow.emit(
        AttendanceSet(
            attendance_id=current.id,
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            student_id=student_id,
            school_class_id=lesson.school_class_id,
            subject_name=subject_name,
            date=lesson.date,
            lesson_number=lesson.number,
            code=entry.code,
            set_by=by,
            category=entry.category,
        ),
        school_id=lesson.school_id,
    )
    return current


async def _clear(uow: UnitOfWork, lesson: Lesson, current: Attendance, now: datetime) -> None:
    by = uow.principal.person_id
    uow.session.add(_history(lesson, current.student_id, current.code, None, by, now))
    await uow.session.delete(current)
    uow.emit(
        AttendanceCleared(
            attendance_id=current.id,
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            student_id=current.student_id,
            school_class_id=lesson.school_class_id,
            date=lesson.date,
            lesson_number=lesson.number,
            code_before=current.code,
            cleared_by=by,
        ),
        school_id=lesson.school_id,
    )


async def _require_in_subgroup(s: AsyncSession, lesson: Lesson, student_ids: set[UUID]) -> None:
    """A subgroup's lesson takes attendance of that subgroup's members only."""
    if lesson.subgroup_id is None or not student_ids:
        return
    members = set(
        await s.scalars(
            select(SubgroupMember.student_id).where(
                SubgroupMember.subgroup_id == lesson.subgroup_id,
                SubgroupMember.student_id.in_(student_ids),
            )
        )
    )
    if student_ids - members:
        raise ValidationFailed(
            "Учащийся не входит в подгруппу, у которой проходит этот урок.", field="studentId"
        )


def _view_in(row: Attendance, entries: dict[str, AttendanceCodeEntry]) -> AttendanceView:
    entry = entries.get(row.code)
    return attendance_view(row, entry.label if entry else None, entry.category if entry else None)


def _view(row: Attendance, entry: AttendanceCodeEntry) -> AttendanceView:
    return attendance_view(row, entry.label, entry.category)


# --- the subject teacher ------------------------------------------------------------------------


async def mark_absent(
    uow: UnitOfWork,
    lesson_id: UUID,
    student_id: UUID,
    code: domain.AttendanceCode | str | None = None,
    code_text: str | None = None,
) -> AttendanceView:
    """ОТ or ОП (or a school's own code of those categories) for one student on one lesson."""
    principal = uow.principal
    if code_text is None and code is None:
        raise ValidationFailed("Укажите код посещаемости.", field="code")
    async with uow:
        s = uow.session
        lesson, subject = await lesson_for_writing(s, principal, lesson_id)
        await require_enrolled(s, student_id, lesson)
        await _require_in_subgroup(s, lesson, {student_id})
        await ensure_editable(s, lesson)
        if code_text is not None:
            entry = await entry_of(s, lesson.school_id, code_text)
        elif isinstance(code, domain.AttendanceCode):
            category = domain.AttendanceCategory.LATE
            if code is domain.AttendanceCode.ABSENT:
                category = domain.AttendanceCategory.ABSENT_UNKNOWN
            entry = await entry_for_category(s, lesson.school_id, category)
        else:
            entry = await entry_of(s, lesson.school_id, str(code))
        rules.check_subject_teacher_category(entry.code, _category(entry))
        found = await _current(s, lesson.id, student_id)
        if found and rules.is_reason(found[1]):
            raise _refuse_overwriting_reason(found[0].code)
        if found and found[0].code == entry.code:
            view = _view(found[0], entry)  # already so: nothing to change or tell
        else:
            current = found[0] if found else None
            row = _write(uow, lesson, subject.name, student_id, current, entry, utcnow())
            await s.flush()
            view = _view(row, entry)
        await uow.commit()
    return view


async def clear_attendance(uow: UnitOfWork, lesson_id: UUID, student_id: UUID) -> bool:
    """The student was there after all; returns whether there was a mark to clear."""
    principal = uow.principal
    async with uow:
        s = uow.session
        lesson, _ = await lesson_for_writing(s, principal, lesson_id)
        await require_enrolled(s, student_id, lesson)
        await ensure_editable(s, lesson, undoing=True)
        found = await _current(s, lesson.id, student_id)
        if found is None:
            return False
        if rules.is_reason(found[1]):
            raise _refuse_overwriting_reason(found[0].code)
        await _clear(uow, lesson, found[0], utcnow())
        await uow.commit()
    return True


async def take_register(
    uow: UnitOfWork, lesson_id: UUID, absent: list[UUID], late: list[UUID]
) -> RegisterView:
    """The lesson's whole register in one step: who was absent, who late, everyone else present.

    Confirms that the register was taken. A class teacher's reason already set stays as it is.
    """
    principal = uow.principal
    absent_ids, late_ids = rules.check_register(absent, late)
    async with uow:
        s = uow.session
        lesson, subject = await lesson_for_writing(s, principal, lesson_id)
        await ensure_editable(s, lesson)
        listed = set(absent_ids) | set(late_ids)
        if listed:
            enrolled = set(
                await s.scalars(
                    select(Enrolment.person_id).where(
                        Enrolment.school_class_id == lesson.school_class_id,
                        Enrolment.person_id.in_(listed),
                    )
                )
            )
            if listed - enrolled:
                class_name = await school_class_name(s, lesson.school_class_id)
                raise ValidationFailed(
                    f"В списке есть учащиеся, не числящиеся в классе {class_name}.",
                    field="absent" if set(absent_ids) - enrolled else "late",
                )
            await _require_in_subgroup(s, lesson, listed)
        absent_entry = await entry_for_category(
            s, lesson.school_id, domain.AttendanceCategory.ABSENT_UNKNOWN
        )
        late_entry = await entry_for_category(s, lesson.school_id, domain.AttendanceCategory.LATE)
        entries = await entries_by_code(s, lesson.school_id)
        rows = {
            r.student_id: r
            for r in await s.scalars(
                select(Attendance).where(Attendance.lesson_id == lesson.id).with_for_update()
            )
        }
        now = utcnow()
        wanted = {**dict.fromkeys(absent_ids, absent_entry), **dict.fromkeys(late_ids, late_entry)}

        def category(code: str) -> domain.AttendanceCategory:
            known = entries.get(code)
            return _category_of(code, known.category if known else None)

        for student_id, row in list(rows.items()):
            if rules.is_reason(category(row.code)):
                if student_id in late_ids:
                    raise _refuse_overwriting_reason(row.code)
                wanted.pop(student_id, None)  # the reason stands
            elif student_id not in wanted:
                await _clear(uow, lesson, row, now)
                del rows[student_id]
        for student_id, entry in wanted.items():
            row = rows.get(student_id)
            # A school's own code of the same kind stays as the teacher set it.
            if row is None or category(row.code) is not _category(entry):
                rows[student_id] = _write(uow, lesson, subject.name, student_id, row, entry, now)
        lesson.register_taken_by, lesson.register_taken_at = principal.person_id, now
        uow.emit(
            RegisterTaken(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
                date=lesson.date,
                number=lesson.number,
                teacher_id=principal.person_id,
                absent_ids=absent_ids,
                late_ids=late_ids,
            ),
            school_id=lesson.school_id,
        )
        await s.flush()
        views = [_view_in(r, entries) for r in rows.values()]
        await uow.commit()
    return RegisterView(lesson.id, principal.person_id, now, views)


# --- the class teacher ----------------------------------------------------------------------


async def _student_class(s: AsyncSession, principal: Principal, student_id: UUID) -> UUID:
    student = await s.get(Person, student_id)
    if student is None or student.kind != "student" or student.school_id != principal.school_id:
        raise NotFound("Учащийся не найден.")
    class_id = await s.scalar(
        select(Enrolment.school_class_id).where(Enrolment.person_id == student_id)
    )
    if class_id is None:
        raise ValidationFailed("Учащийся не числится ни в одном классе.", field="studentId")
    return class_id


async def resolve_absence(
    uow: UnitOfWork, student_id: UUID, day: date, code: str
) -> ResolutionView:
    """The class teacher turns every ОТ of the student's day into a reason, in one step."""
    principal = uow.principal
    person_id = require(principal)
    async with uow:
        s = uow.session
        class_id = await _student_class(s, principal, student_id)
        if not await is_class_teacher(s, person_id, class_id):
            class_name = await school_class_name(s, class_id)
            raise Forbidden(
                f"Причину пропуска указывает классный руководитель класса {class_name}."
            )
        assert principal.school_id is not None
        entry = await entry_of(s, principal.school_id, code)
        rules.check_class_teacher_category(entry.code, _category(entry))
        rows = (
            await s.execute(
                select(Attendance, Lesson, Subject.name)
                .join(Lesson, Lesson.id == Attendance.lesson_id)
                .join(Subject, Subject.id == Lesson.subject_id)
                .join(
                    AttendanceCodeEntry,
                    (AttendanceCodeEntry.school_id == Attendance.school_id)
                    & (AttendanceCodeEntry.code == Attendance.code),
                )
                .where(
                    Attendance.student_id == student_id,
                    Lesson.date == day,
                    AttendanceCodeEntry.category == domain.AttendanceCategory.ABSENT_UNKNOWN.value,
                )
                .order_by(Lesson.number)
                .with_for_update(of=Attendance)
            )
        ).all()
        if not rows:
            raise ValidationFailed(
                f"У учащегося нет отметок «отсутствовал» без причины за {day:%d.%m.%Y}.",
                field="date",
            )
        await ensure_editable(s, rows[0][1])
        now = utcnow()
        for row, lesson, subject_name in rows:
            _write(uow, lesson, subject_name, student_id, row, entry, now)
        lesson_ids = [lesson.id for _, lesson, _ in rows]
        uow.emit(
            AttendanceResolved(
                school_id=principal.school_id,
                school_class_id=class_id,
                student_id=student_id,
                date=day,
                code=entry.code,
                category=entry.category,
                lesson_ids=lesson_ids,
                resolved_by=person_id,
            ),
            school_id=principal.school_id,
        )
        await uow.commit()
    return ResolutionView(student_id, day, entry.code, lesson_ids)


async def _class_for_reading(s: AsyncSession, principal: Principal, class_id: UUID) -> SchoolClass:
    """The class teacher of the class or the administration; another school's class is unknown."""
    person_id = require(principal)
    school_class = await s.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != principal.school_id:
        raise NotFound("Класс не найден.")
    if not (principal.has_role(*ADMINISTRATION) or await is_class_teacher(s, person_id, class_id)):
        raise Forbidden(
            f"Посещаемость класса {school_class.name} видят его классный руководитель "
            "и администрация."
        )
    return school_class


async def class_attendance(
    db: Database, principal: Principal, school_class_id: UUID, day: date
) -> ClassAttendanceView:
    """The class's day: its students, its lessons and every attendance mark on them."""
    async with db.sessionmaker() as s:
        await _class_for_reading(s, principal, school_class_id)
        student_ids = list(
            await s.scalars(
                select(Person.id)
                .join(Enrolment, Enrolment.person_id == Person.id)
                .where(Enrolment.school_class_id == school_class_id)
                .order_by(Person.last_name, Person.first_name, Person.middle_name)
            )
        )
        lessons = list(
            await s.scalars(
                select(Lesson)
                .where(Lesson.school_class_id == school_class_id, Lesson.date == day)
                .order_by(Lesson.number, Lesson.id)
            )
        )
        marks = (
            await s.execute(
                select(Attendance, AttendanceCodeEntry.label, AttendanceCodeEntry.category)
                .outerjoin(
                    AttendanceCodeEntry,
                    (AttendanceCodeEntry.school_id == Attendance.school_id)
                    & (AttendanceCodeEntry.code == Attendance.code),
                )
                .where(Attendance.lesson_id.in_([lesson.id for lesson in lessons]))
            )
        ).all()
    return ClassAttendanceView(
        school_class_id,
        day,
        student_ids,
        [
            DayLessonView(
                lesson.id,
                lesson.number,
                lesson.subject_id,
                lesson.subgroup_id,
                lesson.cancelled,
                lesson.register_taken_at,
            )
            for lesson in lessons
        ],
        [attendance_view(a, label, category) for a, label, category in marks],
    )


# --- counting -------------------------------------------------------------------------------


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("Дата окончания раньше даты начала.", field="to")
    if (end - start).days > MAX_SUMMARY_DAYS:
        raise ValidationFailed(
            f"Период подсчёта не длиннее {MAX_SUMMARY_DAYS} дней (учебный год).", field="to"
        )


async def _may_read_student(
    s: AsyncSession, principal: Principal, student_id: UUID, class_id: UUID | None
) -> bool:
    person_id = require(principal)
    if person_id == student_id or principal.has_role(*ADMINISTRATION):
        return True
    if principal.has_role(Role.PARENT) and await is_guardian(s, person_id, student_id):
        return True
    return class_id is not None and await is_class_teacher(s, person_id, class_id)


async def _may_read_class(s: AsyncSession, principal: Principal, class_id: UUID) -> bool:
    person_id = require(principal)
    return principal.has_role(*ADMINISTRATION) or await is_class_teacher(s, person_id, class_id)


async def attendance_summary(
    db: Database,
    principal: Principal,
    start: date,
    end: date,
    student_id: UUID | None = None,
    school_class_id: UUID | None = None,
) -> list[AttendanceSummaryView]:
    """Missed lessons and days: of one student, or of every student of a class and the class.

    For a class the last item is the class's total (``student_id`` None).
    """
    require(principal)
    _check_period(start, end)
    if (student_id is None) == (school_class_id is None):
        raise ValidationFailed("Укажите либо учащегося, либо класс.", field="studentId")
    async with db.sessionmaker() as s:
        # A list: a student or class the caller may not read (or none at all) gives an empty
        # one, before anything else is said about it (``services.kernel.visibility``).
        if student_id is not None:
            student = await s.get(Person, student_id)
            if (
                student is None
                or student.kind != "student"
                or student.school_id != principal.school_id
            ):
                return []
            current = await s.scalar(
                select(Enrolment.school_class_id).where(Enrolment.person_id == student_id)
            )
            if not await _may_read_student(s, principal, student_id, current):
                return []
            class_id = await _student_class(s, principal, student_id)
            students = [student_id]
        else:
            assert school_class_id is not None
            school_class = await s.get(SchoolClass, school_class_id)
            if (
                school_class is None
                or school_class.school_id != principal.school_id
                or not await _may_read_class(s, principal, school_class_id)
            ):
                return []
            class_id = school_class_id
            students = list(
                await s.scalars(
                    select(Enrolment.person_id)
                    .join(Person, Person.id == Enrolment.person_id)
                    .where(Enrolment.school_class_id == class_id)
                    .order_by(Person.last_name, Person.first_name, Person.middle_name)
                )
            )
        lessons = [
            rules.ClassLesson(lesson_id, day, subgroup_id, cancelled)
            for lesson_id, day, subgroup_id, cancelled in await s.execute(
                select(Lesson.id, Lesson.date, Lesson.subgroup_id, Lesson.cancelled).where(
                    Lesson.school_class_id == class_id, Lesson.date.between(start, end)
                )
            )
        ]
        lesson_ids = [lesson.lesson_id for lesson in lessons]
        categories: dict[UUID, dict[UUID, domain.AttendanceCategory]] = defaultdict(dict)
        subgroups: dict[UUID, set[UUID]] = defaultdict(set)
        if students and lesson_ids:
            for sid, lid, code, category in await s.execute(
                select(
                    Attendance.student_id,
                    Attendance.lesson_id,
                    Attendance.code,
                    AttendanceCodeEntry.category,
                )
                .outerjoin(
                    AttendanceCodeEntry,
                    (AttendanceCodeEntry.school_id == Attendance.school_id)
                    & (AttendanceCodeEntry.code == Attendance.code),
                )
                .where(Attendance.lesson_id.in_(lesson_ids), Attendance.student_id.in_(students))
            ):
                categories[sid][lid] = _category_of(code, category)
            for sid, subgroup_id in await s.execute(
                select(SubgroupMember.student_id, SubgroupMember.subgroup_id).where(
                    SubgroupMember.student_id.in_(students)
                )
            ):
                subgroups[sid].add(subgroup_id)
    items = [
        AttendanceSummaryView(
            sid, class_id, rules.count(lessons, categories[sid], frozenset(subgroups[sid]))
        )
        for sid in students
    ]
    if student_id is None:
        items.append(AttendanceSummaryView(None, class_id, rules.total(i.count for i in items)))
    return items


async def registers_taken(db: Database, lesson_ids: list[UUID]) -> list[datetime | None]:
    """When each lesson's register was confirmed, in the order asked (a DataLoader's batch)."""
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Lesson.id, Lesson.register_taken_at).where(Lesson.id.in_(lesson_ids))
        )
        taken = {lesson_id: at for lesson_id, at in rows}
    return [taken.get(lesson_id) for lesson_id in lesson_ids]
