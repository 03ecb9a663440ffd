"""One GraphQL request through the gateway: validate, check access, plan, fetch, shape."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import OperationType, execute

from gateway.access import access_key
from gateway.errors import error, without_suggestions
from gateway.executor import Execution, execute_plan
from gateway.limits import Limits, OperationLimits
from gateway.observability import PLAN_HIT, PLAN_MISS
from gateway.operation import (
    DocumentCache,
    Normalized,
    RequestError,
    coerce_variables,
    normalize,
)
from gateway.planner import Plan, PlanError, build_plan
from gateway.revocation import RevocationList
from gateway.shape import shape
from gateway.subgraph_client import ClientInfo, SubgraphClient, principal_headers
from gateway.supergraph import Supergraph
from services.kernel.principal import Principal


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None


@dataclass
class Response:
    body: dict[str, Any]
    request_error: bool = False  # no execution happened (GraphQL-over-HTTP: status 400)
    operation_type: str = "unknown"  # query / mutation, for metrics and the request log


class OperationNotAllowed(Exception):
    """A mutation sent over GET."""


class Gateway:
    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        secret: str,
        revocations: RevocationList | None = None,
        introspection: bool = False,
        plan_cache_size: int = 2000,
        limits: Limits | None = None,
        request_timeout: float | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.client = client
        self.secret = secret
        self.revocations = revocations or RevocationList()
        self.introspection = introspection
        self.documents = DocumentCache(supergraph.api_schema)
        self.plan_cache_size = plan_cache_size
        self._plans: OrderedDict[tuple[Any, ...], tuple[Normalized, Plan]] = OrderedDict()
        self.limits = OperationLimits(supergraph, limits or Limits())
        self.request_timeout = request_timeout  # seconds for all fetches; None: no deadline

    def _prepare(
        self,
        request: GraphQLRequest,
        principal: Principal,
        variables: dict[str, Any],
        mutations_allowed: bool,
    ) -> tuple[Normalized, Plan]:
        self.limits.check_source(request.query)  # before parsing: tokens
        document = self.documents.get(request.query)
        operation = document.operation(request.operation_name)
        if operation.operation == OperationType.SUBSCRIPTION:
            raise RequestError([error("Подписки не поддерживаются.", "BAD_REQUEST")])
        if operation.operation == OperationType.MUTATION and not mutations_allowed:
            raise OperationNotAllowed
        coerced = self._coerce(operation, variables)
        # graphql-core 3.3 wraps the values (with their sources); 3.2 returns a plain dict.
        values: dict[str, Any] = getattr(coerced, "coerced", coerced)
        self.limits.check_operation(document, operation, request.operation_name, values)
        # The plan depends on the document, the caller's access and the @skip/@include inputs.
        key = (
            document.normalized_hash,
            request.operation_name,
            access_key(principal),
            tuple(sorted((n, repr(values.get(n))) for n in document.conditional_variables)),
        )
        cached = self._plans.get(key)
        if cached is not None:
            PLAN_HIT.inc()
            self._plans.move_to_end(key)
            return cached
        PLAN_MISS.inc()
        normalized = normalize(self.supergraph, document, operation, coerced, principal)
        try:
            plan = build_plan(self.supergraph, normalized)
        except PlanError as exc:
            raise RequestError([error(f"Запрос нельзя выполнить: {exc}", "PLAN_FAILED")]) from exc
        self._plans[key] = (normalized, plan)
        if len(self._plans) > self.plan_cache_size:
            self._plans.popitem(last=False)
        return normalized, plan

    def _coerce(self, operation: Any, variables: dict[str, Any]) -> Any:
        return coerce_variables(self.supergraph.api_schema, operation, variables)

    async def execute(
        self,
        request: GraphQLRequest,
        principal: Principal,
        traceparent: str,
        *,
        mutations_allowed: bool = True,
        client: ClientInfo | None = None,
    ) -> Response:
        variables = request.variables or {}
        try:
            normalized, plan = self._prepare(request, principal, variables, mutations_allowed)
        except RequestError as exc:
            return Response({"errors": without_suggestions(exc.errors)}, request_error=True)
        operation_type = normalized.operation.operation.value
        if plan.introspection:
            response = self._introspect(request, variables)
            response.operation_type = operation_type
            return response
        execution = Execution(
            client=self.client,
            variables=variables,
            headers=principal_headers(principal, self.secret, traceparent, client),
        )
        try:
            async with asyncio.timeout(self.request_timeout):
                await execute_plan(execution, plan)
        except TimeoutError:
            # What arrived in time is served; the rest is null with this error.
            execution.errors.append(
                error("Запрос выполнялся слишком долго; часть данных не получена.", "TIMEOUT")
            )
        # Refused here before the reply leaves; other instances learn it from the events.
        self.revocations.apply_reply(execution.revocations)
        data = shape(self.supergraph.api_schema, normalized, execution.data, execution.errors)
        body: dict[str, Any] = {}
        if execution.errors:
            body["errors"] = execution.errors
        body["data"] = data
        return Response(body, operation_type=operation_type)

    def _introspect(self, request: GraphQLRequest, variables: dict[str, Any]) -> Response:
        if not self.introspection:
            return Response(
                {"errors": [error("Интроспекция отключена.", "INTROSPECTION_DISABLED")]},
                request_error=True,
            )
        document = self.documents.get(request.query)
        result = execute(
            self.supergraph.api_schema,
            document.node,
            variable_values=variables,
            operation_name=request.operation_name,
        )
        body: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            body["errors"] = [error(e.message, "INTERNAL") for e in result.errors]  # type: ignore[union-attr]
        return Response(body)
