"""notes: adds ``notes`` to the ``Item`` interface and to the album and film entities that
media owns; the interface has no key here, so a join must go type by type."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
NOTES = {"a1": ["Вивальди"], "f1": ["Тарковский", "1972"]}


@strawberry.interface
class Item:
    id: strawberry.ID
    notes: list[str]


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Album(Item):
    @classmethod
    def resolve_reference(cls, **representation: Any) -> Album:
        item_id = str(representation["id"])
        return Album(id=strawberry.ID(item_id), notes=NOTES[item_id])


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Film(Item):
    @classmethod
    def resolve_reference(cls, **representation: Any) -> Film:
        item_id = str(representation["id"])
        return Film(id=strawberry.ID(item_id), notes=NOTES[item_id])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def note_count(self) -> int:
        return sum(map(len, NOTES.values()))


schema = strawberry.federation.Schema(
    query=Query, types=[Album, Film], federation_version=FEDERATION_VERSION
)
