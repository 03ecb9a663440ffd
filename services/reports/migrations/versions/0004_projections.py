"""Projections for the report catalogue: versions on every row, people's replicas (persons,
years, periods, enrolments, guardianships) and journal's (teaching load, curriculum hours,
lessons, attendance); marks keep their lesson, teacher and recording time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in ("subject_name", "value", "weight", "date"):
        op.alter_column("mark", column, nullable=True)
    op.add_column("mark", sa.Column("lesson_id", sa.Uuid(), nullable=True))
    op.add_column("mark", sa.Column("teacher_id", sa.Uuid(), nullable=True))
    op.add_column("mark", sa.Column("assignment_type", sa.Text(), nullable=True))
    op.add_column("mark", sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "mark", sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column(
        "progress_summary_mark",
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "person",
        sa.Column("person_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("kind", sa.Text()),
        sa.Column("last_name", sa.Text()),
        sa.Column("first_name", sa.Text()),
        sa.Column("middle_name", sa.Text()),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "academic_year",
        sa.Column("academic_year_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "study_period",
        sa.Column("study_period_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("academic_year_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "enrolment",
        sa.Column("student_id", sa.Uuid(), primary_key=True),
        sa.Column("school_class_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("enrolled_on", sa.Date()),
        sa.Column("left_on", sa.Date()),
        sa.Column("left_kind", sa.Text()),
    )
    op.create_table(
        "subgroup",
        sa.Column("subgroup_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid()),
        sa.Column("student_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("version", sa.BigInteger()),
    )
    op.create_table(
        "guardianship",
        sa.Column("parent_id", sa.Uuid(), primary_key=True),
        sa.Column("student_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
    )
    op.create_table(
        "teaching_load",
        sa.Column("teaching_load_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("teacher_id", sa.Uuid(), index=True),
        sa.Column("school_class_id", sa.Uuid()),
        sa.Column("subject_id", sa.Uuid()),
        sa.Column("subgroup_id", sa.Uuid()),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "curriculum_hours",
        sa.Column("academic_year_id", sa.Uuid(), primary_key=True),
        sa.Column("subject_id", sa.Uuid(), primary_key=True),
        sa.Column("scope", sa.Text(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid()),
        sa.Column("grade_level", sa.SmallInteger()),
        sa.Column("hours_per_week", sa.Numeric(5, 2), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "lesson",
        sa.Column("lesson_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid()),
        sa.Column("subject_id", sa.Uuid()),
        sa.Column("subject_name", sa.Text()),
        sa.Column("subgroup_id", sa.Uuid()),
        sa.Column("teacher_id", sa.Uuid()),
        sa.Column("date", sa.Date()),
        sa.Column("number", sa.SmallInteger()),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger()),
        sa.Column("has_topic", sa.Boolean(), nullable=False),
        sa.Column("has_homework", sa.Boolean(), nullable=False),
        sa.Column("topic_version", sa.BigInteger()),
        sa.Column("topic_first_at", sa.DateTime(timezone=True)),
        sa.Column("homework_first_at", sa.DateTime(timezone=True)),
        sa.Column("register_first_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_lesson_class_date", "lesson", ["school_class_id", "date"])
    op.create_table(
        "attendance",
        sa.Column("lesson_id", sa.Uuid(), primary_key=True),
        sa.Column("student_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=False),
        sa.Column("subject_name", sa.Text()),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("lesson_number", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.Text()),
        sa.Column("category", sa.Text()),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index("ix_attendance_class_date", "attendance", ["school_class_id", "date"])


def downgrade() -> None:
    for table in (
        "attendance",
        "lesson",
        "curriculum_hours",
        "teaching_load",
        "guardianship",
        "subgroup",
        "enrolment",
        "study_period",
        "academic_year",
        "person",
    ):
        op.drop_table(table)
    op.drop_column("progress_summary_mark", "version")
    for column in ("version", "recorded_at", "assignment_type", "teacher_id", "lesson_id"):
        op.drop_column("mark", column)
