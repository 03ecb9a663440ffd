"""A closed-loop load generator: fixed clients, each sending again as soon as it is answered."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Call = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


STUCK_SECONDS = 60  # a request that long is a failure to report, not a figure to wait for


async def _client(call: Call, until: float, latencies: list[float]) -> None:
    while (start := time.perf_counter()) < until:
        await asyncio.wait_for(call(), STUCK_SECONDS)
        latencies.append(time.perf_counter() - start)


async def measure(call: Call, *, concurrency: int, seconds: float, warmup: float) -> Figures:
    """Warm up, then run `concurrency` clients for `seconds`; latency of every completed call."""
    await asyncio.gather(*(_client(call, time.perf_counter() + warmup, []) for _ in range(4)))
    latencies: list[float] = []
    began = time.perf_counter()
    await asyncio.gather(*(_client(call, began + seconds, latencies) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Figures(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cuts[98] * 1000,
    )
