"""applied versions: the people replica converges whatever order its events arrive in

Revision ID: 0010_applied_version
Revises: 0009_idempotency_keys
Create Date: 2026-12-06 06:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_applied_version"
down_revision: str | Sequence[str] | None = "0009_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applied_version",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_applied_version")),
    )


def downgrade() -> None:
    op.drop_table("applied_version")
