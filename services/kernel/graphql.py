"""What every subgraph shares: its request context, its error model and its schema class."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import strawberry
from graphql.error import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.fastapi import BaseContext
from strawberry.types import ExecutionContext

from services.kernel.db import Database
from services.kernel.errors import Forbidden, SgoError, Unauthenticated, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.settings import Settings
from services.kernel.uow import OutboxSignal, UnitOfWork

log = logging.getLogger("sgo.graphql")

FEDERATION_VERSION = "2.7"
DOCUMENT_CACHE_SIZE = 1024


@dataclass
class Runtime:
    """The long-lived parts of one service process, made once at start-up."""

    name: str
    settings: Settings
    db: Database
    signal: OutboxSignal = field(default_factory=OutboxSignal)
    extras: dict[str, Any] = field(default_factory=dict)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Background work of the service (e.g. the demo load), cancelled at shutdown."""
        task = asyncio.create_task(work, name=name)
        self.tasks.append(task)
        return task

    def uow(self, principal: Principal, trace: dict[str, str] | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.db, principal, namespace=self.settings.namespace, signal=self.signal, trace=trace
        )


class ServiceContext(BaseContext):
    def __init__(self, runtime: Runtime, principal: Principal, trace: dict[str, str]) -> None:
        super().__init__()
        self.runtime = runtime
        self.principal = principal
        self.trace = trace
        self.loaders: dict[str, Any] = {}  # per-request DataLoaders, by name

    def uow(self) -> UnitOfWork:
        return self.runtime.uow(self.principal, self.trace)

    def require(self, *roles: Role) -> Principal:
        """Row checks live in the use cases; this is the coarse check every resolver repeats."""
        if not self.principal.is_authenticated:
            raise Unauthenticated()
        if roles and not self.principal.has_role(*roles):
            raise Forbidden()
        return self.principal


Info = strawberry.Info[ServiceContext, None]


def parse_id(value: object, field: str = "id") -> UUID:
    """An ID argument as a UUID; a malformed one is the caller's mistake, not INTERNAL."""
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationFailed("Неверный идентификатор.", field=field) from None


def client_error(error: GraphQLError) -> GraphQLError:
    """Known refusals keep their code and message; anything unexpected is masked and logged."""
    original = error.original_error
    if original is None:  # parse / validation errors: safe to show as they are
        extensions = {"code": "GRAPHQL_VALIDATION", **(error.extensions or {})}
        message = error.message
    elif isinstance(original, SgoError):
        extensions, message = original.extensions, original.message
    elif isinstance(original, StrawberryInputCoercionError):
        # A variable the scalar cannot read (an impossible date): the caller's mistake.
        extensions = {"code": "VALIDATION"}
        message = "Значение не распознано: проверьте даты и числа (например, 30 февраля)."
    else:
        log.error("unexpected error at %s", error.path, exc_info=original)
        extensions = {"code": "INTERNAL"}
        message = SgoError.default_message
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class ErrorModel(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [client_error(e) for e in result.errors]


class SubgraphSchema(strawberry.federation.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # A refusal is an answer, not a fault: only the unexpected is logged (by ErrorModel).
        return None


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Iterable[type] = (),
) -> strawberry.federation.Schema:
    return SubgraphSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        # The gateway sends the same few documents again and again: parse and validate each once.
        extensions=[
            ErrorModel,
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        ],
        federation_version=FEDERATION_VERSION,
    )


def schema_enum(source: type[StrEnum], *, name: str, description: str | None = None) -> Any:
    """A GraphQL enum mirroring a domain enum: a copy, so the domain's stays plain Python."""
    copy = StrEnum(f"{source.__name__}Name", [(m.name, m.value) for m in source])  # type: ignore[misc]
    return strawberry.enum(copy, name=name, description=description)
