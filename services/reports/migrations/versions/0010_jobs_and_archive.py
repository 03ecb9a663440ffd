"""Report jobs and their files, the 75-year archive of progress sheets, the school's name and
its director.

The archive's guard is in the database, so no path around the API deletes a sheet early: a
sealed sheet refuses every UPDATE, and DELETE (or TRUNCATE) before its retention date.

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-06 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE FUNCTION archived_sheet_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM archived_sheet WHERE retain_until > current_date) THEN
            RAISE EXCEPTION 'archived sheets are kept until their retention date'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.retain_until > current_date THEN
            RAISE EXCEPTION 'archived sheet % is kept until %', OLD.archived_sheet_id,
                OLD.retain_until USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    -- UPDATE: only the one sealing of an unsealed sheet, which changes nothing it recorded.
    IF OLD.sha256 IS NOT NULL
       OR NEW.archived_sheet_id IS DISTINCT FROM OLD.archived_sheet_id
       OR NEW.school_id IS DISTINCT FROM OLD.school_id
       OR NEW.academic_year_id IS DISTINCT FROM OLD.academic_year_id
       OR NEW.school_class_id IS DISTINCT FROM OLD.school_class_id
       OR NEW.class_name IS DISTINCT FROM OLD.class_name
       OR NEW.closed_at IS DISTINCT FROM OLD.closed_at
       OR NEW.data IS DISTINCT FROM OLD.data
       OR NEW.signatories IS DISTINCT FROM OLD.signatories
       OR NEW.retain_until IS DISTINCT FROM OLD.retain_until THEN
        RAISE EXCEPTION 'archived sheet % is sealed', OLD.archived_sheet_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$
"""
TRIGGERS = (
    """CREATE TRIGGER archived_sheet_guard BEFORE UPDATE OR DELETE ON archived_sheet
    FOR EACH ROW EXECUTE FUNCTION archived_sheet_guard()""",
    """CREATE TRIGGER archived_sheet_truncate_guard BEFORE TRUNCATE ON archived_sheet
    FOR EACH STATEMENT EXECUTE FUNCTION archived_sheet_guard()""",
)


def upgrade() -> None:
    op.create_table(
        "school_name",
        sa.Column("school_id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
    )
    op.create_table(
        "staff_role",
        sa.Column("person_id", sa.Uuid(), primary_key=True),
        sa.Column("role", sa.Text(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_staff_role_school_role", "staff_role", ["school_id", "role"])
    op.create_table(
        "report_file",
        sa.Column("file_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parameters_key", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_report_file_reuse",
        "report_file",
        ["school_id", "kind", "parameters_key", "format", "data_version"],
    )
    op.create_table(
        "report_job",
        sa.Column("job_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(), nullable=False),
        sa.Column("parameters_key", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("progress", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("data_version", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("reused", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_report_job_requester", "report_job", ["requested_by", "created_at"])
    op.create_table(
        "archived_sheet",
        sa.Column("archived_sheet_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("academic_year_id", sa.Uuid(), nullable=False),
        sa.Column("school_class_id", sa.Uuid(), nullable=False),
        sa.Column("class_name", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("signatories", postgresql.JSONB(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ux_archived_sheet_year_class",
        "archived_sheet",
        ["academic_year_id", "school_class_id"],
        unique=True,
    )
    op.create_index("ix_archived_sheet_school", "archived_sheet", ["school_id", "academic_year_id"])
    op.create_table(
        "archive_check",
        sa.Column("archived_sheet_id", sa.Uuid(), primary_key=True),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("actual_sha256", sa.Text(), nullable=True),
    )
    op.create_index("ix_archive_check_school_id", "archive_check", ["school_id"])
    op.execute(GUARD)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    # The archive outlives its code: a downgrade keeps archived_sheet and its guard.
    op.drop_table("archive_check")
    op.drop_table("report_job")
    op.drop_table("report_file")
    op.drop_table("staff_role")
    op.drop_table("school_name")
