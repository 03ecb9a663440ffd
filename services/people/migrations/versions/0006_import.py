"""People: staff positions and hire dates loaded from the secretaries' lists.

Revision ID: 0006
Revises: 0001

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "employments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_employments_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employments")),
        sa.UniqueConstraint("person_id", name=op.f("uq_employments_person_id")),
    )
    op.create_index(op.f("ix_employments_school_id"), "employments", ["school_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_employments_school_id"), table_name="employments")
    op.drop_table("employments")
