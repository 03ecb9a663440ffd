"""Messaging tables: the replica of people's and journal's events, notices, and the mail.

Every replica row keeps ``version``: the publisher's ``sequence`` of the event that last wrote
it. An event is applied only over an older version, and a removal leaves its row behind with
``active = false`` (a tombstone), so events that arrive out of order converge on the same rows.
"""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox, inbox = event_tables(Base.metadata)


def _version() -> Mapped[int]:
    return mapped_column(BigInteger, server_default="0", default=0)


def _active() -> Mapped[bool]:
    return mapped_column(Boolean, server_default=text("true"), default=True)


# --- the replica ------------------------------------------------------------------------------


class Person(Base):
    """Who is who, as people last told us (``kind`` unknown while only a rename has arrived)."""

    __tablename__ = "person"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = _version()


class SchoolClass(Base):
    __tablename__ = "school_class"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    grade_level: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = _version()


class RoleGrant(Base):
    """A role a person holds in the school (``school_class_id`` for a class teacher's)."""

    __tablename__ = "role_grant"

    id: Mapped[UUID] = mapped_column(primary_key=True)  # derived from person, role and class
    school_id: Mapped[UUID] = mapped_column(index=True)
    person_id: Mapped[UUID] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(Text)
    school_class_id: Mapped[UUID | None]
    active: Mapped[bool] = _active()
    version: Mapped[int] = _version()


class Enrolment(Base):
    """The class a student currently studies in; a departure leaves ``active = false``."""

    __tablename__ = "enrolment"

    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = _active()
    version: Mapped[int] = _version()


class Guardianship(Base):
    __tablename__ = "guardianship"

    parent_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    relation: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = _version()


class ClassTeacher(Base):
    """The class teacher of a class; a withdrawn grant leaves ``active = false``."""

    __tablename__ = "class_teacher"

    school_class_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    person_id: Mapped[UUID] = mapped_column(index=True)
    active: Mapped[bool] = _active()
    version: Mapped[int] = _version()


class TeachingLoad(Base):
    """Who teaches which subject in which class, from the journal."""

    __tablename__ = "teaching_load"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    teacher_id: Mapped[UUID] = mapped_column(index=True)
    school_class_id: Mapped[UUID] = mapped_column(index=True)
    subject_id: Mapped[UUID]
    subgroup_id: Mapped[UUID | None]
    active: Mapped[bool] = _active()
    version: Mapped[int] = _version()


class Subject(Base):
    __tablename__ = "subject"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = _version()


# --- absences and notices ---------------------------------------------------------------------


class Absence(Base):
    """The latest attendance record per lesson and student, kept to notify parents linked later;
    a cleared record stays as a tombstone (``cleared``)."""

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
    cleared: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    version: Mapped[int] = _version()

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
    # What the notice is about, for the client to open: "lesson:<id>", "class_event:<id>" …
    link: Mapped[str | None] = mapped_column(Text)
    # Chosen by the recipient for this kind: kept for the day's digest, not pushed at once.
    digest: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)

    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_id"),
        Index("ix_notice_recipient_created", "recipient_id", "created_at"),
    )


# --- mail ---------------------------------------------------------------------------------------


class MailRule(Base):
    """Who may write to whom: ``school_id`` null is the default, a school's row overrides it."""

    __tablename__ = "mail_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[UUID | None]
    sender_group: Mapped[str] = mapped_column(Text)
    relation: Mapped[str] = mapped_column(Text)
    allowed: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index(
            "uq_mail_rule_scope",
            text("coalesce(school_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            "sender_group",
            "relation",
            unique=True,
        ),
    )


class Message(Base):
    """A letter: a draft until sent; its text is read only by its sender and recipients."""

    __tablename__ = "message"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    sender_id: Mapped[UUID]
    thread_id: Mapped[UUID] = mapped_column(index=True)
    in_reply_to_id: Mapped[UUID | None]
    forwarded_from_id: Mapped[UUID | None]
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # A draft keeps its intended recipients here; a sent letter's are its deliveries.
    draft_to: Mapped[list[UUID] | None] = mapped_column(ARRAY(Uuid))
    draft_cc: Mapped[list[UUID] | None] = mapped_column(ARRAY(Uuid))
    about_student_id: Mapped[UUID | None]
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    recipient_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    # A letter asking to confirm (a trip's consent) until this moment.
    confirm_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sender_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('russian', subject || ' ' || body)", persisted=True),
        deferred=True,
    )

    __table_args__ = (
        Index("ix_message_sender_sent", "sender_id", "sent_at"),
        Index("ix_message_search", "search", postgresql_using="gin"),
    )


class Delivery(Base):
    """One recipient's copy of a letter: to or cc, the sender's rank fixed at delivery, the child
    a parent is written to about, read and deleted marks of this recipient only."""

    __tablename__ = "delivery"

    message_id: Mapped[UUID] = mapped_column(primary_key=True)
    recipient_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    copy: Mapped[str] = mapped_column(Text)  # to | cc
    sender_rank: Mapped[int] = mapped_column(SmallInteger)
    child_id: Mapped[UUID | None]
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_delivery_recipient_inbox", "recipient_id", "delivered_at"),)


class MessageAudience(Base):
    """An audience a letter was sent to, as resolved then: kept for the audit."""

    __tablename__ = "message_audience"

    message_id: Mapped[UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    school_class_id: Mapped[UUID | None]
    subject_id: Mapped[UUID | None]
    label: Mapped[str] = mapped_column(Text)
    member_count: Mapped[int] = mapped_column(Integer)
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Confirmation(Base):
    """A letter that asks its recipients to confirm (a trip's consent): one row per recipient
    and child concerned, confirmed once."""

    __tablename__ = "confirmation"

    message_id: Mapped[UUID] = mapped_column(primary_key=True)
    recipient_id: Mapped[UUID] = mapped_column(primary_key=True)
    child_key: Mapped[UUID] = mapped_column(primary_key=True)  # the child, or the recipient
    child_id: Mapped[UUID | None]
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Announcement(Base):
    """A notice on the board («Доска объявлений») for a frozen audience."""

    __tablename__ = "announcement"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    author_id: Mapped[UUID] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    shown_from: Mapped[date] = mapped_column(Date)
    shown_until: Mapped[date | None] = mapped_column(Date)
    audience_labels: Mapped[list[str]] = mapped_column(ARRAY(Text))
    reader_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AnnouncementReader(Base):
    """One reader of an announcement, frozen when it was posted, with the class they are counted
    in (a student's class, a parent's child's; none for staff)."""

    __tablename__ = "announcement_reader"

    announcement_id: Mapped[UUID] = mapped_column(primary_key=True)
    reader_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_class_id: Mapped[UUID | None]
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_announcement_reader_reader", "reader_id", "announcement_id"),)


class Discussion(Base):
    """The staff room, a class's chat, a class's parents' chat (kept by the system from the
    replica) or a forum topic; members are worked out from the replica when read, so a student
    who leaves a class leaves its chat the same day."""

    __tablename__ = "discussion"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(Text)  # staff_room | class_chat | parents_chat | forum_topic
    school_class_id: Mapped[UUID | None]
    title: Mapped[str] = mapped_column(Text)
    created_by: Mapped[UUID | None]
    # A forum topic's audiences: [{kind, school_class_id, subject_id}].
    audiences: Mapped[list[dict[str, str | None]]] = mapped_column(JSONB, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DiscussionPost(Base):
    """A post; moderation hides it (with who, when and why), never deletes it."""

    __tablename__ = "discussion_post"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    discussion_id: Mapped[UUID]
    school_id: Mapped[UUID]
    author_id: Mapped[UUID]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[UUID | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_discussion_post_discussion", "discussion_id", "created_at"),)


class ModerationEntry(Base):
    """Every moderation, kept: who hid or restored which post, when and why."""

    __tablename__ = "moderation_entry"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    discussion_id: Mapped[UUID] = mapped_column(index=True)
    post_id: Mapped[UUID]
    moderator_id: Mapped[UUID]
    action: Mapped[str] = mapped_column(Text)  # hide | restore
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NoticePreference(Base):
    """How a person wants notices of one kind: at once, in the day's digest, or not at all."""

    __tablename__ = "notice_preference"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    delivery: Mapped[str] = mapped_column(Text)  # immediate | digest | off


class NoticeEmail(Base):
    """Where a person wants e-mail copies of their notices (set by themselves)."""

    __tablename__ = "notice_email"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(Text)


class EmailDelivery(Base):
    """One e-mail copy of a notice: sent, or given up on (a dead letter the administrator sees)."""

    __tablename__ = "email_delivery"

    notice_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # sent | dead | held (quiet hours)
    attempts: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuietHours(Base):
    """A school's quiet hours: no e-mail copies go out between them (the notices are still
    there at once in the app); the copies held go at the end."""

    __tablename__ = "quiet_hours"

    school_id: Mapped[UUID] = mapped_column(primary_key=True)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
