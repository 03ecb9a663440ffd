"""The Guild's Federation v2 composer (``tests/gateway/node/``), installed once per machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from gateway.compose import SubgraphSchema
from tests.gateway.federation.harness import sgo_subgraph_schemas, subgraph_schemas

SOURCE = Path(__file__).parent.parent / "node"
CACHE = Path(os.environ.get("SGO_NODE_CACHE", Path.home() / ".cache" / "sgo-node"))
HOME = CACHE / "gateway-composition"


def unavailable_reason() -> str | None:
    """None when the composer can run; otherwise why not (the tests skip with it)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js and npm are not installed"
    HOME.mkdir(parents=True, exist_ok=True)
    fresh = True
    for name in ("package.json", "compose.mjs"):
        wanted = (SOURCE / name).read_bytes()
        target = HOME / name
        if not target.exists() or target.read_bytes() != wanted:
            target.write_bytes(wanted)
            fresh = False
    if fresh and (HOME / "node_modules" / "@theguild" / "federation-composition").is_dir():
        return None
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund"],
        cwd=HOME,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return f"npm install failed (offline?): {done.stderr.strip()[-300:]}"
    return None


def compose_with_node(*compositions: list[SubgraphSchema]) -> list[str]:
    """Each set's supergraph SDL; AssertionError with the composer's messages when it refuses."""
    jobs = [[{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs]
            for subgraphs in compositions]  # fmt: skip
    done = subprocess.run(
        ["node", str(HOME / "compose.mjs")],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"the composer failed:\n{done.stderr}"
    results = json.loads(done.stdout)
    for result in results:
        assert "errors" not in result, "composition errors:\n" + "\n".join(result["errors"])
    return [result["sdl"] for result in results]


@dataclass(frozen=True)
class Standard:
    """Supergraphs the standard composer made (one Node run for the whole test session)."""

    sgo: str  # sgo's four services
    federation: str  # the test federation, at its in-process URLs


@cache
def _standard() -> Standard | str:
    reason = unavailable_reason()
    if reason is not None:
        return reason
    sgo, federation = compose_with_node(sgo_subgraph_schemas(), subgraph_schemas())
    return Standard(sgo, federation)


def standard() -> Standard:
    """The standard composer's supergraphs; skips the test when Node.js is not there."""
    result = _standard()
    if isinstance(result, str):
        pytest.skip(f"standard composition not checked: {result}")
    return result


@cache
def _composed(names: tuple[str, ...]) -> str:
    from tests.gateway.federation import fixtures

    schemas = {name: fixtures.SCHEMAS[name] for name in names}
    (sdl,) = compose_with_node(subgraph_schemas(schemas))
    return sdl


def standard_for(*names: str) -> str:
    """The standard composer's supergraph of the named fixture subgraphs (cached per set);
    skips the test when Node.js is not there."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"standard composition not checked: {reason}")
    return _composed(names)
