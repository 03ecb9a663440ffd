"""The progress summary by class (сводная ведомость успеваемости) and the archived years.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 07:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_summary_mark",
        sa.Column("period_mark_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("academic_year_id", sa.Uuid(), nullable=False),
        sa.Column("study_period_id", sa.Uuid(), nullable=True),
        sa.Column("study_period_name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=True),
        sa.Column("special", sa.Text(), nullable=True),
        sa.Column("average", sa.Numeric(4, 2), nullable=True),
        sa.Column("proposed", sa.SmallInteger(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period_mark_id", name=op.f("pk_progress_summary_mark")),
    )
    op.create_index(
        "ix_progress_summary_class_year",
        "progress_summary_mark",
        ["school_class_id", "academic_year_id"],
        unique=False,
    )
    op.create_table(
        "archived_year",
        sa.Column("academic_year_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subject_names", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("academic_year_id", name=op.f("pk_archived_year")),
    )
    op.create_index(
        op.f("ix_archived_year_school_id"), "archived_year", ["school_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_archived_year_school_id"), table_name="archived_year")
    op.drop_table("archived_year")
    op.drop_index("ix_progress_summary_class_year", table_name="progress_summary_mark")
    op.drop_table("progress_summary_mark")
