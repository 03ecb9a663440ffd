"""The journal service: its subgraph, migrations, people subscription and demo loader."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from services.journal import files, lessons
from services.journal.demo import start_demo
from services.journal.end_of_day import start_control
from services.journal.events import SUBSCRIPTIONS
from services.journal.schema import schema
from services.kernel.app import ServiceSpec, create_app
from services.kernel.graphql import Runtime
from services.kernel.settings import Settings


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="journal",
        schema=schema,
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=SUBSCRIPTIONS,
        on_startup=[start_demo, start_control],
    )


def create(settings: Settings | None = None) -> FastAPI:
    app = create_app(spec(), settings)
    # lessons: homework file downloads (the gateway's /files/<token> is proxied here)
    app.add_api_route("/files/{token}", download_homework_file, methods=["GET"])
    return app


_NO_STORE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}


async def download_homework_file(token: str, request: Request) -> Response:
    """A signed, unexpired link streams the file; anything else is 403 or 404, no details."""
    runtime: Runtime = request.app.state.runtime
    try:
        file_id = files.verify_link(token, runtime.settings.internal_secret)
    except files.LinkRefused:
        return Response("Ссылка недействительна или устарела.", 403, _NO_STORE, "text/plain")
    row = await lessons.file_for_download(runtime.db, file_id)
    if row is None:
        return Response("Файл не найден.", 404, _NO_STORE, "text/plain")
    chunks = files.file_store(runtime).open(row.storage_key)
    try:
        first = await anext(chunks)
    except FileNotFoundError:
        return Response("Файл не найден.", 404, _NO_STORE, "text/plain")
    except StopAsyncIteration:
        first = b""

    async def body():  # type: ignore[no-untyped-def]
        yield first
        async for chunk in chunks:
            yield chunk

    headers = {
        **_NO_STORE,
        "content-disposition": files.content_disposition(row.name),
        "content-length": str(row.size),
    }
    return StreamingResponse(body(), media_type=row.content_type, headers=headers)
