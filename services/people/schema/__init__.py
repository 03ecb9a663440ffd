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
from services.people.schema.health import HealthMutation, HealthQuery
from services.people.schema.importing import ImportingMutation, ImportingQuery
from services.people.schema.movement import MovementMutation, MovementQuery
from services.people.schema.organisation import OrganisationMutation, OrganisationQuery
from services.people.schema.personal_data import PersonalDataMutation, PersonalDataQuery
from services.people.schema.revocations import RevocationsInReply
from services.people.schema.role_audit import RoleAuditQuery
from services.people.schema.verification import VerificationMutation, VerificationQuery


@strawberry.type
class Query(
    CoreQuery,
    AccountsQuery,
    OrganisationQuery,
    MovementQuery,
    PersonalDataQuery,
    HealthQuery,
    VerificationQuery,
    ImportingQuery,
    RoleAuditQuery,
):
    pass


@strawberry.type
class Mutation(
    CoreMutation,
    AccountsMutation,
    OrganisationMutation,
    MovementMutation,
    PersonalDataMutation,
    HealthMutation,
    VerificationMutation,
    ImportingMutation,
):
    pass


schema = build_schema(
    query=Query,
    mutation=Mutation,
    types=[Person, Student, SchoolClass, School],
    extensions=[RevocationsInReply],
)
