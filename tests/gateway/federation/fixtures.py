"""The small fixture subgraphs beyond the main five, by name, for the planner's tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from gateway.joinspec import load_supergraph
from services.kernel.settings import Settings
from tests.gateway.federation import (
    catalogue,
    codes,
    customs,
    delivery,
    loans,
    media,
    node_composer,
    notes,
    parcels,
    ratings,
    shelf,
    titles,
    weather_rain,
    weather_sky,
    weather_wind,
)
from tests.gateway.federation.harness import Federation, running_federation

SCHEMAS: dict[str, Any] = {
    "media": media.schema,
    "ratings": ratings.schema,
    "notes": notes.schema,
    "titles": titles.schema,
    "codes": codes.schema,
    "shelf": shelf.schema,
    "catalogue": catalogue.schema,
    "loans": loans.schema,
    "parcels": parcels.schema,
    "customs": customs.schema,
    "delivery": delivery.schema,
    "sky": weather_sky.schema,
    "wind": weather_wind.schema,
    "rain": weather_rain.schema,
}

# Each planner test runs twice: over the gateway's own composition and over The Guild's.
COMPOSITIONS = ["own", "standard"]


@contextlib.asynccontextmanager
async def fixture_federation(
    settings: Settings, composition: str, *names: str
) -> AsyncIterator[Federation]:
    """The gateway over the fixture subgraphs ``names``, composed as ``composition`` says."""
    graph = (
        load_supergraph(node_composer.standard_for(*names)) if composition == "standard" else None
    )
    schemas = {name: SCHEMAS[name] for name in names}
    async with running_federation(settings, graph, schemas) as federation:
        yield federation
