"""The people service: its spec (schema, migrations, start-up demo) and the app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.kernel.app import ServiceSpec, create_app
from services.kernel.graphql import Runtime
from services.kernel.settings import Settings
from services.people.anonymisation import start_schedule
from services.people.demo import load_demo
from services.people.events import SUBSCRIPTIONS
from services.people.schema import schema


async def demo_on_startup(runtime: Runtime) -> None:
    if runtime.settings.demo:
        await load_demo(runtime)


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="people",
        schema=schema,
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=SUBSCRIPTIONS,
        on_startup=[demo_on_startup, start_schedule],
    )


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(spec(), settings)
