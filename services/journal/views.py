"""What the journal's use cases and queries return to the schema (plain data, no rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID

from services.journal import domain
from services.journal.models import (
    Attendance,
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


def mark_view(m: Mark, weight: int) -> MarkView:
    return MarkView(
        m.id, m.lesson_id, m.assignment_id, m.student_id, m.value, weight, m.comment,
        m.created_by, m.created_at, m.updated_at,
    )  # fmt: skip


def attendance_view(a: Attendance) -> AttendanceView:
    # demo: a class teacher's reason (Б, УП, НП) reads as the absence it explains until the
    # attendance reads expose reasons.
    known = a.code in {c.value for c in domain.AttendanceCode}
    code = domain.AttendanceCode(a.code) if known else domain.AttendanceCode.ABSENT
    return AttendanceView(a.id, a.lesson_id, a.student_id, code, a.set_by, a.set_at)


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
