"""enrolment history: every stay of a student in a class, for past years' reads

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-29 07:05:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolment_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_history")),
    )
    op.create_index(
        "ix_enrolment_history_person", "enrolment_history", ["person_id", "enrolled_on"]
    )
    op.create_index(
        "ix_enrolment_history_class", "enrolment_history", ["school_class_id", "enrolled_on"]
    )
    op.create_index(
        "ix_assignment_mandatory_lesson",
        "assignment",
        ["lesson_id", "due_on"],
        postgresql_where=sa.text("mandatory"),
    )
    # The current enrolments are the open stays.
    op.execute(
        "INSERT INTO enrolment_history (id, school_id, person_id, school_class_id, enrolled_on) "
        "SELECT gen_random_uuid(), school_id, person_id, school_class_id, enrolled_on "
        "FROM enrolment"
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_mandatory_lesson", table_name="assignment")
    op.drop_index("ix_enrolment_history_class", table_name="enrolment_history")
    op.drop_index("ix_enrolment_history_person", table_name="enrolment_history")
    op.drop_table("enrolment_history")
