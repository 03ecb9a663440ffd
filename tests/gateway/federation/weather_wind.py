"""weather_wind: one third of a shared root field on a keyless type (``weather`` is served
by three subgraphs, each resolving some of ``Forecast``'s fields)."""

from __future__ import annotations

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Forecast:
    city: str
    speed: int


@strawberry.type
class Query:
    @strawberry.federation.field(shareable=True, policy=PUBLIC)
    def weather(self, city: str) -> Forecast:
        return Forecast(city=city, speed=7)


schema = strawberry.federation.Schema(query=Query, federation_version=FEDERATION_VERSION)
