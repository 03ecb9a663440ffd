"""A reply names the sessions its request ended, so the gateway refuses them before answering."""

from __future__ import annotations

from typing import Any

from services.kernel.principal import Principal
from tests.people.helpers import build_school, ok, sign_in
from tests.support import Infra, ServiceClient, running_service

GRANT = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }"""
WITHDRAW = """mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }"""
CHANGE = """mutation($old: String!, $new: String!) { changePassword(oldPassword: $old,
  newPassword: $new) }"""


async def reply(svc: ServiceClient, query: str, variables: dict[str, Any], who: Principal) -> Any:
    body = await svc.gql(query, variables, principal=who)
    assert not body.get("errors"), body
    return body


def ended_sessions(body: dict[str, Any]) -> set[str]:
    revoked = (body.get("extensions") or {}).get("revocations") or []
    return {e["payload"]["session_id"] for e in revoked if e["type"] == "people.session.ended"}


async def test_a_withdrawal_names_the_sessions_it_ended_and_a_read_names_none(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        once = await school.account("klassruk", "sokolova")
        first = await sign_in(svc, "sokolova", once)
        await reply(svc, CHANGE, {"old": once, "new": "Sosna-Kedr-7"}, first)
        me = await sign_in(svc, "sokolova", "Sosna-Kedr-7")
        role = {"input": {"personId": str(school.ids["klassruk"]), "role": "PSYCHOLOGIST"}}
        granted = await reply(svc, GRANT, role, school.admin)
        assert ended_sessions(granted) == set()

        withdrawn = await reply(svc, WITHDRAW, role, school.admin)
        assert ended_sessions(withdrawn) == {str(me.session_id)}
        read = await reply(svc, "{ mySessions { id } }", {}, me)
        assert "extensions" not in read or not read["extensions"].get("revocations")
        assert await ok(svc, "{ mySessions { id } }", principal=me) == {"mySessions": []}
