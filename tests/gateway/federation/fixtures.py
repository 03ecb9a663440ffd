"""The small fixture subgraphs beyond the main five, by name, for the planner's tests."""

from __future__ import annotations

from typing import Any

from tests.gateway.federation import (
    catalogue,
    codes,
    customs,
    delivery,
    loans,
    media,
    notes,
    parcels,
    ratings,
    shelf,
    titles,
    weather_rain,
    weather_sky,
    weather_wind,
)

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
