"""Each process gets the environment it needs and nothing it must not have."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.system import System


def _system(tmp_path: Path, **kwargs: Any) -> System:
    urls = {
        s: f"postgresql+asyncpg://sgo_{s}:pw@127.0.0.1:1/sgo_{s}" for s in ("people", "journal")
    }
    return System(
        database_urls=urls,
        nats_url="nats://127.0.0.1:2",
        keys=("PRIVATE", "PUBLIC", "SECRET"),
        data_dir=tmp_path,
        **kwargs,
    )


def test_environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SGO_DATABASE_ADMIN_URL", "postgresql://admin@db/postgres")
    system = _system(tmp_path, namespace="t1", demo=True)
    assert system.ports == {"people": 8101, "journal": 8102, "gateway": 8000}

    people = system.service_env("people")
    assert people["SGO_DATABASE_URL"].endswith("/sgo_people")
    assert people["SGO_JWT_PRIVATE_KEY"] == "PRIVATE"
    assert people["SGO_PORT"] == "8101"
    assert people["SGO_NAMESPACE"] == "t1" and people["SGO_DEMO"] == "true"
    assert "SGO_DATABASE_ADMIN_URL" not in people

    journal = system.service_env("journal")
    assert "SGO_JWT_PRIVATE_KEY" not in journal
    assert journal["SGO_JWT_PUBLIC_KEY"] == "PUBLIC"

    gateway = system.gateway_env()
    assert "SGO_DATABASE_URL" not in gateway
    assert gateway["SGO_INTERNAL_SECRET"] == "SECRET"
    assert gateway["SGO_PEOPLE_URL"] == "http://127.0.0.1:8101/graphql"
    assert gateway["SGO_PORT"] == "8000"
    assert system.graphql_url == "http://127.0.0.1:8000/graphql"


def test_free_ports_are_distinct(tmp_path: Path) -> None:
    system = _system(tmp_path, free_ports=True)
    assert len(set(system.ports.values())) == 3
    assert system.gateway_env()["SGO_JOURNAL_URL"] == f"{system.service_url('journal')}/graphql"
