"""pricing: discounts on any ``Product``, known here only as an ``@interfaceObject``."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
DISCOUNTS = {"b1": 10, "f1": 0, "b2": 5}


@strawberry.federation.interface_object(keys=["upc"])
class Product:
    """No access directives here (Federation forbids them on interface objects): a discount is
    as public as the product types it lands on."""

    upc: strawberry.ID
    discount: int

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Product:
        upc = str(representation["upc"])
        return Product(upc=strawberry.ID(upc), discount=DISCOUNTS[upc])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def discount_rule(self) -> str:
        return "Скидка не больше 10 %."


schema = strawberry.federation.Schema(
    query=Query, types=[Product], federation_version=FEDERATION_VERSION
)
