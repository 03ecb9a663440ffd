"""The journal service: its subgraph, migrations, people subscription and demo loader."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.journal.demo import start_demo
from services.journal.end_of_day import start_control
from services.journal.events import SUBSCRIPTIONS
from services.journal.schema import schema
from services.kernel.app import ServiceSpec, create_app
from services.kernel.settings import Settings


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="journal",
        schema=schema,
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=SUBSCRIPTIONS,
        on_startup=[start_demo, start_control],
    )


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(spec(), settings)
