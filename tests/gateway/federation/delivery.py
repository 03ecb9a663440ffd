"""delivery: a price that requires the duty (itself ``@requires`` the weight) and the declared
value, both from customs: a chain, and required fields in a third subgraph; an insurance
that requires a field with an argument."""

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

    fee_in_euro: strawberry.Private[int] = -1

    @strawberry.federation.field(external=True)
    def fee(self, currency: str) -> int:
        return self.fee_in_euro

    @strawberry.federation.field(requires=["duty declared"])
    def price(self) -> int:
        return self.duty + self.declared // 100

    @strawberry.federation.field(requires=['fee(currency: "EUR")'])
    def insurance(self) -> int:
        return self.fee_in_euro * 3

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Parcel:
        # -1 where a required field did not come: a wrong plan shows in the answer.
        return Parcel(id=strawberry.ID(representation["id"]),
                      duty=int(representation.get("duty", -1)),
                      declared=int(representation.get("declared", -1)),
                      fee_in_euro=int(representation.get("fee", -1)))  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def delivery_rule(self) -> str:
        return "Доставка — пошлина плюс процент."


schema = strawberry.federation.Schema(
    query=Query, types=[Parcel], federation_version=FEDERATION_VERSION
)
