"""Session fixtures: one PostgreSQL and one NATS for the whole run.

``SGO_TEST_DATABASE_URL`` / ``SGO_TEST_NATS_URL`` point at servers that already run;
``SGO_TESTCONTAINERS=1`` takes them from Docker when a daemon answers; otherwise both are
started embedded from their wheels in a scratch directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.infra import start_infra
from tests.support import Infra, env_infra, new_namespace


@pytest.fixture(scope="session")
def _infra_process() -> Iterator[Infra]:
    infra = env_infra()
    if infra is not None:
        yield infra
        return
    with start_infra() as infra:
        yield infra


@pytest.fixture(scope="session")
async def infra(_infra_process: Infra) -> AsyncIterator[Infra]:
    yield _infra_process
    await _infra_process.drop_all()


@pytest.fixture
def namespace() -> str:
    return new_namespace()
