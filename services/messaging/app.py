"""The messaging service: composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.kernel.app import ServiceSpec, create_app
from services.kernel.settings import Settings
from services.messaging.demo import start_demo
from services.messaging.email import start_mailer
from services.messaging.events import SUBSCRIPTIONS
from services.messaging.schema import schema


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="messaging",
        schema=schema,
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=SUBSCRIPTIONS,
        on_startup=[start_demo, start_mailer],
    )


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(spec(), settings)
