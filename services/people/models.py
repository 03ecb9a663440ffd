"""The people context's tables: schools, classes, persons, roles, consents, accounts, sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
    # quarters | trimesters | halves; NULL until the school sets it (then years are checked).
    study_period_kind: Mapped[str | None] = mapped_column(Text)
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
    # NULL only for a regional administrator: of the installation, of no school.
    school_id: Mapped[UUID | None] = mapped_column(ForeignKey("schools.id"))
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
    school_id: Mapped[UUID | None] = mapped_column()  # NULL: a regional administrator's
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    school_class_id: Mapped[UUID | None] = mapped_column(ForeignKey("school_classes.id"))
    granted_at: Mapped[datetime] = _now()
    granted_by: Mapped[UUID | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[UUID | None] = mapped_column()


class RoleAudit(Base):
    """Grants of roles that open special-category data (health, psychology, social status):
    who was given which role, by whom, when. Written with the grant, never changed."""

    __tablename__ = "role_audit"
    __table_args__ = (Index("ix_role_audit_school", "school_id", "granted_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    school_class_id: Mapped[UUID | None] = mapped_column()
    granted_by: Mapped[UUID | None] = mapped_column()
    granted_at: Mapped[datetime] = _now()


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
    school_id: Mapped[UUID | None] = mapped_column()  # NULL: a regional administrator's
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
    school_id: Mapped[UUID | None] = mapped_column()
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[UUID | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)


# --- personal data (152-FZ) ---------------------------------------------------------------


class PersonalData(Base):
    """A person's file beyond the name, sex and birth date kept on ``persons``."""

    __tablename__ = "personal_data"
    __table_args__ = (
        CheckConstraint(
            "document_kind IS NULL OR document_kind IN "
            "('passport_rf', 'birth_certificate', 'other')",
            name="document_kind",
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False, index=True)
    registration_address: Mapped[str | None] = mapped_column(Text)
    actual_address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    document_kind: Mapped[str | None] = mapped_column(Text)
    document_series: Mapped[str | None] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(Text)
    document_issued_by: Mapped[str | None] = mapped_column(Text)
    document_issued_on: Mapped[date | None] = mapped_column()
    snils: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _now()


class PersonalDataChange(Base):
    """The change log: one row per changed field (or one per anonymisation), never updated
    except to erase its values when the person is anonymised."""

    __tablename__ = "personal_data_changes"
    __table_args__ = (
        CheckConstraint("kind IN ('change', 'anonymisation')", name="kind"),
        Index("ix_personal_data_changes_school", "school_id", "id"),
        Index("ix_personal_data_changes_person", "person_id", "id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)  # UUIDv7: newest first is id order
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    field: Mapped[str] = mapped_column(Text, nullable=False)
    value_before: Mapped[str | None] = mapped_column(Text)
    value_after: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None] = mapped_column()  # null: the system (the schedule)
    changed_at: Mapped[datetime] = _now()
    note: Mapped[str | None] = mapped_column(Text)


class PersonalDataSettings(Base):
    """A school's own terms; a school without a row uses the defaults."""

    __tablename__ = "personal_data_settings"
    __table_args__ = (
        CheckConstraint("anonymise_after_days BETWEEN 0 AND 30", name="anonymise_after_days"),
    )

    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    anonymise_after_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class Anonymisation(Base):
    """A due (``done_at`` null) or performed anonymisation of one person."""

    __tablename__ = "anonymisations"
    __table_args__ = (
        Index("ix_anonymisations_due", "due_on", postgresql_where=text("done_at IS NULL")),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(nullable=False)
    scheduled_at: Mapped[datetime] = _now()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- organisation and movement ------------------------------------------------------------


class StaffRecord(Base):
    """A staff member's employment: position, hire and dismissal; kept after dismissal."""

    __tablename__ = "staff_records"
    __table_args__ = (
        Index("ix_staff_records_person", "person_id"),
        Index(
            "uq_staff_records_open",
            "person_id",
            unique=True,
            postgresql_where=text("dismissed_on IS NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    position: Mapped[str | None] = mapped_column(Text)
    hired_on: Mapped[date | None] = mapped_column()
    dismissed_on: Mapped[date | None] = mapped_column()
    dismissal_order: Mapped[str | None] = mapped_column(Text)
    dismissed_by: Mapped[UUID | None] = mapped_column()


class Subgroup(Base):
    __tablename__ = "subgroups"
    __table_args__ = (UniqueConstraint("school_class_id", "subject", "name"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    school_class_id: Mapped[UUID] = mapped_column(ForeignKey("school_classes.id"), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)


class SubgroupMember(Base):
    __tablename__ = "subgroup_members"
    __table_args__ = (
        # A student is in at most one subgroup per subject of a class.
        UniqueConstraint("school_class_id", "subject", "person_id"),
    )

    subgroup_id: Mapped[UUID] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    school_class_id: Mapped[UUID] = mapped_column(ForeignKey("school_classes.id"), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)


class Movement(Base):
    """One line of the movement book (книга движения учащихся), written with the change."""

    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('arrival', 'transfer', 'departure', 'promotion', 'graduation')",
            name="kind",
        ),
        Index("ix_movements_school_date", "school_id", "occurred_on"),
        Index("ix_movements_person", "person_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(ForeignKey("schools.id"), nullable=False)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    occurred_on: Mapped[date] = mapped_column(nullable=False)
    from_class_id: Mapped[UUID | None] = mapped_column(ForeignKey("school_classes.id"))
    to_class_id: Mapped[UUID | None] = mapped_column(ForeignKey("school_classes.id"))
    # The other school of an arrival or a departure: one of the installation's, or by name.
    other_school_id: Mapped[UUID | None] = mapped_column(ForeignKey("schools.id"))
    other_school_name: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    order_number: Mapped[str] = mapped_column(Text, nullable=False)
    order_date: Mapped[date] = mapped_column(nullable=False)
    recorded_by: Mapped[UUID | None] = mapped_column()
    recorded_at: Mapped[datetime] = _now()


# --- health, psychological and social data, their access log, data verification -----------
# Special-category data (152-FZ art. 10): one row per student, read and written only through
# the use cases in health.py / wellbeing.py, each of which writes a DataAccessEntry with it.


class HealthRecord(Base):
    __tablename__ = "health_records"
    __table_args__ = (
        CheckConstraint("health_group IN ('I', 'II', 'III', 'IV', 'V')", name="health_group"),
        CheckConstraint(
            "pe_group IN ('main', 'preparatory', 'special_a', 'special_b', 'exempt')",
            name="pe_group",
        ),
    )

    student_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False, index=True)
    health_group: Mapped[str | None] = mapped_column(Text)
    pe_group: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[UUID | None] = mapped_column()


class HealthCondition(Base):
    __tablename__ = "health_conditions"
    __table_args__ = (
        Index("ix_health_conditions_student", "student_id"),
        CheckConstraint("since IS NULL OR until IS NULL OR since <= until", name="dates"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    student_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    since: Mapped[date | None] = mapped_column()
    until: Mapped[date | None] = mapped_column()
    recorded_at: Mapped[datetime] = _now()
    recorded_by: Mapped[UUID | None] = mapped_column()


class PeTeacherAssignment(Base):
    """«Учитель физической культуры класса»: who may see the class's PE groups."""

    __tablename__ = "pe_teacher_assignments"
    __table_args__ = (
        Index(
            "uq_pe_teacher_assignments_active",
            "school_class_id",
            "teacher_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        Index("ix_pe_teacher_assignments_teacher", "teacher_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    school_class_id: Mapped[UUID] = mapped_column(ForeignKey("school_classes.id"), nullable=False)
    teacher_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    assigned_at: Mapped[datetime] = _now()
    assigned_by: Mapped[UUID | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[UUID | None] = mapped_column()


class WellbeingProfile(Base):
    """Psychological and pedagogical characteristics and social status of a student."""

    __tablename__ = "wellbeing_profiles"

    student_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False, index=True)
    characteristics: Mapped[str | None] = mapped_column(Text)
    social_statuses: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[UUID | None] = mapped_column()


class DeviantBehaviourRecord(Base):
    __tablename__ = "deviant_behaviour_records"
    __table_args__ = (Index("ix_deviant_behaviour_records_student", "student_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    student_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    occurred_on: Mapped[date] = mapped_column(nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = _now()
    recorded_by: Mapped[UUID | None] = mapped_column()


class DataAccessEntry(Base):
    """One read or write of special-category data: who, when, whose, which section, which
    field; a write keeps the values before and after (never served to the log's readers)."""

    __tablename__ = "data_access_log"
    __table_args__ = (
        CheckConstraint("action IN ('read', 'write')", name="action"),
        Index("ix_data_access_log_school", "school_id", "id"),
        Index("ix_data_access_log_subject", "subject_id", "id"),
        Index("ix_data_access_log_actor", "actor_id", "id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)  # UUIDv7: newest first is id DESC
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    actor_id: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    actor_role: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    section: Mapped[str] = mapped_column(Text, nullable=False)
    field: Mapped[str] = mapped_column(Text, nullable=False)
    changes: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ClassDataConfirmation(Base):
    """The class teacher's confirmation that the class's student and parent data is right."""

    __tablename__ = "class_data_confirmations"
    __table_args__ = (
        Index("ix_class_data_confirmations_class", "school_class_id", "confirmed_on"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False)
    school_class_id: Mapped[UUID] = mapped_column(ForeignKey("school_classes.id"), nullable=False)
    confirmed_by: Mapped[UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    confirmed_on: Mapped[date] = mapped_column(nullable=False)  # the school's day


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
    school_id: Mapped[UUID | None] = mapped_column()
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


# periods: each student's year results, as the journal reported them when it closed the year


class YearResult(Base):
    """A student's result of a closed year: the subjects failed or not attested (academic debt,
    273-FZ art. 58), named as the journal named them, for the promotion to propose from."""

    __tablename__ = "year_results"

    academic_year_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(nullable=False, index=True)
    school_class_id: Mapped[UUID] = mapped_column(nullable=False)
    failed_subjects: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    not_attested_subjects: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
