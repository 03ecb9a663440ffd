"""The audiences a letter was sent to, frozen with their counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 06:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_audience",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("position", sa.SmallInteger(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("message_audience")
