"""The journal's tables: the roster replica fed by people's events, and the journal itself."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.convergence import applied_version_table
from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)
applied_version = applied_version_table(Base.metadata)


def _now() -> Mapped[datetime]:
    """A timestamp column the database fills in when the row is written."""
    return mapped_column(DateTime(timezone=True), server_default=func.now())


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


class StudyPeriod(Base):
    """A term (четверть, триместр, полугодие) of an academic year, from people's year event."""

    __tablename__ = "study_period"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    academic_year_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class Subgroup(Base):
    """A class's subgroup for one subject (people names the subject in words)."""

    __tablename__ = "subgroup"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    subject: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)


class SubgroupMember(Base):
    __tablename__ = "subgroup_member"

    subgroup_id: Mapped[UUID] = mapped_column(
        ForeignKey("subgroup.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)


# --- the school's journal settings and dictionaries ---------------------------------------------


class JournalSettings(Base):
    """One row per school, created with the school's defaults when the school arrives."""

    __tablename__ = "journal_settings"

    school_id: Mapped[UUID] = mapped_column(primary_key=True)
    # Marks and attendance older than this many days after the lesson are locked for teachers.
    lock_days: Mapped[int] = mapped_column(SmallInteger, default=10, server_default="10")
    # Term mark thresholds: the weighted average from which 5, 4 and 3 are proposed.
    threshold_5: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("4.65"))
    threshold_4: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("3.65"))
    threshold_3: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("2.65"))
    # Roles whose holders decide correction requests (Role values).
    correction_approvers: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=lambda: ["deputy_director_quality", "director"]
    )
    # When the school day ends for the unresolved-absence control (school's local time).
    day_ends_at: Mapped[time] = mapped_column(Time, default=time(18, 0))
    max_file_bytes: Mapped[int] = mapped_column(BigInteger, default=10 * 1024 * 1024)
    updated_by: Mapped[UUID | None]
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AssignmentType(Base):
    __tablename__ = "assignment_type"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    # The type a mark given without an assignment goes to ("ответ на уроке").
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class AttendanceCodeEntry(Base):
    """A school's attendance code: ОТ, ОП, Б, УП, НП, ОСВ by default, each with a category."""

    __tablename__ = "attendance_code"
    __table_args__ = (UniqueConstraint("school_id", "code"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    # absent_unknown | late | illness | excused | unexcused | exempt (domain.AttendanceCategory)
    category: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


# --- the journal ------------------------------------------------------------------------------


class Subject(Base):
    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CurriculumHours(Base):
    """The curriculum's hours a week of a subject for one class or a whole parallel."""

    __tablename__ = "curriculum_hours"
    __table_args__ = (
        UniqueConstraint(
            "academic_year_id", "subject_id", "grade_level", "school_class_id",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint(
            "(grade_level IS NULL) <> (school_class_id IS NULL)", name="class_or_parallel"
        ),
    )  # fmt: skip

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    academic_year_id: Mapped[UUID]
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    grade_level: Mapped[int | None] = mapped_column(SmallInteger)
    school_class_id: Mapped[UUID | None]
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    updated_by: Mapped[UUID | None]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TeachingLoad(Base):
    __tablename__ = "teaching_load"
    __table_args__ = (
        UniqueConstraint(
            "teacher_id", "school_class_id", "subject_id", "subgroup_id",
            postgresql_nulls_not_distinct=True,
        ),
    )  # fmt: skip

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    teacher_id: Mapped[UUID] = mapped_column(index=True)
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    # A load for one subgroup only; NULL means the whole class.
    subgroup_id: Mapped[UUID | None]
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    assigned_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BellSchedule(Base):
    """When each lesson number starts and ends (the school's bells)."""

    __tablename__ = "bell_schedule"
    __table_args__ = (
        UniqueConstraint("school_id", "number"),
        CheckConstraint("starts_at < ends_at", name="order"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    number: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class TimetableEntry(Base):
    """One slot of a class's weekly timetable, valid over a range of dates."""

    __tablename__ = "timetable_entry"
    __table_args__ = (
        Index("ix_timetable_class_day", "school_class_id", "weekday", "number"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    academic_year_id: Mapped[UUID | None]
    school_class_id: Mapped[UUID]
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: 1 Monday .. 7 Sunday
    number: Mapped[int] = mapped_column(SmallInteger)
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    teacher_id: Mapped[UUID]
    subgroup_id: Mapped[UUID | None]
    room: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_by: Mapped[UUID | None]
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
    subgroup_id: Mapped[UUID | None]
    room: Mapped[str | None] = mapped_column(Text)
    # The timetable slot it was generated from; NULL for a lesson added by hand.
    timetable_entry_id: Mapped[UUID | None]
    date: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(SmallInteger)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    # A one-off change may cancel a lesson; cancelled lessons stay for the record.
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    register_taken_by: Mapped[UUID | None]
    register_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # timetable: why and by whom a lesson was cancelled (the record stays)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[UUID | None]
    # The date the timetable put a generated lesson on: a moved lesson keeps it, so generating
    # again does not put the lesson back on its old day.
    timetable_date: Mapped[date | None] = mapped_column(Date)
    # lessons: when the lesson first got its topic (it was held), and who gave it.
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    held_by: Mapped[UUID | None]


class Substitution(Base):
    """A lesson given by another teacher than planned (the substitution log)."""

    __tablename__ = "substitution"

    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"), primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    substitute_id: Mapped[UUID] = mapped_column(index=True)
    absent_teacher_id: Mapped[UUID]
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[UUID | None]
    recorded_at: Mapped[datetime] = _now()


class HomeworkFile(Base):
    __tablename__ = "homework_file"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    storage_key: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[UUID | None]
    uploaded_at: Mapped[datetime] = _now()


class ClassEvent(Base):
    """A class teacher's event over one or more days (субботник, родительское собрание …)."""

    __tablename__ = "class_event"
    __table_args__ = (
        Index("ix_class_event_class_dates", "school_class_id", "starts_on", "ends_on"),
        CheckConstraint("starts_on <= ends_on", name="order"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(Text)  # domain.ClassEventKind
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time | None] = mapped_column(Time)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Assignment(Base):
    """Work marked in a lesson: a type (its weight), a topic, maybe mandatory by a date."""

    __tablename__ = "assignment"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"), index=True)
    assignment_type_id: Mapped[UUID] = mapped_column(ForeignKey("assignment_type.id"))
    topic: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    # A mandatory assignment unmarked after its due date is a debt («точка»).
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Mark(Base):
    __tablename__ = "mark"
    __table_args__ = (
        CheckConstraint("value BETWEEN 2 AND 5", name="value_scale"),
        UniqueConstraint("assignment_id", "student_id"),
        Index("ix_mark_student_lesson", "student_id", "lesson_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"), index=True)
    assignment_id: Mapped[UUID] = mapped_column(ForeignKey("assignment.id"))
    student_id: Mapped[UUID]
    value: Mapped[int] = mapped_column(SmallInteger)
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
    assignment_id: Mapped[UUID | None]
    student_id: Mapped[UUID]
    action: Mapped[str] = mapped_column(Text)  # recorded | changed | removed
    value_before: Mapped[int | None] = mapped_column(SmallInteger)
    value_after: Mapped[int | None] = mapped_column(SmallInteger)
    comment_before: Mapped[str | None] = mapped_column(Text)
    comment_after: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when the change was applied from an approved correction request.
    correction_request_id: Mapped[UUID | None]


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
    code: Mapped[str] = mapped_column(Text)  # a code of the school's dictionary
    set_by: Mapped[UUID | None]
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AttendanceHistory(Base):
    """Every change of a student's attendance on a lesson (who, when, before, after)."""

    __tablename__ = "attendance_history"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(index=True)
    student_id: Mapped[UUID]
    code_before: Mapped[str | None] = mapped_column(Text)
    code_after: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    correction_request_id: Mapped[UUID | None]


class CorrectionRequest(Base):
    """A teacher's request to change a locked mark or attendance, decided by the administration."""

    __tablename__ = "correction_request"
    __table_args__ = (Index("ix_correction_request_status", "school_id", "status"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    lesson_id: Mapped[UUID] = mapped_column(ForeignKey("lesson.id"))
    student_id: Mapped[UUID]
    # What to apply: record_mark | change_mark | remove_mark | set_attendance | clear_attendance
    action: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="pending")  # pending|approved|rejected
    requested_by: Mapped[UUID]
    requested_at: Mapped[datetime] = _now()
    decided_by: Mapped[UUID | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)


class PeriodMark(Base):
    """A term, year, exam or final mark of a student in a subject."""

    __tablename__ = "period_mark"
    __table_args__ = (
        UniqueConstraint(
            "student_id", "subject_id", "academic_year_id", "kind", "study_period_id",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("value IS NULL OR value BETWEEN 2 AND 5", name="value_scale"),
        CheckConstraint("(value IS NULL) <> (special IS NULL)", name="value_or_special"),
        Index("ix_period_mark_class", "school_class_id", "subject_id", "academic_year_id"),
    )  # fmt: skip

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    academic_year_id: Mapped[UUID]
    # Set for a term mark; NULL for year, exam and final marks.
    study_period_id: Mapped[UUID | None]
    kind: Mapped[str] = mapped_column(Text)  # term | year | exam | final
    school_class_id: Mapped[UUID]
    subject_id: Mapped[UUID] = mapped_column(ForeignKey("subject.id"))
    student_id: Mapped[UUID]
    value: Mapped[int | None] = mapped_column(SmallInteger)
    special: Mapped[str | None] = mapped_column(Text)  # not_attested | pass | fail | exempt
    # What the rules proposed when it was set (the average and its rounding), for the reports.
    average: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    proposed: Mapped[int | None] = mapped_column(SmallInteger)
    set_by: Mapped[UUID | None]
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PeriodMarkHistory(Base):
    __tablename__ = "period_mark_history"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    period_mark_id: Mapped[UUID] = mapped_column(index=True)
    value_before: Mapped[int | None] = mapped_column(SmallInteger)
    special_before: Mapped[str | None] = mapped_column(Text)
    value_after: Mapped[int | None] = mapped_column(SmallInteger)
    special_after: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class YearClosing(Base):
    """A closed academic year: its journal is read-only from then on."""

    __tablename__ = "year_closing"

    academic_year_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    closed_by: Mapped[UUID | None]
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- attendance: the end-of-day control ---------------------------------------------------------


class AbsenceControl(Base):
    """A school day whose end-of-day check of unresolved absences has run (once per day)."""

    __tablename__ = "absence_control"

    school_id: Mapped[UUID] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    # How many ОТ marks were still without a reason when the check ran.
    unresolved: Mapped[int] = mapped_column(SmallInteger, default=0)
    checked_at: Mapped[datetime] = _now()


# --- reads: enrolment history (a past year's diary and class journal) --------------------------


class EnrolmentHistory(Base):
    """Every stay of a student in a class: `enrolment` keeps only the current one.

    A stay runs from ``enrolled_on`` (NULL: from the start) up to, not including, ``left_on``
    (NULL: still there); a transfer closes the old stay on the day the new one starts.
    """

    __tablename__ = "enrolment_history"
    __table_args__ = (
        Index("ix_enrolment_history_person", "person_id", "enrolled_on"),
        Index("ix_enrolment_history_class", "school_class_id", "enrolled_on"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    person_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


# reads: debts look up only the mandatory assignments of a page's lessons
Index(
    "ix_assignment_mandatory_lesson",
    Assignment.lesson_id,
    Assignment.due_on,
    postgresql_where=Assignment.mandatory,
)
