"""Reports as files in the graph: ordering a report (a job with live progress) and the archive
of closed years' progress sheets; files come as short-lived signed links."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import ADMINISTRATION, any_of
from services.reports import archive, jobs
from services.reports.class_access import CLASS_FILE_ROLES

ReportKindName = schema_enum(
    jobs.ReportKind,
    name="ReportKind",
    description=(
        "Вид отчёта: PROGRESS_SUMMARY — сводная ведомость класса за год, "
        "PROGRESS_SUMMARY_SCHOOL — сводные ведомости всех классов школы."
    ),
)
ReportFormatName = schema_enum(jobs.ReportFormat, name="ReportFormat", description="XLSX или PDF.")
ReportJobStatusName = schema_enum(
    jobs.JobStatus,
    name="ReportJobStatus",
    description="QUEUED — в очереди, RUNNING — строится, DONE — готов, FAILED — ошибка.",
)


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _link_seconds(info: Info) -> int:
    return info.context.runtime.settings.files_link_seconds


@strawberry.input(description="Параметры отчёта.")
class ReportParametersInput:
    academic_year_id: strawberry.ID
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="Класс (для сводной ведомости класса)."
    )


@strawberry.federation.type(authenticated=True, description="Заказ отчёта-файла.")
class ReportJob:
    id: strawberry.ID
    kind: ReportKindName  # type: ignore[valid-type]
    format: ReportFormatName  # type: ignore[valid-type]
    status: ReportJobStatusName  # type: ignore[valid-type]
    progress: int = strawberry.field(description="Готовность, % (0–100).")
    reused: bool = strawberry.field(
        description="Данные не менялись с прошлого построения: отдан готовый файл."
    )
    error: str | None
    file_name: str | None
    download_url: str | None = strawberry.field(
        description="Ссылка на файл (действует несколько минут), когда отчёт готов."
    )
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_view(cls, view: jobs.JobView, info: Info) -> ReportJob:
        secret = info.context.runtime.settings.internal_secret
        return cls(
            id=_id(view.job_id),
            kind=ReportKindName(view.kind.value),
            format=ReportFormatName(view.format.value),
            status=ReportJobStatusName(view.status.value),
            progress=view.progress,
            reused=view.reused,
            error=view.error,
            file_name=view.file_name,
            download_url=view.download_url(secret, _link_seconds(info)),
            created_at=view.created_at,
            finished_at=view.finished_at,
        )


@strawberry.federation.type(
    authenticated=True, description="Подпись ведомости: должность и ФИО на дату закрытия года."
)
class ArchiveSignatory:
    position: str
    name: str


@strawberry.federation.type(
    authenticated=True,
    description=(
        "Сводная ведомость закрытого года в архиве: PDF/A-3 с XLSX и данными (JSON) внутри, "
        "SHA-256 и срок хранения (75 лет)."
    ),
)
class ArchivedSheet:
    id: strawberry.ID
    academic_year_id: strawberry.ID
    school_class_id: strawberry.ID
    class_name: str
    academic_year: str
    closed_at: datetime
    retain_until: date = strawberry.field(description="Хранить до (удаление раньше невозможно).")
    signatories: list[ArchiveSignatory]
    sealed: bool = strawberry.field(description="PDF/A построен и опечатан контрольной суммой.")
    sha256: str | None
    size: int | None
    checked_at: datetime | None = strawberry.field(description="Последняя проверка целостности.")
    fixity_ok: bool | None = strawberry.field(description="Контрольная сумма совпала.")
    download_url: str | None

    @classmethod
    def from_view(cls, view: archive.SheetView, info: Info) -> ArchivedSheet:
        secret = info.context.runtime.settings.internal_secret
        return cls(
            id=_id(view.archived_sheet_id),
            academic_year_id=_id(view.academic_year_id),
            school_class_id=_id(view.school_class_id),
            class_name=view.class_name,
            academic_year=view.academic_year,
            closed_at=view.closed_at,
            retain_until=view.retain_until,
            signatories=[
                ArchiveSignatory(position=s["position"], name=s["name"]) for s in view.signatories
            ],
            sealed=view.sealed,
            sha256=view.sha256,
            size=view.size,
            checked_at=view.checked_at,
            fixity_ok=view.fixity_ok,
            download_url=view.download_url(secret, _link_seconds(info)),
        )


@strawberry.type
class FilesQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_FILE_ROLES),
        description="Мой заказ отчёта: состояние и ссылка на файл.",
    )
    async def report_job(self, info: Info, id: strawberry.ID) -> ReportJob | None:
        principal = info.context.require(*CLASS_FILE_ROLES)
        view = await jobs.report_job(info.context.runtime.db, principal, parse_id(id))
        return ReportJob.from_view(view, info)

    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_FILE_ROLES),
        description=(
            "Архив сводных ведомостей закрытого учебного года: класса или всех доступных классов."
        ),
    )
    async def archive(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        school_class_id: strawberry.ID | None = None,
    ) -> list[ArchivedSheet] | None:
        principal = info.context.require(*CLASS_FILE_ROLES)
        views = await archive.archived_sheets(
            info.context.runtime.db,
            principal,
            parse_id(academic_year_id, "academicYearId"),
            parse_id(school_class_id, "schoolClassId") if school_class_id is not None else None,
        )
        return [ArchivedSheet.from_view(v, info) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*ADMINISTRATION),
        description="Ведомости архива, не прошедшие проверку целостности (SHA-256).",
    )
    async def archive_mismatches(self, info: Info) -> list[ArchivedSheet] | None:
        principal = info.context.require(*ADMINISTRATION)
        views = await archive.archive_mismatches(info.context.runtime.db, principal)
        return [ArchivedSheet.from_view(v, info) for v in views]


@strawberry.type
class FilesMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_FILE_ROLES),
        description=(
            "Заказать отчёт файлом. Готовность приходит подпиской reportJobUpdated; если данные "
            "не менялись, сразу отдаётся готовый файл."
        ),
    )
    async def request_report(
        self,
        info: Info,
        kind: ReportKindName,  # type: ignore[valid-type]
        parameters: ReportParametersInput,
        format: ReportFormatName,  # type: ignore[valid-type]
    ) -> ReportJob | None:
        principal = info.context.require(*CLASS_FILE_ROLES)
        params = jobs.ReportParameters(
            academic_year_id=parse_id(parameters.academic_year_id, "academicYearId"),
            school_class_id=(
                parse_id(parameters.school_class_id, "schoolClassId")
                if parameters.school_class_id is not None
                else None
            ),
        )
        view = await jobs.request_report(
            info.context.uow(),
            principal,
            jobs.ReportKind(kind.value),
            params,
            jobs.ReportFormat(format.value),
        )
        return ReportJob.from_view(view, info)


@strawberry.type
class FilesSubscription:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_FILE_ROLES),
        is_subscription=True,
        description="Ход построения моего заказа: каждое изменение до готовности или ошибки.",
    )
    async def report_job_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[ReportJob, None]:
        principal = info.context.require(*CLASS_FILE_ROLES)
        background = info.context.request.app.state.background
        views = jobs.watch_job(info.context.runtime, background.nats_ready, principal, parse_id(id))
        async for view in views:
            yield ReportJob.from_view(view, info)
