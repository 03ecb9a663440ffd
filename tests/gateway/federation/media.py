"""media: albums and films behind an ``Item`` interface whose fields hold objects, so one
response key can be selected on the interface and again under a fragment."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Inaccessible

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]


@strawberry.enum
class Format(enum.Enum):
    VINYL = "VINYL"
    # Not for clients yet: a value the gateway must never pass on.
    TAPE = strawberry.enum_value("TAPE", directives=[Inaccessible()])


@strawberry.federation.type(shareable=True, policy=PUBLIC)
class Owner:
    id: strawberry.ID
    name: str
    city: str | None


@strawberry.federation.interface(keys=["id"])
class Item:
    id: strawberry.ID
    title: str
    owner: Owner

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Item:
        """An entity interface: asked for an ``Item``, answers the album or film it is."""
        return _find(str(representation["id"]))


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Album(Item):
    tracks: int
    format: Format | None = None
    # Never empty here, optional in codes: the supergraph says String, this subgraph String!.
    code: str = strawberry.federation.field(shareable=True, default="LP-1")

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Album:
        return _find(str(representation["id"]))  # type: ignore[return-value]


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Film(Item):
    minutes: int
    code: str | None = None

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Film:
        return _find(str(representation["id"]))  # type: ignore[return-value]


_OWNER = Owner(id=strawberry.ID("o1"), name="Фонотека", city="Томск")
LATEST = Album(id=strawberry.ID("a2"), title="Ноктюрны", owner=_OWNER, tracks=21,
               format=Format.TAPE)  # fmt: skip
ITEMS: dict[str, Item] = {
    "a1": Album(
        id=strawberry.ID("a1"), title="Времена года", owner=_OWNER, tracks=12, format=Format.VINYL
    ),
    "f1": Film(id=strawberry.ID("f1"), title="Солярис", owner=_OWNER, minutes=169),
}


def _find(item_id: str) -> Item:
    return LATEST if item_id == LATEST.id else ITEMS[item_id]


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def items(self) -> list[Item]:
        return list(ITEMS.values())

    @strawberry.federation.field(policy=PUBLIC)
    def latest(self) -> Item | None:
        """Not rated yet: ratings answers no entity for it."""
        return LATEST


schema = strawberry.federation.Schema(
    query=Query, types=[Album, Film], federation_version=FEDERATION_VERSION
)
