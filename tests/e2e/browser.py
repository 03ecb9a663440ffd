"""A headless Chromium driven over the DevTools protocol, recording every request a page makes.

Only the ``websockets`` package the project already depends on: no browser download, no
driver. The browser resolves no host name but 127.0.0.1, as in a school's closed network.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """``SGO_TEST_CHROMIUM``, else the first Chromium on PATH."""
    explicit = os.environ.get("SGO_TEST_CHROMIUM")
    if explicit:
        return explicit
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Page:
    """One tab, with what it asked the network for and what went wrong in it."""

    _ws: ClientConnection
    _session: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _waiting: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._call(method, params, self._session)

    async def _call(
        self, method: str, params: dict[str, Any] | None, session: str | None
    ) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        await self._ws.send(json.dumps(message))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _receive(self, message: dict[str, Any]) -> None:
        if "id" in message:
            future = self._waiting.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message)
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"])
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.problems.append(json.dumps(details.get("exception", details))[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            # An HTTP error status is the page's business (it shows the server's message);
            # anything else logged as an error (a CSP violation, a failed load) is a problem.
            entry = params["entry"]
            if not (entry.get("source") == "network" and "status of 4" in entry["text"]):
                self.problems.append(entry["text"])
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.problems.append(json.dumps(params["args"])[:500])

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy (the page works asynchronously)."""
        deadline = asyncio.get_running_loop().time() + timeout
        guarded = f"(() => {{ try {{ return ({expression}); }} catch {{ return null; }} }})()"
        while True:
            value = await self.evaluate(guarded)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                text = await self.evaluate("document.body ? document.body.innerText : ''")
                raise AssertionError(f"never true: {expression}\npage:\n{text}\n{self.problems}")
            await asyncio.sleep(0.1)

    async def type_into(self, selector: str, text: str) -> None:
        """Focus a field and type as a keyboard would (the page sees real input events)."""
        await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.focus(); e.select(); })()"
        )
        await self.send("Input.insertText", {"text": text})

    async def press(self, key: str, code: str, key_code: int, *, ctrl: bool = False) -> None:
        modifiers = 2 if ctrl else 0
        for kind in ("rawKeyDown", "keyUp"):
            await self.send(
                "Input.dispatchKeyEvent",
                {
                    "type": kind,
                    "modifiers": modifiers,
                    "key": key,
                    "code": code,
                    "windowsVirtualKeyCode": key_code,
                },
            )

    async def click(self, selector: str) -> None:
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


async def _devtools_port(profile: Path, process: asyncio.subprocess.Process) -> tuple[int, str]:
    marker = profile / "DevToolsActivePort"
    for _ in range(300):
        if marker.exists():
            lines = marker.read_text().split()
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
        if process.returncode is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        await asyncio.sleep(0.1)
    raise RuntimeError("Chromium did not open its DevTools port")


def _removed(directory: Path) -> bool:
    shutil.rmtree(directory, ignore_errors=True)
    return not directory.exists()


@contextlib.asynccontextmanager
async def open_page(chromium: str) -> AsyncIterator[Page]:
    """A fresh profile, a fresh tab; the browser is gone when the block ends."""
    profile = Path(tempfile.mkdtemp(prefix="sgo-chromium-"))
    args = [
        chromium,
        "--headless=new",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # A closed network: no name resolves, only the machine's own address answers.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "about:blank",
    ]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to sandbox as root
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    reader: asyncio.Task[None] | None = None
    try:
        port, path = await _devtools_port(profile, process)
        async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
            page = Page(ws, "")

            async def read() -> None:
                async for raw in ws:
                    page._receive(json.loads(raw))

            reader = asyncio.create_task(read())
            target = await page._call("Target.createTarget", {"url": "about:blank"}, None)
            attached = await page._call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, None
            )
            page._session = attached["sessionId"]
            for domain in ("Network", "Page", "Runtime", "Log"):
                await page.send(f"{domain}.enable")
            yield page
    finally:
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        # Chromium's helper processes may still write to the profile for a moment after it exits.
        for _ in range(50):
            if _removed(profile):
                break
            await asyncio.sleep(0.1)
