"""idempotency keys: a retried mutation with the same Idempotency-Key writes once

The table of services.kernel.idempotency (its definition: ``idempotency_table``).

Revision ID: 0008_idempotency_keys
Revises: 0007
Create Date: 2026-12-06 06:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_idempotency_keys"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_key")
