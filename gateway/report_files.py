"""``/report-files/<token>``: ordered reports and archived sheets, proxied to reports.

The same shape as the homework files' ``/files/<token>``: reports checks the signed link
(what it opens and until when) and answers the file; the gateway passes it through with the
headers it trusts only.
"""

from __future__ import annotations

import re

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_PASSED = ("content-type", "content-disposition", "content-length", "cache-control")


def reports_base(urls: dict[str, str]) -> str:
    url = urls["reports"]
    return url[: -len("/graphql")] if url.endswith("/graphql") else url.rstrip("/")


async def report_file_endpoint(request: Request) -> Response:
    token = request.path_params["token"]
    if not _TOKEN.match(token):
        return Response("Ссылка недействительна.", 404, media_type="text/plain; charset=utf-8")
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is None:
        return Response("Сервис запускается.", 503, media_type="text/plain; charset=utf-8")
    client = gateway.client
    http: httpx.AsyncClient = client.http
    upstream = http.build_request(
        "GET", f"{reports_base(client.urls)}/files/{token}", headers={"accept-encoding": "identity"}
    )
    try:
        answer = await http.send(upstream, stream=True)
    except httpx.HTTPError:
        return Response("Отчёты недоступны.", 502, media_type="text/plain; charset=utf-8")
    headers = {k: answer.headers[k] for k in _PASSED if k in answer.headers}
    headers["x-content-type-options"] = "nosniff"
    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=headers,
        background=BackgroundTask(answer.aclose),
    )
