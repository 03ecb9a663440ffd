"""products: the ``Product`` interface, books and furniture (two keys, one of them compound)."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
BOOKS = {"b1": ("Война и мир", 900, 1200), "b2": ("Азбука", 300, 400)}
FURNITURE = {"f1": ("Парта", 4000, "P-1", "v1")}
VENDORS = {"v1": "Фабрика «Школьник»"}


@strawberry.federation.interface(keys=["upc"])
class Product:
    """Access is not declared on interfaces: it is that of the implementing types."""

    upc: strawberry.ID
    name: str
    price: int


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Vendor:
    id: strawberry.ID
    name: str


@strawberry.federation.type(keys=["upc"], policy=PUBLIC)
class Book(Product):
    weight: int = strawberry.federation.field(inaccessible=True)
    # Moved to inventory (``@override``): this answer must never reach a client.
    in_stock: bool = False

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        return make_book(str(representation["upc"]))


@strawberry.federation.type(keys=["upc", "sku vendor { id }"], policy=PUBLIC)
class Furniture(Product):
    sku: str = strawberry.federation.field(inaccessible=True)
    vendor: Vendor

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Furniture:
        if "upc" in representation:
            return make_furniture(str(representation["upc"]))
        sku = representation["sku"]
        return next(make_furniture(k) for k, row in FURNITURE.items() if row[2] == sku)


def make_book(upc: str) -> Book:
    name, price, weight = BOOKS[upc]
    return Book(upc=strawberry.ID(upc), name=name, price=price, weight=weight)


def make_furniture(upc: str) -> Furniture:
    name, price, sku, vendor = FURNITURE[upc]
    return Furniture(upc=strawberry.ID(upc), name=name, price=price, sku=sku,
                     vendor=Vendor(id=strawberry.ID(vendor), name=VENDORS[vendor]))  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def top_products(self) -> list[Product]:
        return [make_book("b1"), make_furniture("f1"), make_book("b2")]

    @strawberry.federation.field(policy=PUBLIC)
    def book(self, upc: strawberry.ID) -> Book | None:
        return make_book(str(upc)) if str(upc) in BOOKS else None

    @strawberry.federation.field(policy=PUBLIC, shareable=True)
    def catalog_version(self) -> str:
        return "products-v1"


schema = strawberry.federation.Schema(
    query=Query, types=[Book, Furniture], federation_version=FEDERATION_VERSION
)
