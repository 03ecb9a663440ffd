"""The reports service: composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from services.kernel.app import ServiceSpec, create_app
from services.kernel.graphql import Runtime
from services.kernel.settings import Settings
from services.reports import downloads
from services.reports.archive import start_archivist
from services.reports.archive_models import ArchivedSheet, ReportFile
from services.reports.events import SUBSCRIPTIONS
from services.reports.jobs import start_worker
from services.reports.schema import schema


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="reports",
        schema=schema,
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=SUBSCRIPTIONS,
        on_startup=[start_worker, start_archivist],
    )


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(spec(), settings)
    # Report files and archived sheets (the gateway's /report-files/<token> is proxied here).
    app.add_api_route("/files/{token}", download_file, methods=["GET"])
    return app


_NO_STORE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}
PDF = "application/pdf"


async def download_file(token: str, request: Request) -> Response:
    """A signed, unexpired link answers the file; anything else is 403 or 404, no details."""
    runtime: Runtime = request.app.state.runtime
    try:
        kind, file_id = downloads.verify_link(token, runtime.settings.internal_secret)
    except downloads.LinkRefused:
        return Response("Ссылка недействительна или устарела.", 403, _NO_STORE, "text/plain")
    async with runtime.db.sessionmaker() as session:
        if kind is downloads.FileKind.REPORT:
            row = (
                await session.execute(
                    select(ReportFile.name, ReportFile.content_type, ReportFile.content).where(
                        ReportFile.file_id == file_id
                    )
                )
            ).first()
        else:
            row = (
                await session.execute(
                    select(
                        ArchivedSheet.class_name,
                        ArchivedSheet.data["academic_year"].astext,
                        ArchivedSheet.pdf,
                    ).where(
                        ArchivedSheet.archived_sheet_id == file_id,
                        ArchivedSheet.sha256.is_not(None),
                    )
                )
            ).first()
            if row is not None:
                year = (row[1] or "").replace("/", "-")
                row = (f"Сводная ведомость {row[0]} {year}.pdf", PDF, row[2])
    if row is None:
        return Response("Файл не найден.", 404, _NO_STORE, "text/plain")
    name, content_type, content = row
    headers = {**_NO_STORE, "content-disposition": downloads.content_disposition(name)}
    return Response(content, 200, headers, content_type)
