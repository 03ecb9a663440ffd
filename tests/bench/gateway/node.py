"""The Node side of the benchmark: installing the peer gateways once, composing, starting them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

SOURCES = Path(__file__).parent / "node"
# Outside the repository: node_modules is large and must never be committed.
NODE_CACHE = Path(os.environ.get("SGO_NODE_CACHE", Path.home() / ".cache" / "sgo-node"))
CACHE = NODE_CACHE / "gateway-bench"


def unavailable() -> str | None:
    """Why the Node gateways cannot run here, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found" if missing else None


def install() -> Path:
    """Copy the launchers next to their node_modules; `npm install` only when package.json moved."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for source in SOURCES.iterdir():
        shutil.copy2(source, CACHE / source.name)
    manifest = (SOURCES / "package.json").read_bytes()
    stamp = CACHE / ".installed-package.json"
    if not stamp.exists() or stamp.read_bytes() != manifest:
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CACHE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stamp.write_bytes(manifest)
    return CACHE


def compose(subgraphs: list[dict[str, str]]) -> str:
    """The supergraph SDL that `@theguild/federation-composition` composes from these subgraphs."""
    result = subprocess.run(
        ["node", str(CACHE / "compose.mjs")],
        input=json.dumps(subgraphs).encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"composition failed: {result.stderr.decode()}")
    return result.stdout.decode()


@asynccontextmanager
async def gateway(script: str, supergraph: Path, port: int) -> AsyncIterator[str]:
    """Run a Node gateway until the block ends; yields its GraphQL URL once it answers."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(CACHE / script),
        str(supergraph),
        str(port),
        cwd=CACHE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NODE_ENV": "production"},
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        await _wait_ready(url, process)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def _wait_ready(url: str, process: asyncio.subprocess.Process, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                stderr = await process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"{url} exited: {stderr.decode()[-2000:]}")
            try:
                await http.post(url, json={"query": "{ __typename }"})
                return
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s")
