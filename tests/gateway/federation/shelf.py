"""shelf: books by ``upc`` only (the first hop of a key chain: upc -> id -> loans)."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
TITLES = {"u1": "Мёртвые души", "u2": "Обломов"}


@strawberry.federation.type(keys=["upc"], policy=PUBLIC)
class Book:
    upc: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        upc = str(representation["upc"])
        return Book(upc=strawberry.ID(upc), title=TITLES[upc])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def shelf(self) -> list[Book]:
        return [Book(upc=strawberry.ID(upc), title=title) for upc, title in TITLES.items()]


schema = strawberry.federation.Schema(query=Query, federation_version=FEDERATION_VERSION)
