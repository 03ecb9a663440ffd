"""Accounts through the people subgraph: consent, issuing logins, password policy, throttling,
sessions — each allowed and refused side, and the events each change leaves in the outbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update

from services.kernel.events import utcnow
from services.kernel.principal import ANONYMOUS, PRINCIPAL_HEADER, encode_principal_header
from services.kernel.roles import Role
from services.people.domain import ADDRESS_MAX_FAILURES
from services.people.models import Account, AddressThrottleRow, Session, outbox
from tests.people.helpers import (
    ISSUE,
    LOGIN,
    School,
    build_school,
    error_code,
    login,
    ok,
    sign_in,
    staff,
)
from tests.support import Infra, ServiceClient, running_service

RECORD = """mutation($input: RecordConsentInput!) { recordConsent(input: $input) {
  id document documentKind documentNumber documentDate givenAt withdrawnAt
  subject { id } givenBy { id } } }"""
WITHDRAW = """mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) {
  id withdrawnAt withdrawalDocument } }"""
CONSENTS = """query($id: ID!) { consents(personId: $id) { id documentKind withdrawnAt } }"""
CHANGE = """mutation($old: String!, $new: String!) { changePassword(oldPassword: $old,
  newPassword: $new) }"""
FULL_LOGIN = """mutation($login: String!, $password: String!) { login(login: $login,
  password: $password) { accessToken mustChangePassword passwordExpiresAt passwordExpiresSoon } }"""
POLICY = "{ passwordPolicy { minLength historySize maxAgeDays expiryWarningDays } }"
UPDATE_POLICY = """mutation($input: PasswordPolicyInput!) { updatePasswordPolicy(input: $input) {
  minLength historySize maxAgeDays expiryWarningDays } }"""
STATUS = "{ passwordStatus { mustChangePassword expiresAt expiresSoon } }"
SESSIONS = "{ mySessions { id address userAgent current } }"
END_MINE = "mutation($id: ID!) { endMySession(id: $id) }"
END_SESSIONS = "mutation($id: ID!) { endSessions(personId: $id) }"


async def events(svc: ServiceClient, type_: str) -> list[dict[str, Any]]:
    """Payloads of one type written to the outbox (in the same transaction as the change)."""
    async with svc.runtime.db.sessionmaker() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.envelope["type"].astext == type_)
            .order_by(outbox.c.seq)  # the relay's updates move rows: no order without this
        )
        return [row["payload"] for row in rows]


async def raw_login(
    svc: ServiceClient, login_name: str, password: str, *, address: str, agent: str = "test"
) -> dict[str, Any]:
    """A login as the gateway forwards it: with the client's address and user agent."""
    headers = {
        PRINCIPAL_HEADER: encode_principal_header(ANONYMOUS, svc.settings.internal_secret),
        "x-sgo-client-address": address,
        "x-sgo-client-agent": agent,
    }
    response = await svc.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"login": login_name, "password": password}},
        headers=headers,
    )
    return response.json()


async def set_password(svc: ServiceClient, principal: Any, old: str, new: str) -> dict[str, Any]:
    return await svc.gql(CHANGE, {"old": old, "new": new}, principal=principal)


def consent_input(school: School, subject: str, given_by: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "subjectId": str(school.ids[subject]),
            "givenById": str(school.ids[given_by]),
            **extra,
        }
    }


async def test_consent_records_giver_and_document_and_withdrawal_blocks_the_account_at_once(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        student_id = school.ids["petrov.student"]
        # A minor student cannot consent for themself; the parent does.
        own = consent_input(school, "petrov.student", "petrov.student", documentKind="заявление")
        assert error_code(await svc.gql(RECORD, own, principal=secretary)) == "VALIDATION"
        nothing = consent_input(school, "petrov.student", "petrov.parent")
        assert error_code(await svc.gql(RECORD, nothing, principal=secretary)) == "VALIDATION"
        hr = staff(school.id, Role.HR_SECRETARY)
        by_parent = consent_input(
            school,
            "petrov.student",
            "petrov.parent",
            documentKind="заявление",
            documentNumber="17",
            documentDate="2026-08-28",
        )
        assert error_code(await svc.gql(RECORD, by_parent, principal=hr)) == "FORBIDDEN"
        recorded = (await ok(svc, RECORD, by_parent, principal=secretary))["recordConsent"]
        assert recorded["document"] == "заявление № 17 от 28.08.2026"
        assert recorded["documentDate"] == "2026-08-28"
        assert recorded["givenBy"]["id"] == str(school.ids["petrov.parent"])
        issued = await ok(svc, ISSUE, {"input": {"personId": str(student_id)}}, principal=secretary)
        password = issued["issueCredentials"]["oneTimePassword"]
        student = await sign_in(svc, "petrov.aa", password)

        withdraw = {
            "input": {"subjectId": str(school.ids["petrov.student"]), "document": "Заявление № 40"}
        }
        assert error_code(await svc.gql(WITHDRAW, withdraw, principal=hr)) == "FORBIDDEN"
        withdrawn = (await ok(svc, WITHDRAW, withdraw, principal=secretary))["withdrawConsent"]
        assert withdrawn[0]["withdrawalDocument"] == "Заявление № 40"
        assert error_code(await svc.gql(WITHDRAW, withdraw, principal=secretary)) == "CONFLICT"
        async with svc.runtime.db.sessionmaker() as session:
            ended = await session.scalar(
                select(Session.end_reason).where(Session.id == student.session_id)
            )
        assert ended == "account_blocked"
        assert error_code(await login(svc, "petrov.aa", password)) == "FORBIDDEN"
        refused = await svc.gql(
            ISSUE, {"input": {"personId": str(school.ids["petrov.student"])}}, principal=secretary
        )
        assert error_code(refused) == "CONFLICT"

        # A new consent and new credentials lift the block the withdrawal caused; history stays.
        await ok(svc, RECORD, by_parent, principal=secretary)
        issued = await ok(svc, ISSUE, {"input": {"personId": str(student_id)}}, principal=secretary)
        await sign_in(svc, "petrov.aa", issued["issueCredentials"]["oneTimePassword"])
        history = await ok(
            svc, CONSENTS, {"id": str(school.ids["petrov.student"])}, principal=secretary
        )
        assert [c["withdrawnAt"] is None for c in history["consents"]] == [True, False]
        # A list: the HR secretary keeps staff data, so a student's consents are none of theirs.
        refused = await svc.gql(CONSENTS, {"id": str(school.ids["petrov.student"])}, principal=hr)
        assert refused == {"data": {"consents": []}}

        assert len(await events(svc, "people.consent.recorded")) == 2
        (withdrawal,) = await events(svc, "people.consent.withdrawn")
        assert withdrawal["consent_id"] == recorded["id"]
        assert withdrawal["subject_id"] == str(school.ids["petrov.student"])
        blocked = await events(svc, "people.account.blocked")
        assert [b["reason"] for b in blocked] == ["consent_withdrawn"]
        reasons = [e["reason"] for e in await events(svc, "people.session.ended")]
        assert reasons == ["account_blocked"]


async def test_logins_are_issued_by_the_right_secretary_and_only_with_consent(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        student = {"input": {"personId": str(school.ids["orlov.student"])}}
        employee = {"input": {"personId": str(school.ids["klassruk"])}}
        academic = staff(school.id, Role.ACADEMIC_SECRETARY)
        hr = staff(school.id, Role.HR_SECRETARY)
        teacher = staff(school.id, Role.SUBJECT_TEACHER)

        refused = await svc.gql(ISSUE, student, principal=academic)
        assert error_code(refused) == "CONFLICT"
        assert "Орлов К. И." in refused["errors"][0]["message"]
        assert "родителем" in refused["errors"][0]["message"]
        await school.consent("orlov.student", given_by="orlov.parent")
        await school.consent("klassruk")

        assert error_code(await svc.gql(ISSUE, student, principal=teacher)) == "FORBIDDEN"
        assert error_code(await svc.gql(ISSUE, student, principal=hr)) == "FORBIDDEN"
        assert error_code(await svc.gql(ISSUE, employee, principal=academic)) == "FORBIDDEN"
        other_school = staff(uuid4(), Role.ADMINISTRATOR)
        assert error_code(await svc.gql(ISSUE, student, principal=other_school)) == "NOT_FOUND"

        await ok(svc, ISSUE, student, principal=academic)
        await ok(svc, ISSUE, employee, principal=hr)
        await ok(svc, ISSUE, employee, principal=school.admin)
        issued = await events(svc, "people.account.issued")
        assert [e["person_id"] for e in issued] == [
            str(school.ids["orlov.student"]),
            str(school.ids["klassruk"]),
            str(school.ids["klassruk"]),
        ]


async def test_a_one_time_password_gives_a_token_only_for_the_change_then_a_full_one(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        once = await school.account("klassruk", "sokolova")
        body = await svc.gql(FULL_LOGIN, {"login": "sokolova", "password": once})
        assert body["data"]["login"]["mustChangePassword"] is True
        restricted = await sign_in(svc, "sokolova", once)
        assert restricted.must_change_password

        await ok(svc, CHANGE, {"old": once, "new": "Sosna-Kedr-7"}, principal=restricted)
        async with svc.runtime.db.sessionmaker() as session:
            reason = await session.scalar(
                select(Session.end_reason).where(Session.id == restricted.session_id)
            )
        assert reason == "password_changed"  # the restricted token is done with
        body = await svc.gql(FULL_LOGIN, {"login": "sokolova", "password": "Sosna-Kedr-7"})
        result = body["data"]["login"]
        assert result["mustChangePassword"] is False
        assert result["passwordExpiresSoon"] is False
        assert result["passwordExpiresAt"] > (utcnow() + timedelta(days=29)).isoformat()
        assert not (await sign_in(svc, "sokolova", "Sosna-Kedr-7")).must_change_password
        changed = await events(svc, "people.account.password_changed")
        assert [e["forced"] for e in changed] == [True]


async def test_a_new_password_is_refused_naming_each_broken_rule_of_the_school_policy(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        policy = {"minLength": 10, "historySize": 3, "maxAgeDays": 60, "expiryWarningDays": 7}
        await ok(svc, UPDATE_POLICY, {"input": policy}, principal=school.admin)
        first = await school.account("klassruk", "sokolova")
        me = await sign_in(svc, "sokolova", first)

        async def refused(old: str, new: str) -> str:
            body = await set_password(svc, me, old, new)
            assert error_code(body) == "VALIDATION", body
            assert body["errors"][0]["extensions"]["field"] == "newPassword"
            return str(body["errors"][0]["message"])

        assert "«длина»" in await refused(first, "Sosna-Ke7")
        assert "«не содержать логин»" in await refused(first, "Sokolova-2026")
        assert "«не из списка распространённых»" in await refused(first, "ЙЦУКЕНГШЩЗХЪ")
        assert "отличаться от текущего" in await refused(first, first)
        await ok(svc, CHANGE, {"old": first, "new": "Sosna-Kedr-71"}, principal=me)
        me = await sign_in(svc, "sokolova", "Sosna-Kedr-71")
        await ok(svc, CHANGE, {"old": "Sosna-Kedr-71", "new": "Bereza-Dub-72"}, principal=me)
        async with svc.runtime.db.sessionmaker() as session:
            kept = await session.scalar(select(Session.ended_at).where(Session.id == me.session_id))
        assert kept is None  # an ordinary change keeps the current session
        # The last 3: the current one and two before it (the one-time password among them).
        assert "«не повторять прежние»" in await refused("Bereza-Dub-72", "Sosna-Kedr-71")
        assert "«не повторять прежние»" in await refused("Bereza-Dub-72", first)
        await ok(svc, CHANGE, {"old": "Bereza-Dub-72", "new": "Lipa-Klen-73"}, principal=me)
        await ok(svc, CHANGE, {"old": "Lipa-Klen-73", "new": first}, principal=me)


async def test_an_expired_password_forces_a_change_and_a_reminder_comes_before_expiry(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        once = await school.account("klassruk", "sokolova")
        me = await sign_in(svc, "sokolova", once)
        await ok(svc, CHANGE, {"old": once, "new": "Sosna-Kedr-7"}, principal=me)

        async def age(days: int) -> dict[str, Any]:
            async with svc.runtime.db.sessionmaker() as session:
                await session.execute(
                    update(Account)
                    .where(Account.login == "sokolova")
                    .values(password_changed_at=utcnow() - timedelta(days=days))
                )
                await session.commit()
            body = await svc.gql(FULL_LOGIN, {"login": "sokolova", "password": "Sosna-Kedr-7"})
            return body["data"]["login"]

        assert (await age(20))["passwordExpiresSoon"] is False
        soon = await age(26)
        assert soon["passwordExpiresSoon"] is True and soon["mustChangePassword"] is False
        me = await sign_in(svc, "sokolova", "Sosna-Kedr-7")
        status = (await ok(svc, STATUS, principal=me))["passwordStatus"]
        assert status["expiresSoon"] is True and status["mustChangePassword"] is False
        expired = await age(31)
        assert expired["mustChangePassword"] is True
        assert (await sign_in(svc, "sokolova", "Sosna-Kedr-7")).must_change_password


async def test_only_the_administrator_reads_and_updates_the_policy_of_their_own_school(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        defaults = {"minLength": 8, "historySize": 5, "maxAgeDays": 30, "expiryWarningDays": 5}
        assert (await ok(svc, POLICY, principal=school.admin))["passwordPolicy"] == defaults
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(POLICY, principal=teacher)) == "FORBIDDEN"
        stricter = {"minLength": 12, "historySize": 10, "maxAgeDays": 90, "expiryWarningDays": 10}
        body = await svc.gql(UPDATE_POLICY, {"input": stricter}, principal=teacher)
        assert error_code(body) == "FORBIDDEN"
        bad = await svc.gql(
            UPDATE_POLICY, {"input": {**stricter, "minLength": 4}}, principal=school.admin
        )
        assert error_code(bad) == "VALIDATION"
        assert bad["errors"][0]["extensions"]["field"] == "minLength"
        await ok(svc, UPDATE_POLICY, {"input": stricter}, principal=school.admin)
        assert (await ok(svc, POLICY, principal=school.admin))["passwordPolicy"] == stricter
        # Another school keeps its own (here: the defaults).
        other = staff(uuid4(), Role.ADMINISTRATOR)
        assert (await ok(svc, POLICY, principal=other))["passwordPolicy"] == defaults


async def test_failed_logins_are_throttled_per_account_and_per_client_address_in_the_database(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        parent_password = await school.account("petrov.parent", "petrova")
        spray = "203.0.113.7"
        for n in range(ADDRESS_MAX_FAILURES):
            # Different logins, a few tries each: no single account reaches its own limit.
            body = await raw_login(svc, f"guess{n % 5}", "Qwerty123", address=spray)
            assert error_code(body) == "UNAUTHENTICATED", (n, body)
        shut = await raw_login(svc, "sokolova", password, address=spray)
        assert error_code(shut) == "RATE_LIMITED"
        assert "с этого адреса" in shut["errors"][0]["message"]
        assert "Повторите через 10 мин." in shut["errors"][0]["message"]
        ok_elsewhere = await raw_login(svc, "sokolova", password, address="198.51.100.2")
        assert not ok_elsewhere.get("errors"), ok_elsewhere
        async with svc.runtime.db.sessionmaker() as session:
            row = await session.get(AddressThrottleRow, spray)
        assert row is not None and row.locked_until is not None

        # Per account: five wrong passwords lock it, from any address, for 5 minutes.
        for n in range(5):
            body = await raw_login(svc, "petrova", "wrong-password", address=f"192.0.2.{n}")
            assert error_code(body) == "UNAUTHENTICATED"
        locked = await raw_login(svc, "petrova", parent_password, address="192.0.2.99")
        assert error_code(locked) == "RATE_LIMITED"
        assert "Повторите через 5 мин." in locked["errors"][0]["message"]
        async with svc.runtime.db.sessionmaker() as session:
            account = await session.scalar(select(Account).where(Account.login == "petrova"))
        assert account is not None and account.locked_until is not None


async def test_sessions_are_listed_and_ended_by_their_owner_or_the_administrator_of_the_school(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        await raw_login(svc, "sokolova", password, address="192.0.2.10", agent="Firefox")
        me = await sign_in(svc, "sokolova", password)
        listed = (await ok(svc, SESSIONS, principal=me))["mySessions"]
        assert len(listed) == 2
        assert [s["current"] for s in listed] == [True, False]
        assert listed[1]["address"] == "192.0.2.10" and listed[1]["userAgent"] == "Firefox"

        assert (await ok(svc, END_MINE, {"id": listed[1]["id"]}, principal=me))["endMySession"]
        assert error_code(await svc.gql(END_MINE, {"id": listed[1]["id"]}, principal=me)) == (
            "NOT_FOUND"
        )
        again = await sign_in(svc, "sokolova", password)
        person = {"id": str(school.ids["klassruk"])}
        other_admin = staff(uuid4(), Role.ADMINISTRATOR)
        assert error_code(await svc.gql(END_SESSIONS, person, principal=other_admin)) == (
            "NOT_FOUND"
        )
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(END_SESSIONS, person, principal=teacher)) == "FORBIDDEN"
        ended = await ok(svc, END_SESSIONS, person, principal=school.admin)
        assert ended["endSessions"] == 2
        assert (await ok(svc, SESSIONS, principal=again))["mySessions"] == []
        ended_events = await events(svc, "people.session.ended")
        by_admin = [e for e in ended_events if e["reason"] == "ended_by_administrator"]
        assert {e["session_id"] for e in by_admin} == {str(me.session_id), str(again.session_id)}
        assert all(UUID(e["account_id"]) == me.account_id for e in ended_events)
