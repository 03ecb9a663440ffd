"""Reports tables: projections of journal's and people's events, and their checkpoint.

Every projected row keeps the version of the event it was last written at (``version``, see
``services.reports.projection``): an event applies only over an older version, a removal is a
tombstone, so redelivered and reordered events converge on the same rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)


class SchoolClass(Base):
    """A class as people created it; the gateway joins its name, we keep it for checks."""

    __tablename__ = "school_class"

    school_class_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    academic_year_id: Mapped[UUID | None]
    grade_level: Mapped[int] = mapped_column(SmallInteger)
    letter: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # Who may read the class's figures besides the administration: people decides, not a token.
    class_teacher_id: Mapped[UUID | None]


class Mark(Base):
    """One current mark as the journal last described it (projection, rebuildable by replay).

    A change or removal can arrive before the mark's recording: the row is built from what it
    carries and completed when the recording comes, so descriptive columns are nullable."""

    __tablename__ = "mark"

    mark_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    subject_id: Mapped[UUID]
    subject_name: Mapped[str | None] = mapped_column(Text)
    student_id: Mapped[UUID]
    lesson_id: Mapped[UUID | None]
    teacher_id: Mapped[UUID | None]
    assignment_type: Mapped[str | None] = mapped_column(Text)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    weight: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    date: Mapped[date | None] = mapped_column(Date)
    # When the teacher recorded it (the recording's occurred_at): timeliness of marks.
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A tombstone, so a late redelivery of "recorded" cannot bring a removed mark back.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_mark_school_class_subject", "school_class_id", "subject_id"),)


class Checkpoint(Base):
    """How far a projection has got, written in the same transaction as its rows."""

    __tablename__ = "projection_checkpoint"

    projection: Mapped[str] = mapped_column(Text, primary_key=True)
    last_event_id: Mapped[UUID | None]
    last_occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by a rebuild, which reads stream sequences; live handling only sees envelopes.
    stream_seq: Mapped[int | None] = mapped_column(BigInteger)
    events_applied: Mapped[int] = mapped_column(Integer, default=0)
    rebuilt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# periods: the progress summary (сводная ведомость успеваемости), an archive kept 75 years


class ProgressSummaryMark(Base):
    """A student's term, year, exam or final mark as the journal last set it.

    Rows are never deleted: a removal is a tombstone, and once the year is closed nothing that
    happened after the closing changes them (the archive the regulation keeps for 75 years).
    """

    __tablename__ = "progress_summary_mark"
    __table_args__ = (
        Index("ix_progress_summary_class_year", "school_class_id", "academic_year_id"),
    )

    period_mark_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    academic_year_id: Mapped[UUID]
    study_period_id: Mapped[UUID | None]
    study_period_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)  # term | year | exam | final
    school_class_id: Mapped[UUID]
    subject_id: Mapped[UUID]
    subject_name: Mapped[str] = mapped_column(Text)
    student_id: Mapped[UUID]
    value: Mapped[int | None] = mapped_column(SmallInteger)
    special: Mapped[str | None] = mapped_column(Text)
    average: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    proposed: Mapped[int | None] = mapped_column(SmallInteger)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class ArchivedYear(Base):
    """A closed academic year: its summary is frozen from ``closed_at`` on."""

    __tablename__ = "archived_year"

    academic_year_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    closed_by: Mapped[UUID | None]
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # [{student_id, school_class_id, failed_subject_ids, not_attested_subject_ids}]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    subject_names: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)


# people's replicas: who is where, and since when


class Person(Base):
    """A person's name as people last recorded it (renamed and anonymised names replace it)."""

    __tablename__ = "person"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    first_name: Mapped[str | None] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class AcademicYear(Base):
    __tablename__ = "academic_year"

    academic_year_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class StudyPeriod(Base):
    __tablename__ = "study_period"

    study_period_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    academic_year_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class Enrolment(Base):
    """One stay of a student in a class: enrolment history and movement (arrivals, departures).

    Enrolment and leaving fill different columns, so they converge in any order."""

    __tablename__ = "enrolment"

    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_class_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # departure | graduation | transfer (to another class of the school)
    left_kind: Mapped[str | None] = mapped_column(Text)


class Subgroup(Base):
    """A subgroup's members as people last listed them: whose day a subgroup's lesson is."""

    __tablename__ = "subgroup"

    subgroup_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID | None]
    student_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), default=list)
    version: Mapped[int | None] = mapped_column(BigInteger)


class Guardianship(Base):
    __tablename__ = "guardianship"

    parent_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]


# journal's projections: teaching load, curriculum, lessons, attendance


class TeachingLoad(Base):
    """Who teaches what to which class: the subject teacher's reach in reports."""

    __tablename__ = "teaching_load"

    teaching_load_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    teacher_id: Mapped[UUID | None] = mapped_column(index=True)
    school_class_id: Mapped[UUID | None]
    subject_id: Mapped[UUID | None]
    subgroup_id: Mapped[UUID | None]
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class CurriculumHours(Base):
    """Hours a week of a subject in a class or a parallel (``scope``: class id or grade)."""

    __tablename__ = "curriculum_hours"

    academic_year_id: Mapped[UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[UUID] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID | None]
    grade_level: Mapped[int | None] = mapped_column(SmallInteger)
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Lesson(Base):
    """A lesson as scheduled, and when its topic, homework and register were first filled.

    The schedule (``version``) and the topic (``topic_version``) are separate states of one
    aggregate; the "first" times keep the earliest seen, so they converge in any order."""

    __tablename__ = "lesson"
    __table_args__ = (Index("ix_lesson_class_date", "school_class_id", "date"),)

    lesson_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID | None]
    subject_id: Mapped[UUID | None]
    subject_name: Mapped[str | None] = mapped_column(Text)
    subgroup_id: Mapped[UUID | None]
    teacher_id: Mapped[UUID | None]
    date: Mapped[date | None] = mapped_column(Date)
    number: Mapped[int | None] = mapped_column(SmallInteger)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int | None] = mapped_column(BigInteger)
    has_topic: Mapped[bool] = mapped_column(Boolean, default=False)
    has_homework: Mapped[bool] = mapped_column(Boolean, default=False)
    topic_version: Mapped[int | None] = mapped_column(BigInteger)
    topic_first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    homework_first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    register_first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attendance(Base):
    """One student's attendance on one lesson (the journal's aggregate); cleared: tombstone."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_class_date", "school_class_id", "date"),)

    lesson_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    subject_name: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date] = mapped_column(Date)
    lesson_number: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str | None] = mapped_column(Text)
    # absent_unknown | late | illness | excused | unexcused | exempt
    category: Mapped[str | None] = mapped_column(Text)
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
