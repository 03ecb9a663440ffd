"""What the journal's use cases and queries return to the schema (plain data, no rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from services.journal import domain
from services.journal.domain import attendance as domain_attendance
from services.journal.models import (
    Attendance,
    AttendanceCodeEntry,
    ClassEvent,
    Lesson,
    Mark,
)

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
    # curriculum: a load for one subgroup, and its hours a week
    subgroup_id: UUID | None = None
    hours_per_week: Decimal | None = None


@dataclass(frozen=True)
class MarkView:
    id: UUID
    lesson_id: UUID
    assignment_id: UUID
    student_id: UUID
    value: int
    weight: int  # the assignment type's weight
    comment: str | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class AttendanceView:
    id: UUID
    lesson_id: UUID
    student_id: UUID
    code: str  # a code of the school's dictionary
    set_by: UUID | None
    set_at: datetime
    label: str = ""
    category: domain.AttendanceCategory = domain.AttendanceCategory.ABSENT_UNKNOWN


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
    # reads: the class's events that day and the debts for that day's lessons
    class_events: list[ClassEventView] = field(default_factory=list)
    debts: list[DebtView] = field(default_factory=list)


@dataclass(frozen=True)
class ClassJournalView:
    school_class_id: UUID
    subject_id: UUID
    student_ids: list[UUID]
    lessons: list[LessonView]
    # reads: per student, the average over the page and the debts
    rows: list[ClassJournalRowView] = field(default_factory=list)


def mark_view(m: Mark, weight: int) -> MarkView:
    return MarkView(
        m.id, m.lesson_id, m.assignment_id, m.student_id, m.value, weight, m.comment,
        m.created_by, m.created_at, m.updated_at,
    )  # fmt: skip


def attendance_view(a: Attendance, label: str | None, category: str | None) -> AttendanceView:
    """Label and category from the school's dictionary; the defaults' if it lacks the code."""
    if label is None or category is None:
        default = domain_attendance.default_entry(a.code)
        label, category = default.label, default.category.value
    return AttendanceView(
        a.id, a.lesson_id, a.student_id, a.code, a.set_by, a.set_at, label,
        domain.AttendanceCategory(category),
    )  # fmt: skip


def lesson_view(row: Lesson) -> LessonView:
    return LessonView(
        row.id, row.school_class_id, row.subject_id, row.teacher_id, row.date, row.number,
        row.topic, row.homework,
    )  # fmt: skip


@dataclass(frozen=True)
class ClassEventView:
    id: UUID
    school_class_id: UUID
    kind: domain.ClassEventKind
    title: str
    description: str | None
    place: str | None
    starts_on: date
    ends_on: date
    starts_at: time | None
    created_by: UUID | None


def class_event_view(e: ClassEvent) -> ClassEventView:
    return ClassEventView(
        e.id, e.school_class_id, domain.ClassEventKind(e.kind), e.title, e.description, e.place,
        e.starts_on, e.ends_on, e.starts_at, e.created_by,
    )  # fmt: skip


# --- curriculum, bells, timetable ---------------------------------------------------------------


@dataclass(frozen=True)
class CurriculumHoursView:
    id: UUID
    academic_year_id: UUID
    subject_id: UUID
    grade_level: int | None
    school_class_id: UUID | None
    hours_per_week: Decimal


@dataclass(frozen=True)
class BellView:
    number: int
    starts_at: time
    ends_at: time


@dataclass(frozen=True)
class TimetableEntryView:
    id: UUID
    school_class_id: UUID
    weekday: int
    number: int
    subject_id: UUID
    teacher_id: UUID
    subgroup_id: UUID | None
    room: str | None
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class GeneratedLessonsView:
    created: int
    kept: int
    days: int


# --- lessons: homework files and substitutions ---------------------------------------------------


@dataclass(frozen=True)
class HomeworkFileView:
    id: UUID
    lesson_id: UUID
    name: str
    content_type: str
    size: int
    uploaded_by: UUID | None
    uploaded_at: datetime


@dataclass(frozen=True)
class SubstitutionView:
    lesson_id: UUID
    school_class_id: UUID
    subject_id: UUID
    date: date
    number: int
    substitute_id: UUID
    absent_teacher_id: UUID
    reason: str | None
    recorded_by: UUID | None
    recorded_at: datetime


# --- attendance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceCodeView:
    id: UUID
    code: str
    label: str
    category: domain.AttendanceCategory
    position: int
    archived: bool


def attendance_code_view(e: AttendanceCodeEntry) -> AttendanceCodeView:
    return AttendanceCodeView(
        e.id, e.code, e.label, domain.AttendanceCategory(e.category), e.position, e.archived
    )


@dataclass(frozen=True)
class RegisterView:
    lesson_id: UUID
    taken_by: UUID | None
    taken_at: datetime | None
    attendance: list[AttendanceView]


@dataclass(frozen=True)
class ResolutionView:
    student_id: UUID
    date: date
    code: str
    lesson_ids: list[UUID]


@dataclass(frozen=True)
class DayLessonView:
    """A lesson of a class's day, as the class teacher's day sheet shows it."""

    id: UUID
    number: int
    subject_id: UUID
    subgroup_id: UUID | None
    cancelled: bool
    register_taken_at: datetime | None


@dataclass(frozen=True)
class ClassAttendanceView:
    school_class_id: UUID
    date: date
    student_ids: list[UUID]
    lessons: list[DayLessonView]
    attendance: list[AttendanceView]


@dataclass(frozen=True)
class UnresolvedStudentView:
    student_id: UUID
    lesson_ids: list[UUID]
    lesson_numbers: list[int]


@dataclass(frozen=True)
class UnresolvedClassView:
    school_class_id: UUID
    class_teacher_id: UUID | None
    students: list[UnresolvedStudentView]


@dataclass(frozen=True)
class AttendanceSummaryView:
    student_id: UUID | None  # None: the whole class
    school_class_id: UUID | None
    count: domain_attendance.AttendanceCount


# --- reads: debts and the class journal's rows ----------------------------------------------------


@dataclass(frozen=True)
class DebtView:
    assignment_id: UUID
    topic: str | None
    assignment_type: str
    lesson: LessonView
    subject_id: UUID
    due_on: date
    student_id: UUID


@dataclass(frozen=True)
class ClassJournalRowView:
    student_id: UUID
    average: Decimal | None
    debts: list[DebtView]
