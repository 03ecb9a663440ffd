"""Reports ordered as files: ``requestReport`` returns a job, ``reportJobUpdated`` follows it
until its file is ready, ``reportJob`` reads it again; the file comes as a short-lived signed
link (``/report-files/…``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import any_of
from services.reports import jobs
from services.reports.access import CLASS_READERS

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


@strawberry.type
class JobsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_READERS),
        description="Мой заказ отчёта: состояние и ссылка на файл.",
    )
    async def report_job(self, info: Info, id: strawberry.ID) -> ReportJob | None:
        principal = info.context.require(*CLASS_READERS)
        view = await jobs.report_job(info.context.runtime.db, principal, parse_id(id))
        return ReportJob.from_view(view, info)


@strawberry.type
class JobsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_READERS),
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
        principal = info.context.require(*CLASS_READERS)
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
class JobsSubscription:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_READERS),
        is_subscription=True,
        description="Ход построения моего заказа: каждое изменение до готовности или ошибки.",
    )
    async def report_job_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[ReportJob, None]:
        principal = info.context.require(*CLASS_READERS)
        background = info.context.request.app.state.background
        views = jobs.watch_job(info.context.runtime, background.nats_ready, principal, parse_id(id))
        async for view in views:
            yield ReportJob.from_view(view, info)
