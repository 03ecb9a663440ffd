"""The timetable: the weekly slots of each class, the lessons generated from them, one-off
changes and cancellations, and lessons put on a date by hand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import (
    check_range,
    is_family_of_class,
    own_school_class,
    own_subject,
    require,
    same_school,
    teaches,
)
from services.journal.domain import timetable as rules
from services.journal.events import (
    LessonCancelled,
    LessonChanged,
    LessonScheduled,
    TimetableEntryRemoved,
    TimetableEntrySet,
)
from services.journal.lock import ensure_day_open, ensure_year_open, school_today
from services.journal.models import (
    AcademicYear,
    Attendance,
    Lesson,
    Mark,
    Person,
    SchoolClass,
    StudyPeriod,
    Subgroup,
    Subject,
    TimetableEntry,
    YearClosing,
)
from services.journal.views import (
    GeneratedLessonsView,
    LessonView,
    TimetableEntryView,
    lesson_view,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import STAFF, Role
from services.kernel.uow import UnitOfWork

TIMETABLE_EDITORS = (Role.ACADEMIC_SECRETARY, Role.ADMINISTRATOR)
TIMETABLE_READERS = (*STAFF, Role.STUDENT, Role.PARENT)


# --- helpers ---------------------------------------------------------------------------------


async def _serialize(s: AsyncSession, school_id: UUID) -> None:
    """One timetable writer per school at a time: the clash checks read what they guard."""
    await s.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"timetable:{school_id}"))))


async def _person_name(s: AsyncSession, person_id: UUID) -> str:
    person = await s.get(Person, person_id)
    if person is None:
        return "другой учитель"
    initials = "".join(f"{n[0]}." for n in (person.first_name, person.middle_name) if n)
    return f"{person.last_name} {initials}".strip()


async def _names(s: AsyncSession, school_class_id: UUID, subject_id: UUID) -> tuple[str, str]:
    class_name = await s.scalar(select(SchoolClass.name).where(SchoolClass.id == school_class_id))
    subject_name = await s.scalar(select(Subject.name).where(Subject.id == subject_id))
    return class_name or "—", subject_name or "—"


def _entry_view(e: TimetableEntry) -> TimetableEntryView:
    return TimetableEntryView(
        e.id, e.school_class_id, e.weekday, e.number, e.subject_id, e.teacher_id, e.subgroup_id,
        e.room, e.valid_from, e.valid_to,
    )  # fmt: skip


async def _check_subgroup(
    s: AsyncSession, subgroup_id: UUID, school_class: SchoolClass, subject: Subject
) -> None:
    subgroup = await s.get(Subgroup, subgroup_id)
    if subgroup is None or subgroup.school_class_id != school_class.id:
        raise ValidationFailed(
            f"Подгруппа не относится к классу {school_class.name}.", field="subgroupId"
        )
    if not rules.same_subject_name(subgroup.subject, subject.name):
        raise ValidationFailed(
            f"Подгруппа «{subgroup.name}» создана для предмета «{subgroup.subject}», "
            f"а не «{subject.name}».",
            field="subgroupId",
        )


async def _require_load(
    s: AsyncSession,
    teacher_id: UUID,
    school_class: SchoolClass,
    subject: Subject,
    subgroup_id: UUID | None,
) -> None:
    if not await teaches(s, teacher_id, school_class.id, subject.id, subgroup_id):
        raise ValidationFailed(
            f"У учителя нет нагрузки по предмету «{subject.name}» в классе "
            f"{school_class.name}: сначала назначьте нагрузку.",
            field="teacherId",
        )


async def _class_and_subject(
    s: AsyncSession, principal: Principal, school_class_id: UUID, subject_id: UUID
) -> tuple[SchoolClass, Subject]:
    school_class = await own_school_class(s, principal, school_class_id)
    return school_class, await own_subject(s, principal, subject_id)


# --- lessons put on a date by hand -----------------------------------------------------------


async def schedule_lesson(
    uow: UnitOfWork,
    school_class_id: UUID,
    subject_id: UUID,
    teacher_id: UUID,
    lesson_date: date,
    number: int,
) -> LessonView:
    principal = uow.principal
    require(principal, *TIMETABLE_EDITORS)
    domain.check_lesson_number(number)
    async with uow:
        s = uow.session
        school_class, subject = await _class_and_subject(s, principal, school_class_id, subject_id)
        await ensure_day_open(s, school_class.school_id, lesson_date)
        await _require_load(s, teacher_id, school_class, subject, None)
        await _serialize(s, school_class.school_id)
        busy = await s.scalar(
            select(Lesson.id).where(
                Lesson.date == lesson_date,
                Lesson.number == number,
                Lesson.cancelled.is_(False),
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
    return lesson_view(lesson)


# --- the weekly timetable ----------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    school_class_id: UUID
    weekday: int
    number: int
    subject_id: UUID
    teacher_id: UUID
    valid_from: date
    valid_to: date
    room: str | None = None
    subgroup_id: UUID | None = None


async def set_timetable_entry(uow: UnitOfWork, entry: EntryInput) -> TimetableEntryView:
    principal = uow.principal
    created_by = require(principal, *TIMETABLE_EDITORS)
    rules.check_weekday(entry.weekday)
    domain.check_lesson_number(entry.number)
    rules.check_validity(entry.valid_from, entry.valid_to)
    room = rules.check_room(entry.room)
    async with uow:
        s = uow.session
        school_class, subject = await _class_and_subject(
            s, principal, entry.school_class_id, entry.subject_id
        )
        if entry.subgroup_id is not None:
            await _check_subgroup(s, entry.subgroup_id, school_class, subject)
        await _require_load(s, entry.teacher_id, school_class, subject, entry.subgroup_id)
        year = await s.scalar(
            select(AcademicYear).where(
                AcademicYear.school_id == school_class.school_id,
                AcademicYear.starts_on <= entry.valid_from,
                AcademicYear.ends_on >= entry.valid_to,
            )
        )
        if year is None:
            raise ValidationFailed(
                "Расписание действует в пределах одного учебного года: проверьте даты.",
                field="validTo",
            )
        await _serialize(s, school_class.school_id)
        overlapping = (
            select(TimetableEntry)
            .where(
                TimetableEntry.school_id == school_class.school_id,
                TimetableEntry.weekday == entry.weekday,
                TimetableEntry.number == entry.number,
                TimetableEntry.valid_from <= entry.valid_to,
                TimetableEntry.valid_to >= entry.valid_from,
                or_(
                    TimetableEntry.teacher_id == entry.teacher_id,
                    TimetableEntry.school_class_id == entry.school_class_id,
                ),
            )
            .order_by(TimetableEntry.valid_from)
        )
        when = f"{rules.WEEKDAYS[entry.weekday]}, {entry.number}-й урок"
        for other in await s.scalars(overlapping):
            class_name, subject_name = await _names(s, other.school_class_id, other.subject_id)
            if other.teacher_id == entry.teacher_id and not (
                other.school_class_id == entry.school_class_id
                and other.subject_id == entry.subject_id
                and other.subgroup_id == entry.subgroup_id
            ):
                raise Conflict(
                    f"{when}: учитель {await _person_name(s, entry.teacher_id)} в это время "
                    f"ведёт «{subject_name}» в классе {class_name}.",
                    field="teacherId",
                )
            if other.school_class_id == entry.school_class_id and rules.class_slot_taken(
                entry.subject_id, entry.subgroup_id, other.subject_id, other.subgroup_id
            ):
                raise Conflict(
                    f"{when}: у класса {class_name} в это время уже стоит «{subject_name}» "
                    f"(учитель {await _person_name(s, other.teacher_id)}).",
                    field="number",
                )
        row = TimetableEntry(
            id=uuid7(),
            school_id=school_class.school_id,
            academic_year_id=year.id,
            school_class_id=entry.school_class_id,
            weekday=entry.weekday,
            number=entry.number,
            subject_id=entry.subject_id,
            teacher_id=entry.teacher_id,
            subgroup_id=entry.subgroup_id,
            room=room,
            valid_from=entry.valid_from,
            valid_to=entry.valid_to,
            created_by=created_by,
        )
        s.add(row)
        await s.flush()
        uow.emit(
            TimetableEntrySet(
                timetable_entry_id=row.id,
                school_id=row.school_id,
                school_class_id=row.school_class_id,
                weekday=row.weekday,
                number=row.number,
                subject_id=row.subject_id,
                teacher_id=row.teacher_id,
                subgroup_id=row.subgroup_id,
                room=row.room,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            ),
            school_id=row.school_id,
        )
        view = _entry_view(row)
        await uow.commit()
    return view


async def remove_timetable_entry(uow: UnitOfWork, entry_id: UUID) -> UUID:
    """The slot leaves the timetable; lessons already generated from it stay."""
    principal = uow.principal
    require(principal, *TIMETABLE_EDITORS)
    async with uow:
        s = uow.session
        row = await s.get(TimetableEntry, entry_id, with_for_update=True)
        if row is None:
            raise NotFound("Строка расписания не найдена.")
        same_school(principal, row.school_id, "Строка расписания")
        await s.delete(row)
        uow.emit(
            TimetableEntryRemoved(
                timetable_entry_id=row.id,
                school_id=row.school_id,
                school_class_id=row.school_class_id,
                weekday=row.weekday,
                number=row.number,
                subject_id=row.subject_id,
                teacher_id=row.teacher_id,
                subgroup_id=row.subgroup_id,
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return entry_id


async def timetable(
    db: Database,
    principal: Principal,
    on: date,
    school_class_id: UUID | None = None,
    teacher_id: UUID | None = None,
) -> list[TimetableEntryView]:
    """A class's week (staff; students and parents of the class) or a teacher's (staff)."""
    person_id = require(principal, *TIMETABLE_READERS)
    if (school_class_id is None) == (teacher_id is None):
        raise ValidationFailed("Укажите класс или учителя.", field="schoolClassId")
    staff = principal.has_role(*STAFF)
    query = select(TimetableEntry).where(
        TimetableEntry.school_id == principal.school_id,
        TimetableEntry.valid_from <= on,
        TimetableEntry.valid_to >= on,
    )
    async with db.sessionmaker() as s:
        # A list: a class or teacher whose week the caller may not read, or none at all,
        # gives an empty one (``services.kernel.visibility``).
        if teacher_id is not None:
            if not staff:
                return []
            query = query.where(TimetableEntry.teacher_id == teacher_id)
        else:
            assert school_class_id is not None
            school_class = await s.get(SchoolClass, school_class_id)
            if school_class is None or school_class.school_id != principal.school_id:
                return []
            if not staff and not await is_family_of_class(s, principal, person_id, school_class_id):
                return []
            query = query.where(TimetableEntry.school_class_id == school_class_id)
        rows = await s.scalars(
            query.order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.room)
        )
        return [_entry_view(r) for r in rows]


# --- lessons from the timetable ---------------------------------------------------------------


async def generate_lessons(
    uow: UnitOfWork, start: date, end: date, school_class_id: UUID | None = None
) -> GeneratedLessonsView:
    """Lessons for the study days of the range from the entries valid on each day.

    Idempotent: a lesson already in the slot (class, date, number, subgroup) is kept as it is,
    marks and all; holidays (days between study periods) get none.
    """
    principal = uow.principal
    require(principal, *TIMETABLE_EDITORS)
    check_range(start, end)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Уроки создаются в своей школе.")
    async with uow:
        s = uow.session
        if school_class_id is not None:
            school_class = await s.get(SchoolClass, school_class_id)
            if school_class is None or school_class.school_id != school_id:
                raise NotFound("Класс не найден.")
        await _serialize(s, school_id)
        periods = [
            (p.starts_on, p.ends_on)
            for p in await s.scalars(
                select(StudyPeriod).where(
                    StudyPeriod.school_id == school_id,
                    StudyPeriod.starts_on <= end,
                    StudyPeriod.ends_on >= start,
                    # A closed year's journal is read-only: no lessons are added to it.
                    ~exists().where(YearClosing.academic_year_id == StudyPeriod.academic_year_id),
                )
            )
        ]
        days = rules.study_days(start, end, periods)
        entries_q = select(TimetableEntry).where(
            TimetableEntry.school_id == school_id,
            TimetableEntry.valid_from <= end,
            TimetableEntry.valid_to >= start,
        )
        lessons_q = select(
            Lesson.school_class_id, Lesson.date, Lesson.number, Lesson.subject_id,
            Lesson.subgroup_id,
        ).where(Lesson.school_id == school_id, Lesson.date.between(start, end))  # fmt: skip
        # Generated lessons by the day they were planned for, wherever they were moved since.
        planned_q = select(Lesson.timetable_entry_id, Lesson.timetable_date).where(
            Lesson.school_id == school_id, Lesson.timetable_date.between(start, end)
        )
        if school_class_id is not None:
            entries_q = entries_q.where(TimetableEntry.school_class_id == school_class_id)
            lessons_q = lessons_q.where(Lesson.school_class_id == school_class_id)
            planned_q = planned_q.where(Lesson.school_class_id == school_class_id)
        entries = list(await s.scalars(entries_q.order_by(TimetableEntry.number)))
        in_slot: dict[tuple[UUID, date, int], list[tuple[UUID, UUID | None]]] = defaultdict(list)
        for class_id, day, number, subject_id, subgroup_id in await s.execute(lessons_q):
            in_slot[(class_id, day, number)].append((subject_id, subgroup_id))
        planned = {(entry_id, day) for entry_id, day in await s.execute(planned_q)}
        subject_names: dict[UUID, str] = {
            subject_id: name
            for subject_id, name in await s.execute(
                select(Subject.id, Subject.name).where(
                    Subject.id.in_({e.subject_id for e in entries})
                )
            )
        }
        rows: list[dict[str, object]] = []
        kept = 0
        for day in days:
            for e in entries:
                if e.weekday != day.isoweekday() or not e.valid_from <= day <= e.valid_to:
                    continue
                slot = in_slot[(e.school_class_id, day, e.number)]
                if (e.id, day) in planned or any(
                    rules.class_slot_taken(e.subject_id, e.subgroup_id, subject, subgroup)
                    for subject, subgroup in slot
                ):
                    kept += 1
                    continue
                slot.append((e.subject_id, e.subgroup_id))
                rows.append(
                    {
                        "id": uuid7(),
                        "school_id": school_id,
                        "school_class_id": e.school_class_id,
                        "subject_id": e.subject_id,
                        "teacher_id": e.teacher_id,
                        "subgroup_id": e.subgroup_id,
                        "room": e.room,
                        "timetable_entry_id": e.id,
                        "timetable_date": day,
                        "date": day,
                        "number": e.number,
                    }
                )
        if rows:
            await s.execute(insert(Lesson), rows)
        for r in rows:
            uow.emit(
                LessonScheduled(
                    lesson_id=r["id"],
                    school_id=school_id,
                    school_class_id=r["school_class_id"],
                    subject_id=r["subject_id"],
                    subject_name=subject_names.get(r["subject_id"], ""),
                    teacher_id=r["teacher_id"],
                    date=r["date"],
                    number=r["number"],
                    subgroup_id=r["subgroup_id"],
                    room=r["room"],
                ),
                school_id=school_id,
            )
        await uow.commit()
    return GeneratedLessonsView(created=len(rows), kept=kept, days=len(days))


# --- one-off changes -------------------------------------------------------------------------


async def _lesson_to_change(s: AsyncSession, principal: Principal, lesson_id: UUID) -> Lesson:
    lesson = await s.get(Lesson, lesson_id, with_for_update=True)
    if lesson is None:
        raise NotFound("Урок не найден.")
    same_school(principal, lesson.school_id, "Урок")
    if lesson.cancelled:
        raise Conflict(f"Урок {lesson.date:%d.%m.%Y} уже отменён.", field="lessonId")
    await ensure_year_open(s, lesson)
    return lesson


@dataclass(frozen=True)
class LessonChange:
    lesson_id: UUID
    date: date | None = None
    number: int | None = None
    teacher_id: UUID | None = None
    room: str | None = None


async def change_lesson(uow: UnitOfWork, change: LessonChange) -> LessonView:
    """Moves one lesson, gives it to another teacher with the load, or to another room."""
    principal = uow.principal
    require(principal, *TIMETABLE_EDITORS)
    if change.number is not None:
        domain.check_lesson_number(change.number)
    room = rules.check_room(change.room) if change.room is not None else None
    async with uow:
        s = uow.session
        lesson = await _lesson_to_change(s, principal, change.lesson_id)
        before = (lesson.teacher_id, lesson.date, lesson.number)
        school_class, subject = await _class_and_subject(
            s, principal, lesson.school_class_id, lesson.subject_id
        )
        new_date = change.date or lesson.date
        new_number = change.number or lesson.number
        new_teacher = change.teacher_id or lesson.teacher_id
        if change.teacher_id is not None and change.teacher_id != lesson.teacher_id:
            await _require_load(s, change.teacher_id, school_class, subject, lesson.subgroup_id)
        if await school_today(s, lesson.school_id) > new_date and new_date != lesson.date:
            raise ValidationFailed("Урок переносится на сегодня или позже.", field="date")
        await _serialize(s, lesson.school_id)
        others = await s.scalars(
            select(Lesson).where(
                Lesson.school_id == lesson.school_id,
                Lesson.id != lesson.id,
                Lesson.date == new_date,
                Lesson.number == new_number,
                Lesson.cancelled.is_(False),
                or_(
                    Lesson.teacher_id == new_teacher,
                    Lesson.school_class_id == lesson.school_class_id,
                ),
            )
        )
        when = f"{new_date:%d.%m.%Y}, {new_number}-й урок"
        for other in others:
            class_name, subject_name = await _names(s, other.school_class_id, other.subject_id)
            if other.teacher_id == new_teacher:
                raise Conflict(
                    f"{when}: учитель {await _person_name(s, new_teacher)} в это время ведёт "
                    f"«{subject_name}» в классе {class_name}.",
                    field="teacherId",
                )
            if rules.class_slot_taken(
                lesson.subject_id, lesson.subgroup_id, other.subject_id, other.subgroup_id
            ):
                raise Conflict(
                    f"{when}: у класса {class_name} в это время уже стоит «{subject_name}» "
                    f"(учитель {await _person_name(s, other.teacher_id)}).",
                    field="number",
                )
        lesson.date, lesson.number, lesson.teacher_id = new_date, new_number, new_teacher
        if change.room is not None:
            lesson.room = room
        lesson.updated_at = utcnow()
        await s.flush()
        await ensure_year_open(s, lesson)
        uow.emit(
            LessonChanged(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
                subgroup_id=lesson.subgroup_id,
                teacher_id=lesson.teacher_id,
                date=lesson.date,
                number=lesson.number,
                room=lesson.room,
                teacher_id_before=before[0],
                date_before=before[1],
                number_before=before[2],
            ),
            school_id=lesson.school_id,
        )
        view = lesson_view(lesson)
        await uow.commit()
    return view


async def cancel_lesson(uow: UnitOfWork, lesson_id: UUID, reason: str) -> LessonView:
    """A cancelled lesson stays for the record but is no longer a lesson to fill in."""
    principal = uow.principal
    cancelled_by = require(principal, *TIMETABLE_EDITORS)
    clean = rules.check_reason(reason)
    async with uow:
        s = uow.session
        lesson = await _lesson_to_change(s, principal, lesson_id)
        filled = await s.scalar(
            select(
                or_(
                    exists().where(Mark.lesson_id == lesson_id),
                    exists().where(Attendance.lesson_id == lesson_id),
                )
            )
        )
        if filled:
            raise Conflict(
                f"Урок {lesson.date:%d.%m.%Y} нельзя отменить: в нём уже есть отметки или "
                "посещаемость. Перенесите урок или обратитесь к администрации.",
                field="lessonId",
            )
        lesson.cancelled, lesson.cancel_reason, lesson.cancelled_by = True, clean, cancelled_by
        lesson.updated_at = utcnow()
        await s.flush()
        uow.emit(
            LessonCancelled(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
                subgroup_id=lesson.subgroup_id,
                teacher_id=lesson.teacher_id,
                date=lesson.date,
                number=lesson.number,
                reason=clean,
            ),
            school_id=lesson.school_id,
        )
        view = lesson_view(lesson)
        await uow.commit()
    return view


@dataclass(frozen=True)
class LessonSlot:
    """What the timetable adds to a lesson: its subgroup, room and whether it was cancelled."""

    subgroup_id: UUID | None
    room: str | None
    cancelled: bool
    cancel_reason: str | None


async def slots_by_lesson(db: Database, ids: Sequence[UUID]) -> list[LessonSlot | None]:
    """DataLoader batch: one query for all the lessons of a response."""
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(
                Lesson.id, Lesson.subgroup_id, Lesson.room, Lesson.cancelled, Lesson.cancel_reason
            ).where(Lesson.id.in_(list(set(ids))))
        )
        found = {
            r.id: LessonSlot(r.subgroup_id, r.room, r.cancelled, r.cancel_reason) for r in rows
        }
    return [found.get(i) for i in ids]
