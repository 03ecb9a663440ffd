"""Keep each student's year results from the journal's closing of the year.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "year_results",
        sa.Column("academic_year_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=False),
        sa.Column("failed_subjects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("not_attested_subjects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("academic_year_id", "student_id", name=op.f("pk_year_results")),
    )
    op.create_index(
        op.f("ix_year_results_school_id"), "year_results", ["school_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_year_results_school_id"), table_name="year_results")
    op.drop_table("year_results")
