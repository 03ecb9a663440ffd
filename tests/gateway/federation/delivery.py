"""delivery: a price that requires the duty (itself ``@requires`` the weight) and the declared
value, both from customs: a chain, and required fields in a third subgraph."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Parcel:
    id: strawberry.ID
    duty: int = strawberry.federation.field(external=True)
    declared: int = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["duty declared"])
    def price(self) -> int:
        return self.duty + self.declared // 100

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Parcel:
        return Parcel(id=strawberry.ID(representation["id"]),
                      duty=int(representation["duty"]),
                      declared=int(representation["declared"]))  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def delivery_rule(self) -> str:
        return "Доставка — пошлина плюс процент."


schema = strawberry.federation.Schema(
    query=Query, types=[Parcel], federation_version=FEDERATION_VERSION
)
