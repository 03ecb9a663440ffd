"""The progress summary by class (сводная ведомость успеваемости): students × subjects with
their term and year marks, frozen once the journal closes the year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION
from services.reports.models import ArchivedYear, ProgressSummaryMark, SchoolClass

SUMMARY_READERS = ADMINISTRATION
KIND_ORDER = {"term": 0, "year": 1, "exam": 2, "final": 3}
SPECIAL_CODES = {"not_attested": "н/а", "pass": "зач", "fail": "незач", "exempt": "осв"}


@dataclass(frozen=True)
class SummaryMark:
    subject_id: UUID
    subject_name: str
    kind: str
    study_period_id: UUID | None
    study_period_name: str | None
    value: int | None
    special: str | None
    average: Decimal | None
    proposed: int | None

    @property
    def display(self) -> str:
        return SPECIAL_CODES.get(self.special or "", self.special or "") or str(self.value)

    @property
    def differs_from_proposal(self) -> bool:
        return self.value is not None and self.proposed is not None and self.value != self.proposed


@dataclass
class SummaryRow:
    student_id: UUID
    marks: list[SummaryMark] = field(default_factory=list)
    failed_subject_ids: list[UUID] = field(default_factory=list)
    not_attested_subject_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    school_class_id: UUID
    academic_year_id: UUID
    closed_at: datetime | None
    rows: list[SummaryRow]


async def progress_summary(
    db: Database, principal: Principal, school_class_id: UUID, academic_year_id: UUID
) -> Summary:
    if not principal.is_authenticated:
        raise Unauthenticated()
    if not principal.has_role(*SUMMARY_READERS):
        raise Forbidden("Сводную ведомость успеваемости видит администрация школы.")
    async with db.sessionmaker() as s:
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is not None and school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        marks = list(
            await s.scalars(
                select(ProgressSummaryMark).where(
                    ProgressSummaryMark.school_id == principal.school_id,
                    ProgressSummaryMark.school_class_id == school_class_id,
                    ProgressSummaryMark.academic_year_id == academic_year_id,
                    ProgressSummaryMark.removed.is_(False),
                )
            )
        )
        archive = await s.scalar(
            select(ArchivedYear).where(
                ArchivedYear.academic_year_id == academic_year_id,
                ArchivedYear.school_id == principal.school_id,
            )
        )
    rows: dict[UUID, SummaryRow] = {}
    for m in sorted(
        marks,
        key=lambda m: (m.subject_name, KIND_ORDER.get(m.kind, 9), m.study_period_name or ""),
    ):
        row = rows.setdefault(m.student_id, SummaryRow(m.student_id))
        row.marks.append(
            SummaryMark(
                m.subject_id,
                m.subject_name,
                m.kind,
                m.study_period_id,
                m.study_period_name,
                m.value,
                m.special,
                m.average,
                m.proposed,
            )
        )
    if archive is not None:
        for result in archive.results:
            if result.get("school_class_id") != str(school_class_id):
                continue
            row = rows.setdefault(
                UUID(result["student_id"]), SummaryRow(UUID(result["student_id"]))
            )
            row.failed_subject_ids = [UUID(i) for i in result.get("failed_subject_ids", [])]
            row.not_attested_subject_ids = [
                UUID(i) for i in result.get("not_attested_subject_ids", [])
            ]
    return Summary(
        school_class_id,
        academic_year_id,
        archive.closed_at if archive else None,
        sorted(rows.values(), key=lambda r: str(r.student_id)),
    )
