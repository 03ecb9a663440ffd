"""Building a small school through the people subgraph, and reading its events back."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import nats
from nats.js.api import DeliverPolicy

from services.kernel.events import Envelope, stream_name
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.tokens import verify_access_token
from tests.support import ServiceClient


def staff(school_id: UUID, *roles: Role, person_id: UUID | None = None) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=person_id or uuid4(),
        school_id=school_id,
        session_id=uuid4(),
        login="staff",
        roles=tuple(RoleGrant(r) for r in roles),
    )


def regional_admin(person_id: UUID | None = None) -> Principal:
    """The installation's administrator: the role, and no school."""
    return Principal(
        account_id=uuid4(),
        person_id=person_id or uuid4(),
        school_id=None,
        session_id=uuid4(),
        login="region",
        roles=(RoleGrant(Role.REGIONAL_ADMINISTRATOR),),
    )


async def ok(
    svc: ServiceClient, query: str, variables: dict[str, Any] | None = None, *, principal: Principal
) -> dict[str, Any]:
    body = await svc.gql(query, variables, principal=principal)
    assert not body.get("errors"), body
    return body["data"]


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


CREATE_SCHOOL = """mutation($input: CreateSchoolInput!) { createSchool(input: $input) { id } }"""
CREATE_YEAR = """mutation($input: CreateAcademicYearInput!) {
  createAcademicYear(input: $input) { id name studyPeriods { id name } } }"""
CREATE_CLASS = """mutation($input: CreateSchoolClassInput!) {
  createSchoolClass(input: $input) { id name } }"""
REGISTER = (
    """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { id fullName } }"""
)
ENROL = """mutation($input: EnrolStudentInput!) { enrolStudent(input: $input) { id } }"""
LINK = """mutation($input: LinkGuardianshipInput!) { linkGuardianship(input: $input) { id } }"""
CONSENT = """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"""
ISSUE = """mutation($input: IssueCredentialsInput!) {
  issueCredentials(input: $input) { login oneTimePassword person { id } } }"""
ASSIGN = (
    """mutation($input: AssignClassTeacherInput!) { assignClassTeacher(input: $input) { id } }"""
)
LOGIN = """mutation($login: String!, $password: String!) {
  login(login: $login, password: $password) { accessToken expiresAt mustChangePassword } }"""


@dataclass
class School:
    """A school with one class (7Б), its class teacher, and two families."""

    svc: ServiceClient
    id: UUID
    admin: Principal
    year_id: UUID = field(init=False)
    class_id: UUID = field(init=False)
    other_class_id: UUID = field(init=False)
    ids: dict[str, UUID] = field(default_factory=dict)

    async def person(
        self,
        key: str,
        kind: str,
        last: str,
        first: str,
        middle: str | None = None,
        sex: str = "MALE",
    ) -> UUID:
        data = await ok(
            self.svc,
            REGISTER,
            {
                "input": {
                    "kind": kind,
                    "lastName": last,
                    "firstName": first,
                    "middleName": middle,
                    "sex": sex,
                }
            },
            principal=self.admin,
        )
        self.ids[key] = UUID(data["registerPerson"]["id"])
        return self.ids[key]

    async def consent(self, key: str, given_by: str | None = None) -> None:
        await ok(
            self.svc,
            CONSENT,
            {
                "input": {
                    "subjectId": str(self.ids[key]),
                    "givenById": str(self.ids[given_by or key]),
                    "document": "Заявление № 17 от 28.08.2026",
                }
            },
            principal=self.admin,
        )

    async def credentials(self, key: str, login: str) -> str:
        data = await ok(
            self.svc,
            ISSUE,
            {"input": {"personId": str(self.ids[key]), "login": login}},
            principal=self.admin,
        )
        return str(data["issueCredentials"]["oneTimePassword"])

    async def account(self, key: str, login: str, given_by: str | None = None) -> str:
        await self.consent(key, given_by)
        return await self.credentials(key, login)


async def build_school(svc: ServiceClient) -> School:
    root = regional_admin()
    data = await ok(
        svc,
        CREATE_SCHOOL,
        {"input": {"name": "МАОУ СОШ № 1 г. Томска", "shortName": "СОШ № 1"}},
        principal=root,
    )
    school_id = UUID(data["createSchool"]["id"])
    school = School(svc, school_id, staff(school_id, Role.ADMINISTRATOR))
    data = await ok(
        svc,
        CREATE_YEAR,
        {
            "input": {
                "name": "2026/2027",
                "startsOn": "2026-09-01",
                "endsOn": "2027-05-31",
                "studyPeriods": [
                    {"name": "1 полугодие", "startsOn": "2026-09-01", "endsOn": "2026-12-28"},
                    {"name": "2 полугодие", "startsOn": "2027-01-12", "endsOn": "2027-05-31"},
                ],
            }
        },
        principal=school.admin,
    )
    school.year_id = UUID(data["createAcademicYear"]["id"])
    for letter in ("Б", "А"):
        data = await ok(
            svc,
            CREATE_CLASS,
            {"input": {"academicYearId": str(school.year_id), "gradeLevel": 7, "letter": letter}},
            principal=school.admin,
        )
        class_id = UUID(data["createSchoolClass"]["id"])
        if letter == "Б":
            school.class_id = class_id
        else:
            school.other_class_id = class_id
    await school.person("klassruk", "STAFF", "Соколова", "Ирина", "Александровна", "FEMALE")
    await ok(
        svc,
        ASSIGN,
        {"input": {"schoolClassId": str(school.class_id), "personId": str(school.ids["klassruk"])}},
        principal=school.admin,
    )
    for family, (last, child_first, child_middle, parent_first, parent_middle, class_id) in {
        "petrov": ("Петров", "Артём", "Алексеевич", "Мария", "Владимировна", school.class_id),
        "orlov": ("Орлов", "Кирилл", "Игоревич", "Анна", "Сергеевна", school.other_class_id),
    }.items():
        await school.person(f"{family}.student", "STUDENT", last, child_first, child_middle)
        await school.person(
            f"{family}.parent", "PARENT", last + "а", parent_first, parent_middle, "FEMALE"
        )
        await ok(
            svc,
            ENROL,
            {
                "input": {
                    "personId": str(school.ids[f"{family}.student"]),
                    "schoolClassId": str(class_id),
                    "enrolledOn": "2026-09-01",
                }
            },
            principal=school.admin,
        )
        await ok(
            svc,
            LINK,
            {
                "input": {
                    "parentId": str(school.ids[f"{family}.parent"]),
                    "studentId": str(school.ids[f"{family}.student"]),
                    "relation": "MOTHER",
                }
            },
            principal=school.admin,
        )
    return school


async def login(svc: ServiceClient, login: str, password: str) -> dict[str, Any]:
    return await svc.gql(LOGIN, {"login": login, "password": password})


async def sign_in(svc: ServiceClient, login_name: str, password: str) -> Principal:
    """Log in and turn the token into the principal the gateway would forward."""
    body = await login(svc, login_name, password)
    assert not body.get("errors"), body
    token = body["data"]["login"]["accessToken"]
    assert svc.settings.jwt_public_key
    return verify_access_token(token, svc.settings.jwt_public_key)


async def read_events(
    nats_url: str, namespace: str, *, until: int, timeout: float = 10.0
) -> list[Envelope]:
    """Every people event in the namespace's stream, once at least ``until`` have arrived."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(
            f"{namespace}.people.>",
            stream=stream_name(namespace, "people"),
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )
        events: list[Envelope] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            try:
                msg = await sub.next_msg(
                    timeout=max(remaining, 0.05) if len(events) < until else 0.3
                )
            except (TimeoutError, nats.errors.TimeoutError):
                if len(events) >= until or loop.time() > deadline:
                    return events
                continue
            events.append(Envelope.model_validate_json(msg.data))
    finally:
        await nc.close()
