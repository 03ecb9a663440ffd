"""Reports tables: the marks projection, its checkpoint and the school class replica."""

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
)
from sqlalchemy.dialects.postgresql import JSONB
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
    """One current mark as the journal last described it (projection, rebuildable by replay)."""

    __tablename__ = "mark"

    mark_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    subject_id: Mapped[UUID]
    subject_name: Mapped[str] = mapped_column(Text)
    student_id: Mapped[UUID]
    value: Mapped[int] = mapped_column(SmallInteger)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    date: Mapped[date] = mapped_column(Date)
    # A tombstone, so a late redelivery of "recorded" cannot bring a removed mark back.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the event last applied to this row happened; older events do not overwrite it.
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

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
