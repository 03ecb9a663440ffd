"""A service's periodic background work: one round, then a sleep, for as long as it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def run_every(
    every: float, round_: Callable[[], Awaitable[object]], *, log: logging.Logger, what: str
) -> None:
    """Run ``round_`` every ``every`` seconds; a failed round is logged and waits for the next."""
    while True:
        try:
            await round_()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying at the next round", what)
        await asyncio.sleep(every)
