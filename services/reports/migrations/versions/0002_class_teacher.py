"""Keep each class's class teacher: access to a class's figures follows people's record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("school_class", sa.Column("class_teacher_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("school_class", "class_teacher_id")
