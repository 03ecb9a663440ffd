"""Every subgraph fetch under a timeout, timed, and marked as its own span of the trace."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from gateway.observability import FETCH_SECONDS, child_span
from gateway.subgraph_client import SubgraphClient, SubgraphUnavailable


class GuardedSubgraphClient(SubgraphClient):
    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str], timeout: float) -> None:
        super().__init__(http, urls)
        self.timeout = timeout
        self._histograms: dict[str, Any] = {}

    async def post(
        self,
        subgraph: str,
        query: str,
        variables: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        parent = headers.get("traceparent")
        if parent:
            headers = {**headers, "traceparent": child_span(parent)}
        histogram = self._histograms.get(subgraph)
        if histogram is None:
            histogram = self._histograms[subgraph] = FETCH_SECONDS.labels(subgraph)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                return await super().post(subgraph, query, variables, headers)
        except TimeoutError as exc:
            # The executor answers it like a subgraph that is down: partial data, an error.
            raise SubgraphUnavailable(f"{subgraph}: no answer in {self.timeout:g}s") from exc
        finally:
            histogram.observe(time.perf_counter() - started)
