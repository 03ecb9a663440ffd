"""parcels: parcels, their weight (where a chain of ``@requires`` starts: parcels -> customs
-> delivery) and a fee with an argument (required as ``fee(currency: "EUR")``)."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
WEIGHTS = {"p1": 2, "p2": 30}
FEES = {"EUR": 1, "RUB": 100}  # per kilogram


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Parcel:
    id: strawberry.ID
    weight: int

    @strawberry.field
    def fee(self, currency: str) -> int:
        return FEES[currency] * self.weight

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Parcel:
        parcel_id = str(representation["id"])
        return Parcel(id=strawberry.ID(parcel_id), weight=WEIGHTS[parcel_id])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def parcels(self) -> list[Parcel]:
        return [Parcel(id=strawberry.ID(p), weight=w) for p, w in WEIGHTS.items()]


schema = strawberry.federation.Schema(query=Query, federation_version=FEDERATION_VERSION)
