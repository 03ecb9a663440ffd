"""accounts: users; ``email`` is for directors only; ``birthYear`` and ``users(archived:)``
never leave the graph."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.federation.schema_directives import Inaccessible

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
USERS = {
    "u1": {"name": "Анна Ильина", "username": "anna", "birth_year": 1990},
    "u2": {"name": "Борис Орлов", "username": "boris", "birth_year": 1985},
}


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class User:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    username: str = strawberry.federation.field(shareable=True)
    birth_year: int = strawberry.federation.field(inaccessible=True)
    email: str = strawberry.federation.field(requires_scopes=[["role:director"]])

    @classmethod
    def resolve_reference(cls, **representation: Any) -> User:
        return make_user(str(representation["id"]))


def make_user(user_id: str) -> User:
    row = USERS[user_id]
    return User(id=strawberry.ID(user_id), name=row["name"], username=row["username"],
                birth_year=row["birth_year"], email=f"{row['username']}@school.test")  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def me(self) -> User | None:
        return make_user("u1")

    @strawberry.federation.field(policy=PUBLIC)
    def users(
        self, archived: Annotated[bool, strawberry.argument(directives=[Inaccessible()])] = False
    ) -> list[User]:
        return [] if archived else [make_user(user_id) for user_id in USERS]


schema = strawberry.federation.Schema(
    query=Query, types=[User], federation_version=FEDERATION_VERSION
)
