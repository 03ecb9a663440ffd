"""Replica versions and tombstones, roles, classes, teaching load; the mail and its rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 06:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SGO's own rules (the item 2); a school's rows override them.
DEFAULT_RULES = [
    ("staff", "school"),
    ("administration", "school"),
    ("administration", "audience"),
    ("student", "administration"),
    ("student", "class_teachers"),
    ("student", "classmates"),
    ("parent", "administration"),
    ("parent", "class_teachers"),
    ("parent", "class_parents"),
]


def _version() -> sa.Column:
    return sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)


def _active() -> sa.Column:
    return sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False)


def upgrade() -> None:
    for table in ("person", "enrolment", "guardianship", "class_teacher", "absence"):
        op.add_column(table, _version())
    op.alter_column("person", "kind", nullable=True)
    op.add_column("enrolment", _active())
    op.add_column("class_teacher", _active())
    op.add_column(
        "absence", sa.Column("cleared", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )

    op.create_table(
        "school_class",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=True),
        _version(),
    )
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("person_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=True),
        _active(),
        _version(),
    )
    op.create_table(
        "teaching_load",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("teacher_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("school_class_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subgroup_id", sa.Uuid(), nullable=True),
        _active(),
        _version(),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        _version(),
    )

    rules = op.create_table(
        "mail_rule",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.Uuid(), nullable=True),
        sa.Column("sender_group", sa.Text(), nullable=False),
        sa.Column("relation", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "uq_mail_rule_scope",
        "mail_rule",
        [
            sa.text("coalesce(school_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            "sender_group",
            "relation",
        ],
        unique=True,
    )
    op.bulk_insert(
        rules,
        [{"sender_group": g, "relation": r, "allowed": True} for g, r in DEFAULT_RULES],
    )

    op.create_table(
        "message",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("in_reply_to_id", sa.Uuid(), nullable=True),
        sa.Column("forwarded_from_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("draft_to", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("draft_cc", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("about_student_id", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("recipient_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sender_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('russian', subject || ' ' || body)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index("ix_message_sender_sent", "message", ["sender_id", "sent_at"])
    op.create_index("ix_message_search", "message", ["search"], postgresql_using="gin")

    op.create_table(
        "delivery",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("recipient_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("copy", sa.Text(), nullable=False),
        sa.Column("sender_rank", sa.SmallInteger(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_delivery_recipient_inbox", "delivery", ["recipient_id", "delivered_at"])


def downgrade() -> None:
    for table in ("delivery", "message", "mail_rule", "subject", "teaching_load", "role_grant"):
        op.drop_table(table)
    op.drop_table("school_class")
    op.drop_column("absence", "cleared")
    op.drop_column("class_teacher", "active")
    op.drop_column("enrolment", "active")
    op.alter_column("person", "kind", nullable=False)
    for table in ("person", "enrolment", "guardianship", "class_teacher", "absence"):
        op.drop_column(table, "version")
