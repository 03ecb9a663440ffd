"""catalogue: maps a book's ``upc`` to its ``id`` and its edition (a keyless value type), the
middle hop between shelf and loans."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
BOOKS = {"u1": ("B-1", 1, "first"), "u2": ("B-2", 3, "reprint")}


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Edition:
    number: int
    tag: str


@strawberry.federation.type(keys=["upc", "id"], policy=PUBLIC)
class Book:
    upc: strawberry.ID
    id: strawberry.ID = strawberry.federation.field(shareable=True)
    edition: Edition = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        if "upc" in representation:
            upc = str(representation["upc"])
        else:
            upc = next(u for u, row in BOOKS.items() if row[0] == representation["id"])
        book_id, number, tag = BOOKS[upc]
        return Book(upc=strawberry.ID(upc), id=strawberry.ID(book_id),
                    edition=Edition(number=number, tag=tag))  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def catalogue_size(self) -> int:
        return len(BOOKS)


schema = strawberry.federation.Schema(
    query=Query, types=[Book], federation_version=FEDERATION_VERSION
)
