"""The browser console at ``/graphql``: sgo's own page and assets, served from the package.

Nothing is fetched from another host (a school's closed network has none to reach, and the page
people type their passwords into runs no third party's code); the Content-Security-Policy lets
the page load and call only its own origin.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
MEDIA_TYPES = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "examples.json": "application/json",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _read(name: str) -> bytes:
    return files("gateway").joinpath("static", name).read_bytes()


@cache
def assets() -> dict[str, Asset]:
    """The console's files, read once per process."""
    loaded: dict[str, Asset] = {}
    for name, media_type in MEDIA_TYPES.items():
        body = _read(name)
        loaded[name] = Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
    return loaded


@cache
def page_html() -> str:
    """The page, its asset links carrying their content hash so a new release is never stale."""
    html = _read("index.html").decode()
    for marker, name in (("{js_version}", "console.js"), ("{css_version}", "console.css")):
        html = html.replace(marker, assets()[name].etag.strip('"'))
    return html


def console_page() -> Response:
    headers = {**SECURITY_HEADERS, "cache-control": "no-store"}
    return HTMLResponse(page_html(), headers=headers)


async def console_asset(request: Request) -> Response:
    """``/console/<name>``: one of the console's files (304 when the browser has it)."""
    asset = assets().get(request.path_params["name"])
    if asset is None:
        return Response("Нет такого файла.", status_code=404, media_type="text/plain")
    headers = {**SECURITY_HEADERS, "etag": asset.etag, "cache-control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
