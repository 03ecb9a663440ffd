"""Letters asking to confirm, and the announcement board with its frozen readers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 06:25:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("message", sa.Column("confirm_by", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "confirmation",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("recipient_id", sa.Uuid(), primary_key=True),
        sa.Column("child_key", sa.Uuid(), primary_key=True),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "announcement",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("shown_from", sa.Date(), nullable=False),
        sa.Column("shown_until", sa.Date(), nullable=True),
        sa.Column("audience_labels", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("reader_count", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_announcement_school_id", "announcement", ["school_id"])
    op.create_index("ix_announcement_author_id", "announcement", ["author_id"])
    op.create_table(
        "announcement_reader",
        sa.Column("announcement_id", sa.Uuid(), primary_key=True),
        sa.Column("reader_id", sa.Uuid(), primary_key=True),
        sa.Column("school_class_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_announcement_reader_reader", "announcement_reader", ["reader_id", "announcement_id"]
    )


def downgrade() -> None:
    op.drop_table("announcement_reader")
    op.drop_table("announcement")
    op.drop_table("confirmation")
    op.drop_column("message", "confirm_by")
