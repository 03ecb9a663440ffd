"""codes: shares ``Album.code`` as nullable, so the supergraph's ``Album.code`` is ``String``
while media declares it ``String!`` next to its ``Film.code: String``."""

from __future__ import annotations

from typing import Any

import strawberry

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class Album:
    id: strawberry.ID
    code: str | None = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Album:
        return Album(id=strawberry.ID(representation["id"]), code=None)


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def code_format(self) -> str:
        return "LP-n"


schema = strawberry.federation.Schema(
    query=Query, types=[Album], federation_version=FEDERATION_VERSION
)
