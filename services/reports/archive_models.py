"""Reports' files: report jobs and the files they made, the 75-year archive of progress sheets,
and the few replicas only files need (the school's name, its director).

Kept apart from ``models.py`` (the figures' projections) on the same metadata.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, LargeBinary, SmallInteger, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.reports.models import Base

# people: the school and the director files print


class SchoolName(Base):
    """The school's name, for the header of every file."""

    __tablename__ = "school_name"

    school_id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class StaffRole(Base):
    """Who holds a role the files name (the director): a withdrawal is a tombstone."""

    __tablename__ = "staff_role"
    __table_args__ = (Index("ix_staff_role_school_role", "school_id", "role"),)

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(Text, primary_key=True)
    school_id: Mapped[UUID]
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportFile(Base):
    """A rendered report, reused while the data it was built from is unchanged."""

    __tablename__ = "report_file"
    __table_args__ = (
        Index(
            "ix_report_file_reuse", "school_id", "kind", "parameters_key", "format", "data_version"
        ),
    )

    file_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(Text)
    parameters_key: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)  # xlsx | pdf
    data_version: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportJob(Base):
    """One order of a report: queued → running → done (with its file) or failed."""

    __tablename__ = "report_job"
    __table_args__ = (Index("ix_report_job_requester", "requested_by", "created_at"),)

    job_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    requested_by: Mapped[UUID]
    kind: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    parameters_key: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # queued | running | done | failed
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0..100
    data_version: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[UUID | None]
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# archive: the year's progress sheets, kept 75 years


class ArchivedSheet(Base):
    """One class's сводная ведомость of a closed year, frozen as PDF/A-3 with its XLSX and data.

    Written once by the year's closing (data and signatories), then sealed once (the PDF and its
    SHA-256); from then on a trigger refuses any UPDATE, and any DELETE before ``retain_until``.
    """

    __tablename__ = "archived_sheet"
    __table_args__ = (
        Index("ux_archived_sheet_year_class", "academic_year_id", "school_class_id", unique=True),
        Index("ix_archived_sheet_school", "school_id", "academic_year_id"),
    )

    archived_sheet_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID]
    academic_year_id: Mapped[UUID]
    school_class_id: Mapped[UUID]
    class_name: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The sheet as of the closing, as a document (``rendering.report_to_json``): students with
    # their names and marks, each period's, the class's figures; rendered from this alone.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # [{position, person_id, name}]: the director and the class teacher as of the closing.
    signatories: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    retain_until: Mapped[date] = mapped_column(Date)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ArchiveCheck(Base):
    """The last fixity check of a sheet: its bytes hashed again against the manifest."""

    __tablename__ = "archive_check"

    archived_sheet_id: Mapped[UUID] = mapped_column(primary_key=True)
    school_id: Mapped[UUID] = mapped_column(index=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    actual_sha256: Mapped[str | None] = mapped_column(Text)
