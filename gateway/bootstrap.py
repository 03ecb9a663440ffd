"""Getting a supergraph at startup: from the subgraphs' SDL (retrying) or from a file."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from gateway.compose import SubgraphSchema, compose
from gateway.subgraph_client import SubgraphClient, SubgraphUnavailable, principal_headers
from gateway.supergraph import Supergraph
from services.kernel.principal import ANONYMOUS

log = logging.getLogger("sgo.gateway")


def subgraph_urls_from_settings(settings: object) -> dict[str, str]:
    return {
        name: str(getattr(settings, f"{name}_url"))
        for name in ("people", "journal", "messaging", "reports")
    }


async def fetch_subgraph_schemas(client: SubgraphClient, secret: str) -> list[SubgraphSchema]:
    """Every subgraph's SDL, fetched concurrently (the principal header is ANONYMOUS)."""
    headers = principal_headers(ANONYMOUS, secret, "00-" + "1" * 32 + "-" + "1" * 16 + "-00")
    names = list(client.urls)
    sdls = await asyncio.gather(*(client.fetch_sdl(name, headers) for name in names))
    return [SubgraphSchema(n, client.urls[n], s) for n, s in zip(names, sdls, strict=True)]


async def compose_from_subgraphs(
    client: SubgraphClient, secret: str, timeout: float = 60.0, interval: float = 0.5
) -> Supergraph:
    """Retry until every subgraph answers (they may still be starting), up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return compose(await fetch_subgraph_schemas(client, secret))
        except SubgraphUnavailable as exc:
            if time.monotonic() >= deadline:
                raise
            log.info("waiting for subgraphs: %s", exc)
            await asyncio.sleep(interval)


def load_supergraph_file(path: str | Path) -> Supergraph:
    from gateway.joinspec import load_supergraph

    return load_supergraph(Path(path).read_text(encoding="utf-8"))
