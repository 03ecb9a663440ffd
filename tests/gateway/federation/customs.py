"""customs: a duty computed from the weight (``@requires``) and a declared value of its own."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
DECLARED = {"p1": 100, "p2": 900}


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Parcel:
    id: strawberry.ID
    weight: int = strawberry.federation.field(external=True)
    declared: int

    @strawberry.federation.field(requires=["weight"])
    def duty(self) -> int:
        return self.weight * 10

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Parcel:
        parcel_id = str(representation["id"])
        # Without the weight it was asked for, the duty cannot be computed: say so.
        weight = int(representation["weight"]) if "weight" in representation else -1
        return Parcel(id=strawberry.ID(parcel_id), weight=weight, declared=DECLARED[parcel_id])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def customs_rule(self) -> str:
        return "Пошлина — 10 за килограмм."


schema = strawberry.federation.Schema(
    query=Query, types=[Parcel], federation_version=FEDERATION_VERSION
)
