"""Notices: a link to their subject, per-kind preferences, e-mail addresses and deliveries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notice", sa.Column("link", sa.Text(), nullable=True))
    op.add_column(
        "notice", sa.Column("digest", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_table(
        "notice_preference",
        sa.Column("person_id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.Text(), primary_key=True),
        sa.Column("delivery", sa.Text(), nullable=False),
    )
    op.create_table(
        "notice_email",
        sa.Column("person_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("email", sa.Text(), nullable=False),
    )
    op.create_table(
        "email_delivery",
        sa.Column("notice_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("email_delivery")
    op.drop_table("notice_email")
    op.drop_table("notice_preference")
    op.drop_column("notice", "digest")
    op.drop_column("notice", "link")
