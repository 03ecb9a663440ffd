"""Messaging tables: the directory replica built from people's events, absences and notices."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, DateTime, Index, Integer, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)


class Person(Base):
    """Who is who, as people last told us."""

    __tablename__ = "person"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)


class Enrolment(Base):
    """The class a student currently studies in (the latest enrolment wins)."""

    __tablename__ = "enrolment"

    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    enrolled_on: Mapped[date | None] = mapped_column(Date)


class Guardianship(Base):
    __tablename__ = "guardianship"

    parent_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    relation: Mapped[str | None] = mapped_column(Text)


class ClassTeacher(Base):
    __tablename__ = "class_teacher"

    school_class_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    person_id: Mapped[UUID] = mapped_column(index=True)


class Absence(Base):
    """The latest attendance record per lesson and student, kept to notify parents linked later."""

    __tablename__ = "absence"

    attendance_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    source_event_id: Mapped[UUID]
    student_id: Mapped[UUID]
    lesson_id: Mapped[UUID | None]
    subject_name: Mapped[str] = mapped_column(Text)
    lesson_date: Mapped[date] = mapped_column(Date)
    lesson_number: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_absence_student_recorded", "student_id", "recorded_at"),)


class Notice(Base):
    """A system notice to one person (an absence told to a parent)."""

    __tablename__ = "notice"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    recipient_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_id"),
        Index("ix_notice_recipient_created", "recipient_id", "created_at"),
    )
