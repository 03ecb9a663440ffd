"""Each service's migrations form one chain: two branches adding a revision each must be
re-chained before they land, or every fresh database fails to start."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from services.kernel.migrations import alembic_config
from services.kernel.nats import CONTEXTS


@pytest.mark.parametrize("service", sorted(CONTEXTS))
def test_a_service_has_one_migration_head(service: str) -> None:
    package = importlib.import_module(f"services.{service}")
    script = ScriptDirectory.from_config(
        alembic_config(Path(package.__file__).parent / "migrations")
    )
    assert len(script.get_heads()) == 1, script.get_heads()
