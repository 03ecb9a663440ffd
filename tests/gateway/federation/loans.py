"""loans: knows a book only by ``id`` and a nested composite key (``id edition { number tag
}``), and adds a field to the keyless ``Edition`` that only it resolves."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
LOANS = {("B-1", 1, "first"): 7, ("B-2", 3, "reprint"): 2}
PRINT_RUNS = {(1, "first"): 5000, (3, "reprint"): 1200}


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Edition:
    number: int
    tag: str

    @strawberry.field
    def print_run(self) -> int:
        return PRINT_RUNS[(self.number, self.tag)]


@strawberry.federation.type(keys=["id edition { number tag }"], policy=PUBLIC)
class Book:
    id: strawberry.ID
    edition: Edition = strawberry.federation.field(shareable=True)
    loans: int

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        edition = representation["edition"]
        number, tag = int(edition["number"]), str(edition["tag"])
        return Book(id=strawberry.ID(representation["id"]),
                    edition=Edition(number=number, tag=tag),
                    loans=LOANS[(str(representation["id"]), number, tag)])  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def loan_rule(self) -> str:
        return "Не больше трёх книг."


schema = strawberry.federation.Schema(
    query=Query, types=[Book], federation_version=FEDERATION_VERSION
)
