"""Fixtures for the deploy tests: one embedded PostgreSQL for the whole module set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy._os import free_port
from deploy.embedded_postgres import EmbeddedPostgres


@pytest.fixture(scope="session")
def embedded_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("pg"), port=free_port(), fast=True)
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "sgo"
