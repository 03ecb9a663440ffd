"""titles: takes ``Album.title`` over from media (``@override``) while media still answers
``Item.title`` for the interface: the planner must ask titles for albums."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
TITLES = {"a1": "Времена года (ремастер)", "a2": "Ноктюрны (ремастер)"}


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Album:
    id: strawberry.ID
    title: str = strawberry.federation.field(override="media")

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Album:
        album_id = str(representation["id"])
        return Album(id=strawberry.ID(album_id), title=TITLES[album_id])


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def title_count(self) -> int:
        return len(TITLES)


schema = strawberry.federation.Schema(
    query=Query, types=[Album], federation_version=FEDERATION_VERSION
)
