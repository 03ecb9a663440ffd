"""The people context's tables: schools, classes, persons, roles, consents, accounts, sessions."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class School(Base):
    __tablename__ = "schools"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # Equal to id: every row of the context carries its school, this one too.
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    short_name: Mapped[str] = mapped_column(Text, nullable=False)
    timezone: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()


class AcademicYear(Base):
    __tablename__ = "academic_years"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("starts_on < ends_on", name="dates"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date] = mapped_column(nullable=False)


class StudyPeriod(Base):
    __tablename__ = "study_periods"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    academic_year_id: Mapped[UUID] = mapped_column(
        ForeignKey("academic_years.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date] = mapped_column(nullable=False)


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint("kind IN ('staff', 'student', 'parent')", name="kind"),
        CheckConstraint("sex IS NULL OR sex IN ('male', 'female')", name="sex"),
        Index("ix_persons_school_kind", "school_id", "kind"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    middle_name: Mapped[str | None] = mapped_column(Text)
    sex: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = _now()


class SchoolClass(Base):
    __tablename__ = "school_classes"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "name"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
        Index("ix_school_classes_school", "school_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    academic_year_id: Mapped[UUID] = mapped_column(ForeignKey("academic_years.id"), nullable=False)
    grade_level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    letter: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    class_teacher_id: Mapped[UUID | None] = mapped_column(ForeignKey("persons.id"))


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ix_enrolments_class", "school_class_id"),
        # At most one open enrolment per student: a transfer closes the old one first.
        Index(
            "uq_enrolments_open",
            "person_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    school_class_id: Mapped[UUID] = mapped_column(ForeignKey("school_classes.id"), nullable=False)
    enrolled_on: Mapped[date] = mapped_column(nullable=False)
    left_on: Mapped[date | None] = mapped_column()


class Guardianship(Base):
    __tablename__ = "guardianships"
    __table_args__ = (
        UniqueConstraint("parent_id", "student_id"),
        Index("ix_guardianships_student", "student_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    parent_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    student_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    relation: Mapped[str] = mapped_column(Text, nullable=False)


class RoleGrantRow(Base):
    __tablename__ = "role_grants"
    __table_args__ = (
        Index("ix_role_grants_person", "person_id"),
        # One active grant per (person, role, class); NULLS NOT DISTINCT needs PostgreSQL 15.
        Index(
            "uq_role_grants_active",
            "person_id",
            "role",
            "school_class_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    school_class_id: Mapped[UUID | None] = mapped_column(ForeignKey("school_classes.id"))
    granted_at: Mapped[datetime] = _now()
    granted_by: Mapped[UUID | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[UUID | None] = mapped_column()


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_subject", "subject_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    given_by_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recorded_by: Mapped[UUID | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The document itself (заявление, согласие, доверенность…), its number and date.
    document_kind: Mapped[str | None] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(Text)
    document_date: Mapped[date | None] = mapped_column()
    withdrawn_by: Mapped[UUID | None] = mapped_column()
    withdrawal_document: Mapped[str | None] = mapped_column(Text)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False, unique=True)
    login: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    must_change_password: Mapped[bool] = mapped_column(nullable=False, default=True)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = _now()
    # Why blocked: "administrator", or "consent_withdrawn" (lifted when credentials are re-issued).
    blocked_reason: Mapped[str | None] = mapped_column(Text)


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_open", "account_id", postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[UUID | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)


class PasswordPolicyRow(Base):
    """A school's password policy; without a row the defaults of ``password_policy`` apply."""

    __tablename__ = "password_policies"

    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    min_length: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    history_size: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    max_age_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    expiry_warning_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[UUID | None] = mapped_column()


class PasswordHistory(Base):
    """Hashes of an account's earlier passwords, for the "not reused" rule."""

    __tablename__ = "password_history"
    __table_args__ = (Index("ix_password_history_account", "account_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AddressThrottleRow(Base):
    """Failed logins from one client address in the current window, across all accounts."""

    __tablename__ = "login_address_throttles"

    address: Mapped[str] = mapped_column(Text, primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    failures: Mapped[int] = mapped_column(nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
