"""The browser console loads only its own files, under a policy that allows only its origin."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "gateway" / "static"
PAGE_URL = "http://gateway.test/graphql"
ORIGIN = "http://gateway.test"


class _Page(HTMLParser):
    """Every URL the page refers to, and anything that would run or style inline."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "poster", "data") and value:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.inline.append("<style>")
        self._in_script = tag == "script"
        if tag == "script" and not dict(attrs).get("src"):
            self.inline.append("<script> without src")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("<script> with a body")


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


async def _page(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response


async def test_the_page_refers_only_to_files_of_its_own_origin(
    client: httpx.AsyncClient,
) -> None:
    page = _Page()
    page.feed((await _page(client)).text)
    assert page.inline == []
    local = []
    for url in page.urls:
        if url.startswith("data:"):
            continue
        absolute = urljoin(PAGE_URL, url)
        assert absolute.startswith(ORIGIN + "/"), url
        local.append(urlsplit(absolute).path + ("?" + urlsplit(absolute).query))
    assert any(p.startswith("/console/console.js") for p in local)
    assert any(p.startswith("/console/console.css") for p in local)
    for path in local:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_page_and_its_files_carry_a_policy_that_allows_only_their_origin(
    client: httpx.AsyncClient,
) -> None:
    responses = [await _page(client)]
    for name in ("console.js", "console.css", "examples.json"):
        responses.append(await client.get(f"/console/{name}"))
    for response in responses:
        policy = _directives(response.headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"]
        for directive in ("script-src", "style-src", "connect-src"):
            assert policy[directive] == ["'self'"], directive
        for values in policy.values():
            assert not any("unsafe" in v or "://" in v or v == "*" for v in values), values
        assert policy["frame-ancestors"] == ["'none'"]
        assert response.headers["referrer-policy"] == "no-referrer"
    assert responses[0].headers["cache-control"] == "no-store"


async def test_the_scripts_and_styles_fetch_nothing_from_another_host(
    client: httpx.AsyncClient,
) -> None:
    script = (await client.get("/console/console.js")).text
    style = (await client.get("/console/console.css")).text
    assert (
        (await client.get("/console/console.js"))
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert (await client.get("/console/console.css")).headers["content-type"].startswith("text/css")
    for text in (script, style):
        assert not re.search(r"(https?:)?//[\w.-]+\.[a-z]{2,}", text)
    assert "@import" not in style
    assert "url(" not in style


async def test_a_file_the_browser_has_is_not_sent_again(client: httpx.AsyncClient) -> None:
    first = await client.get("/console/console.js")
    etag = first.headers["etag"]
    again = await client.get("/console/console.js", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_only_the_console_files_are_served(client: httpx.AsyncClient) -> None:
    for name in ("index.html", "..%2Fconsole.py", "console.py", "nope.js"):
        assert (await client.get(f"/console/{name}")).status_code == 404, name


async def test_every_example_names_a_title_roles_and_a_query(client: httpx.AsyncClient) -> None:
    examples = (await client.get("/console/examples.json")).json()["examples"]
    assert examples
    for example in examples:
        assert example["title"] and example["query"].strip()
        assert isinstance(example["roles"], list)
        assert isinstance(example.get("variables", {}), dict)


def test_the_console_files_are_installed_with_the_gateway_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"].get("gateway", [])
    files = sorted(p.relative_to(ROOT / "gateway").as_posix() for p in STATIC.iterdir())
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name
