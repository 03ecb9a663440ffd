"""reviews: reviews of books and furniture (the ``Reviewable`` union) by users, whose
``username`` this subgraph provides on ``Review.author``; one review's body is locked."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from services.kernel.graphql import FEDERATION_VERSION

PUBLIC = [["public"]]
REVIEWS = [  # id, subject typename, subject upc, author, body
    ("r1", "Book", "b1", "u1", "Классика."),
    ("r2", "Furniture", "f1", "u2", "Крепкая парта."),
    ("r3", "Book", "b1", "u2", None),
]
USERNAMES = {"u1": "anna", "u2": "boris"}


@strawberry.federation.type(keys=["id"], policy=PUBLIC)
class User:
    id: strawberry.ID
    username: str = strawberry.federation.field(external=True)

    @strawberry.federation.field(policy=PUBLIC)
    def reviews(self) -> list[Review]:
        return [make_review(row) for row in REVIEWS if row[3] == self.id]

    @classmethod
    def resolve_reference(cls, **representation: Any) -> User:
        return User(id=representation["id"], username=USERNAMES[representation["id"]])


@strawberry.federation.type(keys=["upc"], policy=PUBLIC)
class Book:
    upc: strawberry.ID

    @strawberry.federation.field(policy=PUBLIC)
    def reviews(self) -> list[Review]:
        return [make_review(row) for row in REVIEWS if row[1:3] == ("Book", self.upc)]

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Book:
        return Book(upc=representation["upc"])


@strawberry.federation.type(keys=["upc"], policy=PUBLIC)
class Furniture:
    upc: strawberry.ID

    @strawberry.federation.field(policy=PUBLIC)
    def reviews(self) -> list[Review]:
        return [make_review(row) for row in REVIEWS if row[1:3] == ("Furniture", self.upc)]

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Furniture:
        return Furniture(upc=representation["upc"])


Reviewable = Annotated[Book | Furniture, strawberry.union("Reviewable")]


@strawberry.federation.type(policy=PUBLIC)
class Review:
    id: strawberry.ID
    author: User = strawberry.federation.field(provides=["username"])
    subject: Reviewable
    text: strawberry.Private[str | None]

    @strawberry.federation.field(policy=PUBLIC)
    def body(self) -> str | None:
        if self.text is None:
            raise GraphQLError("Отзыв скрыт модератором.", extensions={"code": "LOCKED"})
        return self.text


def make_review(row: tuple[str, str, str, str, str | None]) -> Review:
    review_id, kind, upc, author, text = row
    subject = Book(upc=strawberry.ID(upc)) if kind == "Book" else Furniture(upc=strawberry.ID(upc))
    return Review(id=strawberry.ID(review_id), subject=subject, text=text,
                  author=User(id=strawberry.ID(author), username=USERNAMES[author]))  # fmt: skip


@strawberry.type
class Query:
    @strawberry.federation.field(policy=PUBLIC)
    def reviews(self) -> list[Review]:
        return [make_review(row) for row in REVIEWS]


schema = strawberry.federation.Schema(
    query=Query, types=[User, Book, Furniture, Review], federation_version=FEDERATION_VERSION
)
