"""Access directives enforced at the gateway: denied fields never reach a subgraph."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gateway.access import AccessRule, allows, check
from services.kernel.principal import ANONYMOUS, Principal
from services.kernel.roles import Role
from tests.gateway.conftest import principal_with
from tests.gateway.subgraphs import Subgraph

Gql = Callable[..., Any]


async def test_forbidden_field_is_null_with_error_and_never_sent(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql('{ person(id: "1") { name phone } }', token=token)
    # phone is String!, so the null climbs to the nullable person.
    assert body["data"] == {"person": None}
    assert body["errors"] == [
        {
            "message": "Недостаточно прав для поля «Person.phone».",
            "path": ["person", "phone"],
            "extensions": {"code": "FORBIDDEN"},
        }
    ]
    assert all("phone" not in q for q in subgraphs["people"].queries())


async def test_forbidden_nullable_parent_keeps_siblings(
    gql: Gql, token_for: Callable[[Principal], str]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ hello me { id secretNote } }", token=token)
    assert body["data"] == {"hello": "Привет, мир", "me": None}
    assert body["errors"][0]["path"] == ["me", "secretNote"]


async def test_allowed_for_the_right_role(
    gql: Gql, token_for: Callable[[Principal], str], subgraphs: dict[str, Subgraph]
) -> None:
    token = token_for(principal_with(Role.CLASS_TEACHER))
    body = await gql('{ person(id: "1") { name phone } }', token=token)
    assert body == {"data": {"person": {"name": "Анна", "phone": "+7 900 000-00-01"}}}
    call = subgraphs["people"].calls[-1]
    assert call.principal.scopes == frozenset({"role:class_teacher"})
    assert "authorization" not in call.headers
    assert call.headers["traceparent"].startswith("00-")


async def test_anonymous_gets_public_fields_and_unauthenticated_errors(
    gql: Gql, subgraphs: dict[str, Subgraph]
) -> None:
    body = await gql("{ hello me { name } }")
    assert body["data"] == {"hello": "Привет, мир", "me": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["me"]
    assert all(not re.search(r"\bme\b", q) for q in subgraphs["people"].queries())
    assert subgraphs["people"].calls[-1].principal == ANONYMOUS


async def test_public_login_mutation_for_anonymous(gql: Gql) -> None:
    body = await gql('mutation { login(login: "anna") }')
    assert body == {"data": {"login": "token-for-anna"}}


async def test_forbidden_field_inside_a_joined_list(
    gql: Gql, token_for: Callable[[Principal], str]
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    body = await gql("{ bestStudent { name } people { id } }", token=token)
    assert "errors" not in body
    anonymous = await gql("{ people { id } }")
    assert anonymous["data"] is None  # people is non-null and needs a login
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_requires_scopes_is_or_of_ands() -> None:
    rule = AccessRule.from_directives(
        [("requiresScopes", {"scopes": [["role:director"], ["role:parent", "role:student"]]})]
    )
    assert allows(rule, principal_with(Role.DIRECTOR))
    assert allows(rule, principal_with(Role.PARENT, Role.STUDENT))
    assert not allows(rule, principal_with(Role.PARENT))


def test_policies() -> None:
    def rule(*names: str) -> AccessRule:
        return AccessRule.from_directives([("policy", {"policies": [list(names)]})])

    assert allows(rule("public"), ANONYMOUS)
    assert allows(rule("self"), principal_with())
    assert not allows(rule("self"), ANONYMOUS)
    assert not allows(rule("unknown"), principal_with(Role.DIRECTOR))
    assert check(rule("self"), ANONYMOUS, "X.y").code == "UNAUTHENTICATED"  # type: ignore[union-attr]
    assert check(rule("unknown"), principal_with(), "X.y").code == "FORBIDDEN"  # type: ignore[union-attr]
    assert not allows(AccessRule(), principal_with(Role.DIRECTOR))  # undeclared: denied


def test_type_level_directive_applies_to_fields(gateway: Any) -> None:
    assert gateway.supergraph.access_rule("Mark", "value").authenticated
