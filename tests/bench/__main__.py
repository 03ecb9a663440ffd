"""Run every benchmark: ``python -m tests.bench [name ...]``."""

from __future__ import annotations

import asyncio
import sys
from contextlib import ExitStack

from tests.bench import (
    eventing,
    gateway,
    journal,
    journal_marks,
    messaging,
    people_import,
    report_files,
    reports,
    reports_demo,
)
from tests.infra import start_infra
from tests.support import Infra, env_infra

BENCHMARKS = {
    "eventing": eventing.run,
    "consumer": eventing.run_consumer,
    "gateway": gateway.run,
    "people_import": people_import.run,
    "journal": journal.run,
    "journal_marks": journal_marks.run,
    "reports": reports.run,
    "reports_demo": reports_demo.run,
    "messaging": messaging.run,
    "report_files": report_files.run,
}


async def _run(infra: Infra, names: list[str]) -> None:
    try:
        for name in names:
            print(f"\n== {name} ==")
            await BENCHMARKS[name](infra)
    finally:
        await infra.drop_all()


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    with ExitStack() as stack:
        infra = env_infra() or stack.enter_context(start_infra())
        asyncio.run(_run(infra, names))


if __name__ == "__main__":
    main()
