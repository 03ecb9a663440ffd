"""Signed file links, proxied to the service that signed them.

``/files/<token>`` (homework files) goes to the journal, ``/report-files/<token>`` (ordered
reports and archived sheets) to reports. Clients only talk to the gateway; the service checks
the token (a signed file id with an expiry) and streams the file. The gateway passes the answer
through, headers it trusts only.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_PASSED = ("content-type", "content-disposition", "content-length", "cache-control")
Endpoint = Callable[[Request], Awaitable[Response]]


def service_base(urls: dict[str, str], service: str) -> str:
    url = urls[service]
    return url[: -len("/graphql")] if url.endswith("/graphql") else url.rstrip("/")


def _text(message: str, status: int) -> Response:
    return Response(message, status, media_type="text/plain; charset=utf-8")


def file_proxy(service: str, unavailable: str) -> Endpoint:
    """The endpoint that hands ``<token>`` to ``service``'s own ``/files/<token>``."""

    async def endpoint(request: Request) -> Response:
        token = request.path_params["token"]
        if not _TOKEN.match(token):
            return _text("Ссылка недействительна.", 404)
        gateway = getattr(request.app.state, "gateway", None)
        if gateway is None:
            return _text("Сервис запускается.", 503)
        client = gateway.client
        http: httpx.AsyncClient = client.http
        upstream = http.build_request(
            "GET",
            f"{service_base(client.urls, service)}/files/{token}",
            headers={"accept-encoding": "identity"},  # passed through byte for byte
        )
        try:
            answer = await http.send(upstream, stream=True)
        except httpx.HTTPError:
            return _text(unavailable, 502)
        headers = {k: answer.headers[k] for k in _PASSED if k in answer.headers}
        headers["x-content-type-options"] = "nosniff"
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=headers,
            background=BackgroundTask(answer.aclose),
        )

    return endpoint


file_endpoint = file_proxy("journal", "Журнал недоступен.")
report_file_endpoint = file_proxy("reports", "Отчёты недоступны.")
