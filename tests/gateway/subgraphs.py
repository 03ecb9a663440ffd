"""Three tiny federation subgraphs for the gateway tests, served in-process."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import strawberry
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.federation.schema_directives import Key

from services.kernel.errors import Unauthenticated
from services.kernel.principal import PRINCIPAL_HEADER, Principal, decode_principal_header

SECRET = "test-internal-secret"

PEOPLE = {
    "1": {"name": "Анна", "phone": "+7 900 000-00-01"},
    "2": {"name": "Борис", "phone": "+7 900 000-00-02"},
    "3": {"name": "Вера", "phone": "+7 900 000-00-03"},
}
MARKS = {"1": [(5, "m"), (4, "r")], "2": [(3, "m")], "3": []}
SUBJECTS = {"m": "Математика", "r": "Русский язык"}


# --- people -------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"])
class Person:
    id: strawberry.ID = strawberry.federation.field(policy=[["public"]])
    name: str = strawberry.federation.field(authenticated=True)
    phone: str = strawberry.federation.field(requires_scopes=[["role:class_teacher"]])
    secret_note: str = strawberry.federation.field(requires_scopes=[["role:director"]])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Person:
        return make_person(str(id))


def make_person(person_id: str) -> Person:
    row = PEOPLE[person_id]
    return Person(id=strawberry.ID(person_id), name=row["name"], phone=row["phone"],
                  secret_note="тайна")  # fmt: skip


@strawberry.type
class PeopleQuery:
    @strawberry.federation.field(authenticated=True)
    def people(self) -> list[Person]:
        return [make_person(pid) for pid in PEOPLE]

    @strawberry.federation.field(authenticated=True)
    def person(self, id: strawberry.ID) -> Person | None:
        return make_person(str(id)) if str(id) in PEOPLE else None

    @strawberry.federation.field(authenticated=True)
    def me(self) -> Person | None:
        return make_person("1")

    @strawberry.federation.field(policy=[["public"]])
    def hello(self, name: str = "мир") -> str:
        return f"Привет, {name}"

    @strawberry.federation.field(policy=[["public"]])
    def weekday(self, day: datetime.date, times: int = 1) -> str:
        return day.strftime("%A") * times

    @strawberry.federation.field(policy=[["public"]])
    def broken(self) -> str | None:
        raise GraphQLError("Запись не найдена.", extensions={"code": "NOT_FOUND"})

    @strawberry.federation.field(policy=[["public"]])
    def leaky(self) -> str | None:
        raise RuntimeError("connection to db-host:5432 failed: SELECT * FROM secrets")


@strawberry.type
class PeopleMutation:
    @strawberry.federation.field(policy=[["public"]])
    def login(self, login: str) -> str:
        return f"token-for-{login}"

    @strawberry.federation.field(authenticated=True)
    def logout(self, info: strawberry.Info) -> bool:
        # As people does: the reply names the session it ended (``extensions.revocations``).
        principal: Principal = info.context["principal"]
        info.context["revocations"].append(
            {"type": "people.session.ended", "payload": {"session_id": str(principal.session_id)}}
        )
        return True


people_schema = strawberry.federation.Schema(
    query=PeopleQuery, mutation=PeopleMutation, types=[Person]
)


# --- journal ------------------------------------------------------------------------------


@strawberry.federation.type(directives=[Key(fields="id", resolvable=False)])
class Subject:
    id: strawberry.ID = strawberry.federation.field(policy=[["public"]])


@strawberry.federation.type(authenticated=True)
class Mark:
    value: int
    subject: Subject


@strawberry.federation.type(name="Person", keys=["id"])
class JournalPerson:
    id: strawberry.ID = strawberry.federation.field(policy=[["public"]])

    @strawberry.federation.field(authenticated=True)
    def marks(self) -> list[Mark]:
        return [Mark(value=v, subject=Subject(id=strawberry.ID(s))) for v, s in MARKS[self.id]]

    @strawberry.federation.field(authenticated=True)
    def absences(self) -> int | None:
        if str(self.id) == "2":
            raise GraphQLError("Журнал закрыт.", extensions={"code": "LOCKED"})
        return 0

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> JournalPerson:
        return JournalPerson(id=id)


@strawberry.type
class JournalQuery:
    @strawberry.federation.field(policy=[["public"]])
    def journal_hello(self) -> str:
        return "журнал"

    @strawberry.federation.field(authenticated=True)
    def best_student(self) -> JournalPerson:
        return JournalPerson(id=strawberry.ID("1"))


journal_schema = strawberry.federation.Schema(query=JournalQuery, types=[JournalPerson, Subject])


# --- catalog ------------------------------------------------------------------------------


@strawberry.federation.type(name="Subject", keys=["id"])
class CatalogSubject:
    id: strawberry.ID = strawberry.federation.field(policy=[["public"]])
    title: str = strawberry.federation.field(policy=[["public"]])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> CatalogSubject:
        return CatalogSubject(id=id, title=SUBJECTS[str(id)])


@strawberry.type
class CatalogQuery:
    @strawberry.federation.field(policy=[["public"]])
    def subjects(self) -> list[CatalogSubject]:
        return [CatalogSubject(id=strawberry.ID(k), title=v) for k, v in SUBJECTS.items()]


catalog_schema = strawberry.federation.Schema(query=CatalogQuery, types=[CatalogSubject])


# --- serving ------------------------------------------------------------------------------


@dataclass
class Call:
    query: str
    variables: dict[str, Any]
    principal: Principal
    headers: dict[str, str]


@dataclass
class Subgraph:
    """A subgraph app that refuses calls not signed by the gateway and records the rest."""

    name: str
    schema: strawberry.federation.Schema
    calls: list[Call] = field(default_factory=list)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            try:
                principal = decode_principal_header(request.headers.get(PRINCIPAL_HEADER), SECRET)
            except Unauthenticated as exc:
                body = {"errors": [{"message": exc.message,
                                    "extensions": {"code": exc.code}}]}  # fmt: skip
                return Response(orjson.dumps(body), status_code=401, media_type="application/json")
            payload = orjson.loads(await request.body())
            call = Call(payload["query"], payload.get("variables") or {}, principal,
                        dict(request.headers))  # fmt: skip
            self.calls.append(call)
            context: dict[str, Any] = {"principal": principal, "revocations": []}
            result = await self.schema.execute(
                payload["query"], variable_values=payload.get("variables"), context_value=context
            )
            body: dict[str, Any] = {"data": result.data}
            if result.errors:
                body["errors"] = [e.formatted for e in result.errors]
            if context["revocations"]:
                body["extensions"] = {"revocations": context["revocations"]}
            return Response(orjson.dumps(body), media_type="application/json")

        return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])

    def queries(self) -> list[str]:
        return [c.query for c in self.calls if "_service" not in c.query]


class RoutingTransport(httpx.AsyncBaseTransport):
    """Routes each host to an in-process ASGI app; hosts marked down refuse to connect."""

    def __init__(self, apps: dict[str, Starlette]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down or host not in self.transports:
            raise httpx.ConnectError(f"connection refused: {host}", request=request)
        return await self.transports[host].handle_async_request(request)


def make_subgraphs() -> dict[str, Subgraph]:
    return {
        "people": Subgraph("people", people_schema),
        "journal": Subgraph("journal", journal_schema),
        "catalog": Subgraph("catalog", catalog_schema),
    }
