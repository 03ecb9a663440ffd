"""inventory: stock (overriding products' ``Book.inStock``) and shipping, which needs
products' ``price`` and the inaccessible ``weight`` (``@requires``)."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
IN_STOCK = {"b1": True, "b2": False, "P-1": True}


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Vendor:
    id: strawberry.ID
    name: str


@strawberry.federation.type(keys=["upc"], policy=PUBLIC)
class Book:
    upc: strawberry.ID
    # -1: the gateway did not send what @requires asks for.
    price: int = strawberry.federation.field(external=True, default=-1)
    weight: int = strawberry.federation.field(external=True, default=-1)
    in_stock: bool = strawberry.federation.field(override="products", default=False)

    @strawberry.federation.field(requires=["price weight"], policy=PUBLIC)
    def shipping_estimate(self) -> int | None:
        if self.price < 0 or self.weight < 0:
            return None
        return 0 if self.price >= 500 else self.weight // 10

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        upc = str(representation["upc"])
        return Book(upc=strawberry.ID(upc), price=representation.get("price", -1),
                    weight=representation.get("weight", -1), in_stock=IN_STOCK[upc])  # fmt: skip


@strawberry.federation.type(keys=["sku vendor { id }"], policy=PUBLIC)
class Furniture:
    sku: str = strawberry.federation.field(inaccessible=True)
    vendor: Vendor
    in_stock: bool

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Furniture:
        sku, vendor = representation["sku"], representation["vendor"]["id"]
        return Furniture(sku=sku, vendor=Vendor(id=vendor, name="Фабрика «Школьник»"),
                         in_stock=IN_STOCK[sku])  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def restock(self) -> list[Furniture]:
        return [Furniture.resolve_reference(sku="P-1", vendor={"id": "v1"})]

    @strawberry.federation.field(policy=PUBLIC, shareable=True)
    def catalog_version(self) -> str:
        return "inventory-v1"


schema = strawberry.federation.Schema(
    query=Query, types=[Book, Furniture], federation_version=FEDERATION_VERSION
)
