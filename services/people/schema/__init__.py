"""The people subgraph, assembled from one module per area of the people context.

Each area declares its own `…Query` and `…Mutation` types; the roots below inherit them all,
so adding an area is one import and one base class.
"""

from __future__ import annotations

import strawberry

from services.kernel.graphql import build_schema
from services.people.schema.accounts import AccountsMutation, AccountsQuery
from services.people.schema.core import (
    CoreMutation,
    CoreQuery,
    Person,
    School,
    SchoolClass,
    Student,
)


@strawberry.type
class Query(CoreQuery, AccountsQuery):
    pass


@strawberry.type
class Mutation(CoreMutation, AccountsMutation):
    pass


schema = build_schema(query=Query, mutation=Mutation, types=[Person, Student, SchoolClass, School])
