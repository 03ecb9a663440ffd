"""A school's quiet hours; e-mail copies held until they end.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quiet_hours",
        sa.Column("school_id", sa.Uuid(), primary_key=True),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
    )
    op.add_column(
        "email_delivery", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_email_delivery_held",
        "email_delivery",
        ["due_at"],
        postgresql_where=sa.text("status = 'held'"),
    )


def downgrade() -> None:
    op.drop_index("ix_email_delivery_held", table_name="email_delivery")
    op.drop_column("email_delivery", "due_at")
    op.drop_table("quiet_hours")
