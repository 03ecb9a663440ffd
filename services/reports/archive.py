"""The archive: every class's сводная ведомость of a closed year, kept 75 years.

When the journal closes a year, ``freeze_year`` (in the handler's transaction) writes one
``archived_sheet`` per class: the sheet's data as of the closing (students with their names,
marks, the class's figures) and its signatories (the director and the class teacher then).
The sealer renders each as PDF/A-3 — the XLSX and the data as JSON attached inside — and seals
it once with its SHA-256 (the manifest) and retention date; from then on the database refuses
any change, and any deletion before the retention date (migration 0010's trigger), whoever
asks. A later rename or anonymisation changes the replicas, never a sealed sheet.

The fixity check re-hashes every sealed sheet on a schedule and records each result; a
mismatch is logged, counted in ``sgo_archive_fixity_mismatches`` and listed for the
administration (``archiveMismatches``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from prometheus_client import Counter, Gauge
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated
from services.kernel.events import Envelope, utcnow, uuid7
from services.kernel.graphql import Runtime
from services.kernel.periodic import run_every
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION
from services.reports import access
from services.reports.archive_models import ArchiveCheck, ArchivedSheet
from services.reports.downloads import FileKind, sign_link
from services.reports.models import AcademicYear, ArchivedYear, SchoolClass
from services.reports.names import director_of, school_and_year
from services.reports.rendering import Attachment, Signatory, render_pdf, render_xlsx
from services.reports.rendering.document import report_from_json, report_to_json
from services.reports.rendering.progress_sheet import progress_sheet_report
from services.reports.roster import names
from services.reports.sheets import classes_of_year, load_class_sheets

log = logging.getLogger("sgo.reports.archive")

RETENTION_YEARS = 75
SEAL_EVERY_SECONDS = 1.0
FIXITY_EVERY_SECONDS = 6 * 3600.0
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIXITY_MISMATCHES = Gauge(
    "sgo_archive_fixity_mismatches", "Archived sheets whose bytes no longer match their SHA-256"
)
FIXITY_CHECKED = Counter("sgo_archive_fixity_checked_total", "Archived sheets re-hashed")


def retain_until(closed_on: date) -> date:
    try:
        return closed_on.replace(year=closed_on.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return closed_on.replace(year=closed_on.year + RETENTION_YEARS, day=28)


# --- freezing (in the journal.year.closed handler's transaction) -------------------------------


async def on_year_closed(session: AsyncSession, envelope: Envelope) -> None:
    """Freeze the year's sheets now if people has described the year; else the sealer freezes
    them as soon as it has (events of two streams need not arrive in order), and the closing
    itself is never held up."""
    p = envelope.payload
    year_id = UUID(str(p["academic_year_id"]))
    if await session.get(AcademicYear, year_id) is None:
        log.warning("year %s closed before people described it: its sheets wait", year_id)
        return
    await freeze_year(
        session,
        school_id=UUID(str(p["school_id"])),
        academic_year_id=year_id,
        closed_at=envelope.occurred_at,
        class_ids={UUID(str(r["school_class_id"])) for r in p.get("results") or []},
    )


async def freeze_waiting(db: Database) -> int:
    """Freeze the closed years whose sheets waited for people's description of the year."""
    waiting = select(ArchivedYear).where(
        select(AcademicYear.academic_year_id)
        .where(AcademicYear.academic_year_id == ArchivedYear.academic_year_id)
        .exists(),
        ~select(ArchivedSheet.archived_sheet_id)
        .where(ArchivedSheet.academic_year_id == ArchivedYear.academic_year_id)
        .exists(),
        func.jsonb_array_length(ArchivedYear.results) > 0,
    )
    frozen = 0
    async with db.sessionmaker() as session, session.begin():
        for year in (await session.scalars(waiting.with_for_update(skip_locked=True))).all():
            frozen += await freeze_year(
                session,
                school_id=year.school_id,
                academic_year_id=year.academic_year_id,
                closed_at=year.closed_at,
                class_ids={UUID(str(r["school_class_id"])) for r in year.results},
            )
    return frozen


async def freeze_year(
    session: AsyncSession,
    *,
    school_id: UUID,
    academic_year_id: UUID,
    closed_at: datetime,
    class_ids: set[UUID],
) -> int:
    """One unsealed sheet per class of the year; a redelivered closing adds nothing."""
    organisation, year_name = await school_and_year(session, school_id, academic_year_id)
    director = await director_of(session, school_id)
    listed = await classes_of_year(session, school_id, academic_year_id)
    frozen = 0
    for class_id in listed + sorted(class_ids - set(listed), key=str):
        sheets = await load_class_sheets(session, school_id, class_id, academic_year_id)
        school_class = await session.get(SchoolClass, class_id)
        signatories = []
        if director is not None:
            signatories.append(
                {"position": "Директор", "person_id": str(director[0]), "name": director[1]}
            )
        teacher_id = school_class.class_teacher_id if school_class else None
        if teacher_id is not None:
            teacher = (await names(session, {teacher_id})).get(teacher_id, "")
            signatories.append(
                {"position": "Классный руководитель", "person_id": str(teacher_id), "name": teacher}
            )
        report = progress_sheet_report(
            sheets.year,
            sheets.terms,
            year_name=year_name,
            organisation=organisation,
            signatories=[Signatory(s["position"], s["name"]) for s in signatories],
        )
        keep_until = retain_until(closed_at.date())
        report = replace(
            report,
            parameters=[*report.parameters, ("Хранить до", keep_until.strftime("%d.%m.%Y"))],
        )
        data = {
            "format": "sgo.archived_sheet/1",
            "school_id": str(school_id),
            "academic_year_id": str(academic_year_id),
            "academic_year": year_name,
            "school_class_id": str(class_id),
            "school_class": sheets.year.class_name,
            "closed_at": closed_at.isoformat(),
            "students": {str(r.student_id): r.student_name for r in sheets.year.rows},
            "document": report_to_json(report),
        }
        inserted = await session.execute(
            insert(ArchivedSheet)
            .values(
                archived_sheet_id=uuid7(),
                school_id=school_id,
                academic_year_id=academic_year_id,
                school_class_id=class_id,
                class_name=sheets.year.class_name,
                closed_at=closed_at,
                data=data,
                signatories=signatories,
                retain_until=keep_until,
            )
            .on_conflict_do_nothing(
                index_elements=[ArchivedSheet.academic_year_id, ArchivedSheet.school_class_id]
            )
        )
        frozen += inserted.rowcount  # type: ignore[attr-defined]
    log.info("year %s closed: %d class sheets frozen for the archive", academic_year_id, frozen)
    return frozen


# --- sealing -----------------------------------------------------------------------------------


def render_sheet(sheet: ArchivedSheet) -> bytes:
    """The PDF/A-3 of a frozen sheet, its XLSX and data attached; dates fixed to the closing,
    so the same sheet renders to the same bytes."""
    report = report_from_json(sheet.data["document"])
    closed_at = sheet.closed_at.replace(microsecond=0)
    workbook = render_xlsx(report, created=closed_at.replace(tzinfo=None))
    data = orjson.dumps(sheet.data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    return render_pdf(
        report,
        archival=True,
        timestamp=closed_at,
        attachments=[
            Attachment("sheet.xlsx", workbook, XLSX_MIME, "Сводная ведомость в XLSX"),
            Attachment("data.json", data, "application/json", "Данные ведомости (JSON)"),
        ],
    )


async def seal_next(db: Database) -> bool:
    """Seal one frozen sheet; False when none waits. Rendering runs in a thread, with the
    row locked (SKIP LOCKED: several processes seal different sheets)."""
    async with db.sessionmaker() as session, session.begin():
        sheet = await session.scalar(
            select(ArchivedSheet)
            .where(ArchivedSheet.sha256.is_(None))
            .order_by(ArchivedSheet.closed_at, ArchivedSheet.archived_sheet_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if sheet is None:
            return False
        pdf = await asyncio.to_thread(render_sheet, sheet)
        await session.execute(
            update(ArchivedSheet)
            .where(ArchivedSheet.archived_sheet_id == sheet.archived_sheet_id)
            .values(
                pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), sealed_at=utcnow()
            )
        )
    return True


async def seal_pending(db: Database) -> int:
    await freeze_waiting(db)
    sealed = 0
    while await seal_next(db):
        sealed += 1
    if sealed:
        log.info("%d archived sheets sealed", sealed)
    return sealed


# --- fixity ------------------------------------------------------------------------------------


async def check_fixity(db: Database, batch: int = 50) -> int:
    """Re-hash every sealed sheet and record the result; returns the mismatches found."""
    mismatches = 0
    after: UUID | None = None
    while True:
        async with db.sessionmaker() as session, session.begin():
            query = (
                select(
                    ArchivedSheet.archived_sheet_id,
                    ArchivedSheet.school_id,
                    ArchivedSheet.sha256,
                    ArchivedSheet.pdf,
                )
                .where(ArchivedSheet.sha256.is_not(None))
                .order_by(ArchivedSheet.archived_sheet_id)
                .limit(batch)
            )
            if after is not None:
                query = query.where(ArchivedSheet.archived_sheet_id > after)
            rows = (await session.execute(query)).all()
            if not rows:
                break
            now = utcnow()
            results = []
            for row in rows:
                actual = hashlib.sha256(row.pdf or b"").hexdigest()
                ok = actual == row.sha256
                if not ok:
                    mismatches += 1
                    log.error("archived sheet %s: SHA-256 mismatch", row.archived_sheet_id)
                results.append(
                    {
                        "archived_sheet_id": row.archived_sheet_id,
                        "school_id": row.school_id,
                        "checked_at": now,
                        "ok": ok,
                        "actual_sha256": actual,
                    }
                )
            stmt = insert(ArchiveCheck).values(results)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[ArchiveCheck.archived_sheet_id],
                    set_={k: stmt.excluded[k] for k in ("checked_at", "ok", "actual_sha256")},
                )
            )
            FIXITY_CHECKED.inc(len(rows))
            after = rows[-1].archived_sheet_id
    FIXITY_MISMATCHES.set(mismatches)
    return mismatches


async def start_archivist(runtime: Runtime) -> None:
    """Sealing and the fixity check, for as long as the service runs."""
    runtime.spawn(
        run_every(SEAL_EVERY_SECONDS, lambda: seal_pending(runtime.db), log=log, what="sealing"),
        "archive-sealing",
    )
    runtime.spawn(
        run_every(
            FIXITY_EVERY_SECONDS, lambda: check_fixity(runtime.db), log=log, what="fixity check"
        ),
        "archive-fixity",
    )


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetView:
    archived_sheet_id: UUID
    academic_year_id: UUID
    school_class_id: UUID
    class_name: str
    academic_year: str
    closed_at: datetime
    retain_until: date
    signatories: list[dict[str, Any]]
    sealed: bool
    sha256: str | None
    size: int | None
    checked_at: datetime | None
    fixity_ok: bool | None

    def download_url(self, secret: str, ttl_seconds: int) -> str | None:
        if not self.sealed:
            return None
        return sign_link(FileKind.ARCHIVED_SHEET, self.archived_sheet_id, secret, ttl_seconds)


_COLUMNS = (
    ArchivedSheet.archived_sheet_id,
    ArchivedSheet.academic_year_id,
    ArchivedSheet.school_class_id,
    ArchivedSheet.class_name,
    ArchivedSheet.data["academic_year"].astext.label("academic_year"),
    ArchivedSheet.closed_at,
    ArchivedSheet.retain_until,
    ArchivedSheet.signatories,
    ArchivedSheet.sha256,
    ArchivedSheet.size,
    ArchiveCheck.checked_at,
    ArchiveCheck.ok,
)


def _sheet_view(row: Any) -> SheetView:
    return SheetView(
        archived_sheet_id=row.archived_sheet_id,
        academic_year_id=row.academic_year_id,
        school_class_id=row.school_class_id,
        class_name=row.class_name,
        academic_year=row.academic_year or "—",
        closed_at=row.closed_at,
        retain_until=row.retain_until,
        signatories=row.signatories,
        sealed=row.sha256 is not None,
        sha256=row.sha256,
        size=row.size,
        checked_at=row.checked_at,
        fixity_ok=row.ok,
    )


async def archived_sheets(
    db: Database, principal: Principal, academic_year_id: UUID, school_class_id: UUID | None
) -> list[SheetView]:
    """The archived sheets of a year the caller may see (one class's, or every visible one)."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    if not principal.has_role(*access.CLASS_READERS) or principal.school_id is None:
        raise Forbidden("Архив ведомостей доступен администрации и учителям.")
    query = (
        select(*_COLUMNS)
        .outerjoin(ArchiveCheck, ArchiveCheck.archived_sheet_id == ArchivedSheet.archived_sheet_id)
        .where(
            ArchivedSheet.school_id == principal.school_id,
            ArchivedSheet.academic_year_id == academic_year_id,
        )
        .order_by(ArchivedSheet.class_name, ArchivedSheet.school_class_id)
    )
    if school_class_id is not None:
        query = query.where(ArchivedSheet.school_class_id == school_class_id)
    async with db.sessionmaker() as session:
        rows = (await session.execute(query)).all()
        if access.is_administration(principal):
            return [_sheet_view(r) for r in rows]
        visible = [r for r in rows if await _sees_class(session, principal, r.school_class_id)]
    return [_sheet_view(r) for r in visible]


async def _sees_class(session: AsyncSession, principal: Principal, school_class_id: UUID) -> bool:
    """A subject teacher sees the whole archived sheet of a class they teach: it is one
    signed document, not cut by subject."""
    try:
        await access.class_scope(session, principal, school_class_id)
    except NotFound:
        return False
    return True


async def archive_mismatches(db: Database, principal: Principal) -> list[SheetView]:
    """Sealed sheets whose last fixity check failed (the administration's alarm)."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    if not principal.has_role(*ADMINISTRATION) or principal.school_id is None:
        raise Forbidden("Проверку архива видит администрация школы.")
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(*_COLUMNS)
                .join(
                    ArchiveCheck, ArchiveCheck.archived_sheet_id == ArchivedSheet.archived_sheet_id
                )
                .where(ArchivedSheet.school_id == principal.school_id, ArchiveCheck.ok.is_(False))
                .order_by(ArchivedSheet.closed_at, ArchivedSheet.class_name)
            )
        ).all()
    return [_sheet_view(r) for r in rows]


async def sheet_count(db: Database, school_id: UUID) -> int:
    async with db.sessionmaker() as session:
        return int(
            await session.scalar(select(func.count()).where(ArchivedSheet.school_id == school_id))
            or 0
        )
