"""lesson held: when a lesson first got its topic and who gave it

Revision ID: 0004
Revises: 0002
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("lesson", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("lesson", sa.Column("held_by", sa.Uuid(), nullable=True))
    # Lessons that already have a topic were held: when is the best the rows can tell.
    op.execute(
        "UPDATE lesson SET held_at = COALESCE(updated_at, created_at), held_by = teacher_id "
        "WHERE topic IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("lesson", "held_by")
    op.drop_column("lesson", "held_at")
