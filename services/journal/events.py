"""The journal's published events and the handlers that keep its roster replica from people's.

Published (subject ``<namespace>.<type>``; ids are UUID strings, dates ISO):

- journal.subject.created: subject_id, school_id, name
- journal.lesson.scheduled: lesson_id, school_id, school_class_id, subject_id, subject_name,
  teacher_id, date, number, subgroup_id (null: the whole class), room (null when not set)
- journal.mark.recorded: mark_id, school_id, lesson_id, student_id, school_class_id,
  subject_id, subject_name, teacher_id, value (2..5), weight, date, assignment_id,
  assignment_type (the type's name; the weight is the type's at recording)
- journal.mark.changed: mark_id, school_id, student_id, school_class_id, subject_id,
  value_before, value
- journal.mark.removed: mark_id, school_id, student_id, school_class_id, subject_id
- journal.attendance.set: attendance_id, school_id, lesson_id, student_id, school_class_id,
  subject_name, date, lesson_number, code ("ОТ"|"ОП" or a school's code), set_by,
  category (the code's category: absent_unknown|late|illness|excused|unexcused|exempt)
- journal.attendance.cleared: attendance_id, school_id, lesson_id, student_id, school_class_id,
  date, lesson_number, code_before, cleared_by
- journal.register.taken: lesson_id, school_id, school_class_id, subject_id, date, number,
  teacher_id (who took it), absent_ids, late_ids
- journal.attendance.resolved: school_id, school_class_id, student_id, date, code, category,
  lesson_ids, resolved_by (the class teacher turned the day's ОТ into a reason)
- journal.absences.unresolved: school_id, date, classes: [{school_class_id, class_teacher_id,
  students: [{student_id, lesson_ids, lesson_numbers}]}] (once per school and day, after the
  school day ends, only when some ОТ is left without a reason)
- journal.subject.renamed: subject_id, school_id, name_before, name
- journal.curriculum_hours.set: academic_year_id, school_id, subject_id, school_class_id
  (null for a parallel), grade_level (null for a class), hours_per_week (0: removed)
- journal.teaching_load.assigned: teaching_load_id, school_id, teacher_id, school_class_id,
  subject_id, subgroup_id, hours_per_week
- journal.teaching_load.withdrawn: teaching_load_id, school_id, teacher_id, school_class_id,
  subject_id, subgroup_id
- journal.bell_schedule.set: school_id, lessons ([{number, starts_at, ends_at}], times HH:MM:SS)
- journal.timetable_entry.set: timetable_entry_id, school_id, school_class_id, weekday, number,
  subject_id, teacher_id, subgroup_id, room, valid_from, valid_to
- journal.timetable_entry.removed: timetable_entry_id, school_id, school_class_id, weekday,
  number, subject_id, teacher_id, subgroup_id
- journal.lesson.changed: lesson_id, school_id, school_class_id, subject_id, subgroup_id,
  teacher_id, date, number, room, teacher_id_before, date_before, number_before
- journal.lesson.cancelled: lesson_id, school_id, school_class_id, subject_id, subgroup_id,
  teacher_id, date, number, reason
- journal.class_event.scheduled / journal.class_event.cancelled: class_event_id, school_id,
  school_class_id, kind (ClassEventKind value), title, starts_on, ends_on
- journal.lesson.held (the first topic of a lesson): lesson_id, school_id, school_class_id,
  subject_id, teacher_id (who gave it), date, number, topic_set_at
- journal.lesson.topic_set (every change of topic/homework): lesson_id, school_id,
  school_class_id, subject_id, date, number, set_by, has_topic, has_homework
- journal.substitution.recorded / journal.substitution.cancelled (a replaced substitution is
  cancelled, then the new one recorded): lesson_id, school_id, school_class_id, subject_id,
  date, number, substitute_id, absent_teacher_id
- journal.settings.changed: school_id, fields (API names of the settings changed, e.g.
  "lockDays", "thresholds"), changed_by
- journal.period_mark.set: period_mark_id, school_id, academic_year_id, study_period_id|null,
  study_period_name|null, kind (term|year|exam|final), school_class_id, subject_id,
  subject_name, student_id, value (2..5)|null, special (not_attested|pass|fail|exempt)|null,
  average|null (decimal string), proposed|null, set_by; the id is derived from (student,
  subject, year, kind, period), so a mark set again after removal is the same aggregate
- journal.period_mark.removed: period_mark_id, school_id, academic_year_id, study_period_id,
  kind, school_class_id, subject_id, student_id, removed_by
- journal.year.closed: academic_year_id, school_id, closed_by, subject_names {id: name},
  results [{student_id, school_class_id, failed_subject_ids (year mark 2 or «незач»),
  not_attested_subject_ids («н/а»)}] for every student enrolled in a class of the year
- journal.assignment_type.changed (created or changed): assignment_type_id, school_id, name,
  weight (1..10), is_default, archived
- journal.assignment.created / journal.assignment.changed: assignment_id, school_id, lesson_id,
  school_class_id, subject_id, assignment_type_id, assignment_type, weight, mandatory, due_on
- journal.assignment.removed: assignment_id, school_id, lesson_id
- journal.correction.requested: request_id, school_id, lesson_id, student_id, action
  (record_mark|change_mark|remove_mark|set_attendance|clear_attendance), requested_by
- journal.correction.decided: request_id, school_id, lesson_id, student_id, action, approved,
  requested_by, decided_by (an approved request's change is published by its own event too)

Consumed: ``people.*`` — schools (each gets the journal's default settings, assignment types
and attendance codes), academic years with their study periods, classes, subgroups and their
members, persons, enrolments, guardianships and role grants, upserted idempotently into the
replica tables;
``person.renamed`` and ``person.anonymised`` replace the replicated names (the marks stay); a
student's departure or graduation (``people.student.left``) takes them off the class's roster.
Every stay in a class is also kept in ``enrolment_history`` (a transfer or promotion closes the
old stay), so that a past year's diary and class journal show who was in the class then.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import BaseModel, model_validator
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.defaults import ensure_school_defaults
from services.journal.models import (
    AcademicYear,
    Enrolment,
    EnrolmentHistory,
    Guardianship,
    Person,
    RoleGrant,
    School,
    SchoolClass,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
)
from services.kernel.consumer import Subscription
from services.kernel.convergence import is_latest
from services.kernel.events import Envelope, Event

# --- published ---------------------------------------------------------------------------------


class SubjectCreated(Event):
    type: ClassVar[str] = "journal.subject.created"
    subject_id: UUID
    school_id: UUID
    name: str

    def aggregate_id(self) -> str:
        return str(self.subject_id)


class LessonScheduled(Event):
    type: ClassVar[str] = "journal.lesson.scheduled"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subject_name: str
    teacher_id: UUID
    date: date
    number: int
    # timetable: defaults keep older consumers and older envelopes working
    subgroup_id: UUID | None = None
    room: str | None = None

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class MarkRecorded(Event):
    type: ClassVar[str] = "journal.mark.recorded"
    mark_id: UUID
    school_id: UUID
    lesson_id: UUID
    student_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subject_name: str
    teacher_id: UUID
    value: int
    weight: int
    date: date
    # marks: the assignment the mark is on and its type's name (the weight is the type's)
    assignment_id: UUID | None = None
    assignment_type: str | None = None

    def aggregate_id(self) -> str:
        return str(self.mark_id)


class MarkChanged(Event):
    type: ClassVar[str] = "journal.mark.changed"
    mark_id: UUID
    school_id: UUID
    student_id: UUID
    school_class_id: UUID
    subject_id: UUID
    value_before: int
    value: int

    def aggregate_id(self) -> str:
        return str(self.mark_id)


class MarkRemoved(Event):
    type: ClassVar[str] = "journal.mark.removed"
    mark_id: UUID
    school_id: UUID
    student_id: UUID
    school_class_id: UUID
    subject_id: UUID

    def aggregate_id(self) -> str:
        return str(self.mark_id)


class AttendanceSet(Event):
    type: ClassVar[str] = "journal.attendance.set"
    attendance_id: UUID
    school_id: UUID
    lesson_id: UUID
    student_id: UUID
    school_class_id: UUID
    subject_name: str
    date: date
    lesson_number: int
    code: str
    set_by: UUID | None

    def aggregate_id(self) -> str:
        # One student's attendance on one lesson is one aggregate: its settings stay in order.
        return f"{self.lesson_id}:{self.student_id}"

    # attendance: the code's category; events without it knew only ОТ and ОП
    category: str = ""

    @model_validator(mode="after")
    def _category_of_the_code(self) -> AttendanceSet:
        if not self.category:
            category = "late" if self.code == "ОП" else "absent_unknown"
            object.__setattr__(self, "category", category)
        return self


# curriculum, teaching load, bells, timetable and class events


class SubjectRenamed(Event):
    type: ClassVar[str] = "journal.subject.renamed"
    subject_id: UUID
    school_id: UUID
    name_before: str
    name: str

    def aggregate_id(self) -> str:
        return str(self.subject_id)


class CurriculumHoursSet(Event):
    type: ClassVar[str] = "journal.curriculum_hours.set"
    academic_year_id: UUID
    school_id: UUID
    subject_id: UUID
    school_class_id: UUID | None
    grade_level: int | None
    hours_per_week: float

    def aggregate_id(self) -> str:
        return f"{self.academic_year_id}:{self.subject_id}"


class TeachingLoadAssigned(Event):
    type: ClassVar[str] = "journal.teaching_load.assigned"
    teaching_load_id: UUID
    school_id: UUID
    teacher_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subgroup_id: UUID | None
    hours_per_week: float | None

    def aggregate_id(self) -> str:
        return str(self.teaching_load_id)


class TeachingLoadWithdrawn(Event):
    type: ClassVar[str] = "journal.teaching_load.withdrawn"
    teaching_load_id: UUID
    school_id: UUID
    teacher_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subgroup_id: UUID | None

    def aggregate_id(self) -> str:
        return str(self.teaching_load_id)


class BellScheduleSet(Event):
    type: ClassVar[str] = "journal.bell_schedule.set"
    school_id: UUID
    lessons: list[dict[str, Any]]

    def aggregate_id(self) -> str:
        return str(self.school_id)


class TimetableEntrySet(Event):
    type: ClassVar[str] = "journal.timetable_entry.set"
    timetable_entry_id: UUID
    school_id: UUID
    school_class_id: UUID
    weekday: int
    number: int
    subject_id: UUID
    teacher_id: UUID
    subgroup_id: UUID | None
    room: str | None
    valid_from: date
    valid_to: date

    def aggregate_id(self) -> str:
        return str(self.timetable_entry_id)


class TimetableEntryRemoved(Event):
    type: ClassVar[str] = "journal.timetable_entry.removed"
    timetable_entry_id: UUID
    school_id: UUID
    school_class_id: UUID
    weekday: int
    number: int
    subject_id: UUID
    teacher_id: UUID
    subgroup_id: UUID | None

    def aggregate_id(self) -> str:
        return str(self.timetable_entry_id)


class LessonChanged(Event):
    type: ClassVar[str] = "journal.lesson.changed"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subgroup_id: UUID | None
    teacher_id: UUID
    date: date
    number: int
    room: str | None
    teacher_id_before: UUID
    date_before: date
    number_before: int

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class LessonCancelled(Event):
    type: ClassVar[str] = "journal.lesson.cancelled"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    subgroup_id: UUID | None
    teacher_id: UUID
    date: date
    number: int
    reason: str

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class ClassEventScheduled(Event):
    type: ClassVar[str] = "journal.class_event.scheduled"
    class_event_id: UUID
    school_id: UUID
    school_class_id: UUID
    kind: str
    title: str
    starts_on: date
    ends_on: date

    def aggregate_id(self) -> str:
        return str(self.class_event_id)


class ClassEventCancelled(Event):
    type: ClassVar[str] = "journal.class_event.cancelled"
    class_event_id: UUID
    school_id: UUID
    school_class_id: UUID
    kind: str
    title: str
    starts_on: date
    ends_on: date

    def aggregate_id(self) -> str:
        return str(self.class_event_id)


# lessons: the lesson's record (topic, homework) and substitutions


class LessonHeld(Event):
    """The lesson got its first topic: it was given, by ``teacher_id``."""

    type: ClassVar[str] = "journal.lesson.held"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    teacher_id: UUID
    date: date
    number: int
    topic_set_at: datetime

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class LessonTopicSet(Event):
    type: ClassVar[str] = "journal.lesson.topic_set"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    date: date
    number: int
    set_by: UUID
    has_topic: bool
    has_homework: bool

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class SubstitutionRecorded(Event):
    type: ClassVar[str] = "journal.substitution.recorded"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    date: date
    number: int
    substitute_id: UUID
    absent_teacher_id: UUID

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class SubstitutionCancelled(Event):
    type: ClassVar[str] = "journal.substitution.cancelled"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    date: date
    number: int
    substitute_id: UUID
    absent_teacher_id: UUID

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class AttendanceCleared(Event):
    type: ClassVar[str] = "journal.attendance.cleared"
    attendance_id: UUID
    school_id: UUID
    lesson_id: UUID
    student_id: UUID
    school_class_id: UUID
    date: date
    lesson_number: int
    code_before: str
    cleared_by: UUID | None

    def aggregate_id(self) -> str:
        return f"{self.lesson_id}:{self.student_id}"


class RegisterTaken(Event):
    type: ClassVar[str] = "journal.register.taken"
    lesson_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    date: date
    number: int
    teacher_id: UUID | None
    absent_ids: list[UUID]
    late_ids: list[UUID]

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class AttendanceResolved(Event):
    type: ClassVar[str] = "journal.attendance.resolved"
    school_id: UUID
    school_class_id: UUID
    student_id: UUID
    date: date
    code: str
    category: str
    lesson_ids: list[UUID]
    resolved_by: UUID | None

    def aggregate_id(self) -> str:
        return f"{self.student_id}:{self.date}"


class UnresolvedStudentAbsences(BaseModel):
    student_id: UUID
    lesson_ids: list[UUID]
    lesson_numbers: list[int]


class UnresolvedClassAbsences(BaseModel):
    school_class_id: UUID
    class_teacher_id: UUID | None
    students: list[UnresolvedStudentAbsences]


class AbsencesUnresolved(Event):
    type: ClassVar[str] = "journal.absences.unresolved"
    school_id: UUID
    date: date
    classes: list[UnresolvedClassAbsences]

    def aggregate_id(self) -> str:
        return f"{self.school_id}:{self.date}"


# periods: settings, period marks, year closing


class JournalSettingsChanged(Event):
    type: ClassVar[str] = "journal.settings.changed"
    school_id: UUID
    fields: list[str]
    changed_by: UUID | None

    def aggregate_id(self) -> str:
        return str(self.school_id)


class PeriodMarkSet(Event):
    type: ClassVar[str] = "journal.period_mark.set"
    period_mark_id: UUID
    school_id: UUID
    academic_year_id: UUID
    study_period_id: UUID | None
    study_period_name: str | None
    kind: str
    school_class_id: UUID
    subject_id: UUID
    subject_name: str
    student_id: UUID
    value: int | None
    special: str | None
    average: Decimal | None
    proposed: int | None
    set_by: UUID | None

    def aggregate_id(self) -> str:
        return str(self.period_mark_id)


class PeriodMarkRemoved(Event):
    type: ClassVar[str] = "journal.period_mark.removed"
    period_mark_id: UUID
    school_id: UUID
    academic_year_id: UUID
    study_period_id: UUID | None
    kind: str
    school_class_id: UUID
    subject_id: UUID
    student_id: UUID
    removed_by: UUID | None

    def aggregate_id(self) -> str:
        return str(self.period_mark_id)


class StudentYearResult(BaseModel):
    student_id: UUID
    school_class_id: UUID
    failed_subject_ids: list[UUID]
    not_attested_subject_ids: list[UUID]


class YearClosed(Event):
    type: ClassVar[str] = "journal.year.closed"
    academic_year_id: UUID
    school_id: UUID
    closed_by: UUID | None
    subject_names: dict[str, str]
    results: list[StudentYearResult]

    def aggregate_id(self) -> str:
        return str(self.academic_year_id)


# --- marks: assignment types, assignments, correction requests


class AssignmentTypeChanged(Event):
    type: ClassVar[str] = "journal.assignment_type.changed"
    assignment_type_id: UUID
    school_id: UUID
    name: str
    weight: int
    is_default: bool
    archived: bool

    def aggregate_id(self) -> str:
        return str(self.assignment_type_id)


class AssignmentCreated(Event):
    type: ClassVar[str] = "journal.assignment.created"
    assignment_id: UUID
    school_id: UUID
    lesson_id: UUID
    school_class_id: UUID
    subject_id: UUID
    assignment_type_id: UUID
    assignment_type: str
    weight: int
    mandatory: bool
    due_on: date | None

    def aggregate_id(self) -> str:
        return str(self.assignment_id)


class AssignmentChanged(AssignmentCreated):
    type: ClassVar[str] = "journal.assignment.changed"


class AssignmentRemoved(Event):
    type: ClassVar[str] = "journal.assignment.removed"
    assignment_id: UUID
    school_id: UUID
    lesson_id: UUID

    def aggregate_id(self) -> str:
        return str(self.assignment_id)


class CorrectionRequested(Event):
    type: ClassVar[str] = "journal.correction.requested"
    request_id: UUID
    school_id: UUID
    lesson_id: UUID
    student_id: UUID
    action: str
    requested_by: UUID

    def aggregate_id(self) -> str:
        return str(self.request_id)


class CorrectionDecided(Event):
    type: ClassVar[str] = "journal.correction.decided"
    request_id: UUID
    school_id: UUID
    lesson_id: UUID
    student_id: UUID
    action: str
    approved: bool
    requested_by: UUID
    decided_by: UUID

    def aggregate_id(self) -> str:
        return str(self.request_id)


# --- consumed: the roster replica ---------------------------------------------------------------

_GRANT_NAMESPACE = uuid5(NAMESPACE_URL, "sgo:journal:role_grant")


def role_grant_id(person_id: UUID, role: str, school_class_id: UUID | None) -> UUID:
    return uuid5(_GRANT_NAMESPACE, f"{person_id}:{role}:{school_class_id or '-'}")


def _uuid(payload: dict[str, Any], key: str) -> UUID | None:
    value = payload.get(key)
    return UUID(str(value)) if value else None


def _date(payload: dict[str, Any], key: str) -> date | None:
    value = payload.get(key)
    return date.fromisoformat(value) if value else None


async def on_school_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    school_id = UUID(p["school_id"])
    values = {
        "name": p["name"],
        "short_name": p.get("short_name") or "",
        "timezone": p.get("timezone") or "Asia/Tomsk",
    }
    stmt = insert(School).values(id=school_id, school_id=school_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
    await ensure_school_defaults(session, school_id)


async def on_academic_year_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    values = {
        "school_id": UUID(p["school_id"]),
        "name": p["name"],
        "starts_on": _date(p, "starts_on"),
        "ends_on": _date(p, "ends_on"),
    }
    stmt = insert(AcademicYear).values(id=UUID(p["academic_year_id"]), **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
    for period in p.get("study_periods") or []:
        period_values = {
            "school_id": values["school_id"],
            "academic_year_id": UUID(p["academic_year_id"]),
            "name": period["name"],
            "starts_on": _date(period, "starts_on"),
            "ends_on": _date(period, "ends_on"),
        }
        period_stmt = insert(StudyPeriod).values(
            id=UUID(period["study_period_id"]), **period_values
        )
        await session.execute(
            period_stmt.on_conflict_do_update(index_elements=["id"], set_=period_values)
        )


async def on_school_class_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    values = {
        "school_id": UUID(p["school_id"]),
        "academic_year_id": _uuid(p, "academic_year_id"),
        "grade_level": int(p["grade_level"]),
        "letter": p["letter"],
        "name": p.get("name") or f"{p['grade_level']}{p['letter']}",
    }
    stmt = insert(SchoolClass).values(id=UUID(p["school_class_id"]), **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))


async def on_class_teacher_assigned(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    class_id, person_id = UUID(p["school_class_id"]), UUID(p["person_id"])
    if not await is_latest(session, f"class_teacher:{class_id}", envelope):
        return
    result = await session.execute(
        update(SchoolClass).where(SchoolClass.id == class_id).values(class_teacher_id=person_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # The class has not arrived yet (another order on the wire): retry later.
        raise LookupError(f"school class {class_id} not in the replica yet")


async def on_person_registered(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    if not await is_latest(session, f"person:{p['person_id']}", envelope):
        return  # a late copy: the person was renamed or anonymised since
    values = {
        "school_id": UUID(p["school_id"]),
        "kind": p["kind"],
        "last_name": p["last_name"],
        "first_name": p["first_name"],
        "middle_name": p.get("middle_name"),
    }
    stmt = insert(Person).values(id=UUID(p["person_id"]), **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))


async def on_student_enrolled(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    person_id = UUID(p["person_id"])
    class_id = UUID(p["school_class_id"])
    if not await is_latest(session, f"enrolment:{person_id}", envelope):
        return  # a late copy: the student has moved or left since
    # A student belongs to one class at a time: an enrolment elsewhere is a transfer.
    await session.execute(
        delete(Enrolment).where(
            Enrolment.person_id == person_id, Enrolment.school_class_id != class_id
        )
    )
    values = {"school_id": UUID(p["school_id"]), "enrolled_on": _date(p, "enrolled_on")}
    stmt = insert(Enrolment).values(person_id=person_id, school_class_id=class_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["person_id", "school_class_id"], set_=values)
    )
    await _open_stay(session, person_id, class_id, values["school_id"], values["enrolled_on"])


async def on_guardianship_linked(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    values = {"school_id": UUID(p["school_id"]), "relation": p.get("relation")}
    stmt = insert(Guardianship).values(
        parent_id=UUID(p["parent_id"]), student_id=UUID(p["student_id"]), **values
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["parent_id", "student_id"], set_=values)
    )


async def on_role_granted(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    person_id, class_id = UUID(p["person_id"]), _uuid(p, "school_class_id")
    grant_id = role_grant_id(person_id, p["role"], class_id)
    if not await is_latest(session, f"grant:{grant_id}", envelope):
        return  # a late copy: the role was withdrawn since
    stmt = insert(RoleGrant).values(
        id=grant_id,
        school_id=UUID(p["school_id"]),
        person_id=person_id,
        role=p["role"],
        school_class_id=class_id,
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def on_role_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    person_id, class_id = UUID(p["person_id"]), _uuid(p, "school_class_id")
    grant_id = role_grant_id(person_id, p["role"], class_id)
    if await is_latest(session, f"grant:{grant_id}", envelope):
        await session.execute(delete(RoleGrant).where(RoleGrant.id == grant_id))
    if (
        p["role"] == "class_teacher"
        and class_id is not None
        and await is_latest(session, f"class_teacher:{class_id}", envelope)
    ):
        # The class's own pointer goes with the grant: no reading its journal afterwards.
        await session.execute(
            update(SchoolClass)
            .where(SchoolClass.id == class_id, SchoolClass.class_teacher_id == person_id)
            .values(class_teacher_id=None)
        )


async def on_person_renamed(session: AsyncSession, envelope: Envelope) -> None:
    """A corrected name, or «Обезличено …» once people anonymised the person."""
    p = envelope.payload
    person_id = UUID(p["person_id"])
    if await session.get(Person, person_id) is None:
        # Ahead of its registration (another order on the wire): retry later.
        raise LookupError(f"person {person_id} not in the replica yet")
    if not await is_latest(session, f"person:{person_id}", envelope):
        return
    await session.execute(
        update(Person)
        .where(Person.id == person_id)
        .values(
            last_name=p["last_name"],
            first_name=p["first_name"],
            middle_name=p.get("middle_name"),
        )
    )


async def on_student_left(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    if not await is_latest(session, f"enrolment:{p['person_id']}", envelope):
        return  # a late copy: the student has come back since
    await session.execute(
        delete(Enrolment).where(
            Enrolment.person_id == UUID(p["person_id"]),
            Enrolment.school_class_id == UUID(p["school_class_id"]),
        )
    )
    # The stay stays in the history: the class's past journal still lists the student.
    await session.execute(
        update(EnrolmentHistory)
        .where(
            EnrolmentHistory.person_id == UUID(p["person_id"]),
            EnrolmentHistory.school_class_id == UUID(p["school_class_id"]),
            EnrolmentHistory.left_on.is_(None),
        )
        .values(left_on=_date(p, "left_on"))
    )


# reads: enrolment history


async def _open_stay(
    session: AsyncSession,
    person_id: UUID,
    class_id: UUID,
    school_id: UUID,
    enrolled_on: date | None,
) -> None:
    """Close the stay in another class (a transfer or promotion) and open one in this class."""
    await session.execute(
        update(EnrolmentHistory)
        .where(
            EnrolmentHistory.person_id == person_id,
            EnrolmentHistory.school_class_id != class_id,
            EnrolmentHistory.left_on.is_(None),
        )
        .values(left_on=enrolled_on)
    )
    current = await session.scalar(
        select(EnrolmentHistory).where(
            EnrolmentHistory.person_id == person_id,
            EnrolmentHistory.school_class_id == class_id,
            EnrolmentHistory.left_on.is_(None),
        )
    )
    if current is not None:
        current.enrolled_on = enrolled_on  # a replayed or corrected enrolment
        return
    session.add(
        EnrolmentHistory(
            id=uuid4(),
            school_id=school_id,
            person_id=person_id,
            school_class_id=class_id,
            enrolled_on=enrolled_on,
        )
    )


async def on_subgroup_created(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    values = {
        "school_id": UUID(p["school_id"]),
        "school_class_id": UUID(p["school_class_id"]),
        "subject": p["subject"],
        "name": p["name"],
    }
    stmt = insert(Subgroup).values(id=UUID(p["subgroup_id"]), **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))


async def on_subgroup_members_changed(session: AsyncSession, envelope: Envelope) -> None:
    """The event carries the whole membership: replace it."""
    p = envelope.payload
    subgroup_id = UUID(p["subgroup_id"])
    if await session.get(Subgroup, subgroup_id) is None:
        raise LookupError(f"subgroup {subgroup_id} not in the replica yet")
    if not await is_latest(session, f"subgroup_members:{subgroup_id}", envelope):
        return  # a late copy: the membership was changed again since
    await session.execute(delete(SubgroupMember).where(SubgroupMember.subgroup_id == subgroup_id))
    members = [{"subgroup_id": subgroup_id, "student_id": UUID(s)} for s in p["student_ids"]]
    if members:
        await session.execute(insert(SubgroupMember).values(members).on_conflict_do_nothing())


SUBSCRIPTIONS: list[Subscription] = [
    Subscription(
        context="people",
        handlers={
            "people.school.created": on_school_created,
            "people.academic_year.created": on_academic_year_created,
            "people.school_class.created": on_school_class_created,
            "people.school_class.class_teacher_assigned": on_class_teacher_assigned,
            "people.person.registered": on_person_registered,
            "people.student.enrolled": on_student_enrolled,
            "people.student.left": on_student_left,
            "people.guardianship.linked": on_guardianship_linked,
            "people.role.granted": on_role_granted,
            "people.role.withdrawn": on_role_withdrawn,
            "people.person.renamed": on_person_renamed,
            "people.person.anonymised": on_person_renamed,
            "people.subgroup.created": on_subgroup_created,
            "people.subgroup.members_changed": on_subgroup_members_changed,
        },
    )
]
