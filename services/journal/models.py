"""The journal's tables: the roster replica fed by people's events, and the journal itself."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)


# --- roster replica (written only by handlers of people's events) ---------------------------


class School(Base):
    __tablename__ = "school"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(unique=True)  # the same as id; every row carries it
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(Text, default="Asia/Tomsk")


class AcademicYear(Base):
    __tablename__ = "academic_year"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class SchoolClass(Base):
    __tablename__ = "school_class"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    academic_year_id: Mapped[UUID | None]
    name: Mapped[str] = mapped_column(Text)
    grade_level: Mapped[int] = mapped_column(SmallInteger)
    letter: Mapped[str] = mapped_column(Text)
    class_teacher_id: Mapped[UUID | None]


class Person(Base):
    __tablename__ = "person"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(Text)  # staff | student | parent
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)


class Enrolment(Base):
    __tablename__ = "enrolment"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_class_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    school_id: Mapped[UUID]
    enrolled_on: Mapped[date | None] = mapped_column(Date)


class Guardianship(Base):
    __tablename__ = "guardianship"

    parent_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    school_id: Mapped[UUID]
    relation: Mapped[str | None] = mapped_column(Text)


class RoleGrant(Base):
    __tablename__ = "role_grant"

    # uuid5 of (person, role, class): a grant has no id of its own in the contract.
    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    person_id: Mapped[UUID] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(Text)
    school_class_id: Mapped[UUID | None]


# --- the journal ------------------------------------------------------------------------------


class Subject(Base):
    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TeachingLoad(Base):
    __tablename__ = "teaching_load"
    __table_args__ = (UniqueConstraint("teacher_id", "school_class_id", "subject_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    teacher_id: Mapped[UUID]
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    assigned_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (
        Index("ix_lesson_class_date", "school_class_id", "date", "number"),
        Index("ix_lesson_teacher_date", "teacher_id", "date"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    teacher_id: Mapped[UUID]
    date: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(SmallInteger)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Mark(Base):
    __tablename__ = "mark"
    __table_args__ = (
        CheckConstraint("value BETWEEN 2 AND 5", name="value_scale"),
        Index("ix_mark_student_lesson", "student_id", "lesson_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"), index=True)
    student_id: Mapped[UUID]
    value: Mapped[int] = mapped_column(SmallInteger)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    comment: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[UUID | None]
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MarkHistory(Base):
    """Every change of a mark: who, when, what before and after (the regulation's audit)."""

    __tablename__ = "mark_history"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    # No foreign key: the history outlives a removed mark.
    mark_id: Mapped[UUID] = mapped_column(index=True)
    lesson_id: Mapped[UUID]
    student_id: Mapped[UUID]
    action: Mapped[str] = mapped_column(Text)  # recorded | changed | removed
    value_before: Mapped[int | None] = mapped_column(SmallInteger)
    value_after: Mapped[int | None] = mapped_column(SmallInteger)
    comment_before: Mapped[str | None] = mapped_column(Text)
    comment_after: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        Index("ix_attendance_student", "student_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"))
    student_id: Mapped[UUID]
    code: Mapped[str] = mapped_column(Text)
    set_by: Mapped[UUID | None]
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
