"""The graphql-http audit (GraphQL over HTTP conformance) against a running gateway.

Runs where Node is installed: the audit package is installed once into
``~/.cache/sgo-node/http-audit`` from ``tests/gateway/node_audit``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn

from gateway.app import create_app
from services.kernel.settings import Settings
from tests.gateway.conftest import URLS
from tests.gateway.subgraphs import SECRET, RoutingTransport

AUDIT_SOURCE = Path(__file__).parent / "node_audit"
CACHE = Path(os.environ.get("SGO_NODE_CACHE", Path.home() / ".cache" / "sgo-node")) / "http-audit"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _install() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "audit.mjs"):
        source = (AUDIT_SOURCE / name).read_bytes()
        target = CACHE / name
        if not target.exists() or target.read_bytes() != source:
            target.write_bytes(source)
    if not (CACHE / "node_modules" / "graphql-http").is_dir():
        npm = await asyncio.create_subprocess_exec(
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            cwd=CACHE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await npm.communicate()
        if npm.returncode != 0:
            pytest.skip(f"npm could not install graphql-http: {output.decode()[-300:]}")
    return CACHE


@pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the graphql-http audit needs Node.js (node and npm on PATH)",
)
async def test_graphql_http_audit(transport: RoutingTransport) -> None:
    directory = await _install()
    # Introspection on: several audits ask for __type, as any GraphQL server would answer.
    app = create_app(
        URLS,
        settings=Settings(internal_secret=SECRET),
        http_client=httpx.AsyncClient(transport=transport),
        follow_events=False,
        introspection=True,
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.01)
        node = await asyncio.create_subprocess_exec(
            "node",
            "audit.mjs",
            f"http://127.0.0.1:{port}/graphql",
            cwd=directory,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        output, errors = await asyncio.wait_for(node.communicate(), timeout=120)
    finally:
        server.should_exit = True
        await serving
    assert node.returncode == 0, errors.decode()
    results = [orjson.loads(line) for line in output.splitlines() if line.strip()]
    assert len(results) > 40
    for result in results:
        if result["status"] == "warn":
            print(f"graphql-http warning {result['id']} {result['name']}: {result['reason']}")
    failures = [r for r in results if r["status"] == "error"]
    assert not failures, failures
