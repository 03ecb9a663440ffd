"""ratings: stars and look-alikes of any ``Item``, known here only as an ``@interfaceObject``:
the items it returns come back typed ``Item``, never as the album or film they are."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
STARS = {"a1": 5, "f1": 4}
SIMILAR = {"a1": ["f1"], "f1": ["a1"]}


@strawberry.federation.interface_object(keys=["id"])
class Item:
    id: strawberry.ID
    stars: int

    @strawberry.field
    def similar(self) -> list[Item]:
        return [_item(other) for other in SIMILAR[str(self.id)]]

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Item | None:
        item_id = str(representation["id"])
        return _item(item_id) if item_id in STARS else None  # not rated: no entity, no error


def _item(item_id: str) -> Item:
    return Item(id=strawberry.ID(item_id), stars=STARS[item_id])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def top_rated(self) -> list[Item]:
        return [_item(item_id) for item_id in sorted(STARS, key=STARS.__getitem__, reverse=True)]


schema = strawberry.federation.Schema(
    query=Query, types=[Item], federation_version=FEDERATION_VERSION
)
