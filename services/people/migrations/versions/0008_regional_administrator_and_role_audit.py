"""A regional administrator belongs to no school; grants of sensitive roles are audited.

Revision ID: 0008_regional_admin
Revises: 0007_idempotency_keys
Create Date: 2026-12-06 06:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_regional_admin"
down_revision: str | Sequence[str] | None = "0007_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The regional administrator's person, grant, account, sessions and passwords have no school.
SCHOOLLESS = ("persons", "role_grants", "accounts", "sessions", "password_history")


def upgrade() -> None:
    for table in SCHOOLLESS:
        op.alter_column(table, "school_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "role_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_role_audit_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_audit")),
    )
    op.create_index("ix_role_audit_school", "role_audit", ["school_id", "granted_at"])


def downgrade() -> None:
    op.drop_index("ix_role_audit_school", table_name="role_audit")
    op.drop_table("role_audit")
    for table in SCHOOLLESS:
        op.alter_column(table, "school_id", existing_type=sa.Uuid(), nullable=False)
