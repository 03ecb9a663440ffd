"""GraphQL over WebSocket at ``/graphql``: the ``graphql-transport-ws`` protocol.

The client sends ``connection_init`` with its access token in the payload
(``{"Authorization": "Bearer …"}``, or ``{"accessToken": "…"}``); a missing, bad, expired or
revoked token closes the socket with 4403. Each ``subscribe`` is validated, normalized and
access-checked like an HTTP request — every selected field, before anything is sent on: one
refused field answers ``error`` and no upstream subscription is made. An allowed subscription
is forwarded to the subgraph that owns its root field, over the same protocol, with the
principal as the signed internal header on the upstream handshake. Each upstream event is
completed like a query result (fields of other subgraphs joined by the query plan) and sent
as ``next``. Queries and mutations sent over the socket get one ``next`` and ``complete``.

When the caller's session is revoked (logout here, or people's events) or its token
expires, its subscriptions get ``complete`` and the socket is closed with 4403: the client
has to sign in again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import jwt
import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    print_ast,
)
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from gateway.auth import REVOKED_MESSAGE, authenticate, traceparent
from gateway.engine import Gateway, GraphQLRequest
from gateway.errors import INTERNAL_MESSAGE, error, mask_subgraph_error, unavailable
from gateway.executor import Execution, execute_plan
from gateway.operation import Normalized, RequestError, Selection, coerce_variables, normalize
from gateway.planner import FetchGroup, Plan, PlanError, build_plan
from gateway.shape import shape
from gateway.subgraph_client import principal_headers
from services.kernel.errors import Unauthenticated
from services.kernel.principal import Principal

log = logging.getLogger("sgo.gateway.ws")

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_SECONDS = 10.0
UPSTREAM_ACK_SECONDS = 10.0

# Close codes of the protocol.
BAD_MESSAGE = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
SUBPROTOCOL_NOT_ACCEPTABLE = 4406
INIT_TIMEOUT = 4408
DUPLICATE_SUBSCRIBER = 4409
TOO_MANY_INITS = 4429
TRY_AGAIN_LATER = 1013

LOGIN_REQUIRED = "Требуется вход в систему."
TOKEN_EXPIRED = "Срок действия входа истёк. Войдите снова."


class _Refused(Exception):
    """The operation ends with an ``error`` message carrying these errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


@dataclass
class PreparedSubscription:
    normalized: Normalized
    root: FetchGroup  # sent upstream as a subscription
    rest: Plan  # joins from other subgraphs, run for every event
    variables: dict[str, Any]


def _denials(selections: list[Selection], path: list[str | int]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for sel in selections:
        here = [*path, sel.response_key]
        if sel.denied is not None:
            found.append(sel.denied.as_error(here))
        else:
            found.extend(_denials(sel.selections, here))
    return found


def prepare_subscription(
    gateway: Gateway, request: GraphQLRequest, principal: Principal
) -> PreparedSubscription:
    """Validate, access-check every selected field, and plan; raise ``_Refused`` otherwise."""
    try:
        document = gateway.documents.get(request.query)
        operation = document.operation(request.operation_name)
    except RequestError as exc:
        raise _Refused(exc.errors) from exc
    variables = request.variables or {}
    try:
        coerced = coerce_variables(gateway.supergraph.api_schema, operation, variables)
    except RequestError as exc:
        raise _Refused(exc.errors) from None
    normalized = normalize(gateway.supergraph, document, operation, coerced, principal)
    denied = _denials(normalized.selections, [])
    if denied:
        raise _Refused(denied)
    try:
        plan = build_plan(gateway.supergraph, normalized)
    except PlanError as exc:
        raise _Refused([error(f"Запрос нельзя выполнить: {exc}", "PLAN_FAILED")]) from exc
    if not plan.stages or len(plan.stages[0]) != 1:
        raise _Refused([error("Подписка — ровно на одно поле.", "BAD_REQUEST")])
    return PreparedSubscription(
        normalized, _single_root_field(plan.stages[0][0]), Plan(stages=plan.stages[1:]), variables
    )


def _single_root_field(group: FetchGroup) -> FetchGroup:
    """The planner adds ``__typename`` at the root; a subscription selects one field only."""
    document = parse(group.document, no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    kept = tuple(
        sel
        for sel in operation.selection_set.selections
        if not (isinstance(sel, FieldNode) and sel.name.value == "__typename")
    )
    trimmed = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=kept),
    )
    return replace(group, document=print_ast(DocumentNode(definitions=(trimmed,))))


def _websocket_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    return "ws://" + url.removeprefix("http://")


async def _upstream_events(
    url: str, headers: dict[str, str], group: FetchGroup, variables: dict[str, Any]
) -> AsyncIterator[tuple[str, Any]]:
    """(type, payload) of ``next`` / ``error`` / ``complete`` from the subgraph's subscription."""
    async with connect(
        _websocket_url(url),
        subprotocols=[PROTOCOL],
        additional_headers=headers,  # type: ignore[list-item]
    ) as upstream:
        await upstream.send(orjson.dumps({"type": "connection_init"}).decode())
        async with asyncio.timeout(UPSTREAM_ACK_SECONDS):
            while (await _receive(upstream)).get("type") != "connection_ack":
                pass
        forwarded = {k: variables[k] for k in group.variables if k in variables}
        subscribe = {"query": group.document, "variables": forwarded}
        await upstream.send(
            orjson.dumps({"id": "1", "type": "subscribe", "payload": subscribe}).decode()
        )
        try:
            while True:
                message = await _receive(upstream)
                kind = message.get("type")
                if kind == "ping":
                    await upstream.send('{"type":"pong"}')
                elif kind in ("next", "error", "complete") and message.get("id") == "1":
                    yield kind, message.get("payload")
                    if kind != "next":
                        return
        finally:
            with contextlib.suppress(WebSocketException, OSError):
                await upstream.send('{"id":"1","type":"complete"}')


async def _receive(upstream: ClientConnection) -> dict[str, Any]:
    message = orjson.loads(await upstream.recv())
    return message if isinstance(message, dict) else {}


class Connection:
    """One client socket: its principal, its operations by id."""

    def __init__(self, websocket: WebSocket, gateway: Gateway, public_key: str | None) -> None:
        self.ws = websocket
        self.gateway = gateway
        self.public_key = public_key
        self.principal: Principal | None = None
        self.issued_at = 0.0
        self.operations: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._closing = False
        self._cleanup: list[Any] = []
        self._ending: asyncio.Task[None] | None = None  # held: the loop keeps weak references

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            if self.ws.application_state == WebSocketState.CONNECTED and not self._closing:
                await self.ws.send_text(orjson.dumps(message).decode())

    async def close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        async with self._send_lock:
            self._closing = True
            if self.ws.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await self.ws.close(code, reason)

    async def run(self) -> None:
        try:
            try:
                async with asyncio.timeout(INIT_TIMEOUT_SECONDS):
                    first = await self._next_message()
            except TimeoutError:
                await self.close(INIT_TIMEOUT, "Connection initialisation timeout")
                return
            message: dict[str, Any] | None = first
            while message is not None and not self._closing:
                await self._handle(message)
                message = await self._next_message() if not self._closing else None
        except WebSocketDisconnect:
            pass
        finally:
            self._closing = True
            for task in list(self.operations.values()):
                task.cancel()
            for undo in self._cleanup:
                undo()

    async def _next_message(self) -> dict[str, Any] | None:
        raw = await self.ws.receive()
        if raw["type"] == "websocket.disconnect":
            return None
        try:
            message = orjson.loads(raw.get("text") or raw.get("bytes") or b"")
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.close(BAD_MESSAGE, "Invalid message received")
            return None
        return message

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "connection_init":
            await self._init(message.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self.close(BAD_MESSAGE, f"Invalid message type {kind[:40]}")

    async def _init(self, payload: Any) -> None:
        if self.principal is not None:
            await self.close(TOO_MANY_INITS, "Too many initialisation requests")
            return
        payload = payload if isinstance(payload, dict) else {}
        header = payload.get("Authorization") or payload.get("authorization")
        if not header and isinstance(payload.get("accessToken"), str):
            header = f"Bearer {payload['accessToken']}"
        if not isinstance(header, str) or not header:
            await self.close(FORBIDDEN, LOGIN_REQUIRED)
            return
        try:
            principal = authenticate(header, self.public_key, self.gateway.revocations)
        except Unauthenticated as exc:
            await self.close(FORBIDDEN, exc.message)
            return
        if not principal.is_authenticated:
            await self.close(FORBIDDEN, LOGIN_REQUIRED)
            return
        claims = jwt.decode(header.split()[-1], options={"verify_signature": False})
        self.principal, self.issued_at = principal, float(claims.get("iat", 0))
        self._cleanup.append(self.gateway.revocations.add_listener(self._check_revoked))
        expires_in = float(claims.get("exp", 0)) - time.time()
        if claims.get("exp"):
            timer = asyncio.get_running_loop().call_later(
                max(expires_in, 0.0), self._end_session, TOKEN_EXPIRED
            )
            self._cleanup.append(timer.cancel)
        await self.send({"type": "connection_ack"})

    def _revoked(self) -> bool:
        principal = self.principal
        if principal is None:
            return False
        session = str(principal.session_id) if principal.session_id else None
        account = str(principal.account_id) if principal.account_id else None
        return self.gateway.revocations.is_revoked(session, account, self.issued_at)

    def _check_revoked(self) -> None:
        if self._revoked():
            self._end_session(REVOKED_MESSAGE)

    def _end_session(self, reason: str) -> None:
        if not self._closing and self._ending is None:
            self._ending = asyncio.get_running_loop().create_task(self._terminate(reason))

    async def _terminate(self, reason: str) -> None:
        for op_id, task in list(self.operations.items()):
            task.cancel()
            await self.send({"id": op_id, "type": "complete"})
        self.operations.clear()
        await self.close(FORBIDDEN, reason)

    async def _subscribe(self, message: dict[str, Any]) -> None:
        if self.principal is None:
            await self.close(UNAUTHORIZED, "Unauthorized")
            return
        op_id, payload = message.get("id"), message.get("payload")
        if not isinstance(op_id, str) or not op_id or not isinstance(payload, dict):
            await self.close(BAD_MESSAGE, "Invalid subscribe message")
            return
        if op_id in self.operations:
            await self.close(DUPLICATE_SUBSCRIBER, f"Subscriber for {op_id[:40]} already exists")
            return
        query, variables = payload.get("query"), payload.get("variables")
        name = payload.get("operationName")
        if (
            not isinstance(query, str)
            or (variables is not None and not isinstance(variables, dict))
            or (name is not None and not isinstance(name, str))
        ):
            await self.close(BAD_MESSAGE, "Invalid subscribe payload")
            return
        request = GraphQLRequest(query, variables, name)
        task = asyncio.create_task(self._operation(op_id, request))
        self.operations[op_id] = task
        task.add_done_callback(lambda _: self._forget(op_id, task))

    def _forget(self, op_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(op_id) is task:
            del self.operations[op_id]

    async def _operation(self, op_id: str, request: GraphQLRequest) -> None:
        principal = self.principal
        assert principal is not None
        try:
            try:
                kind = self.gateway.documents.get(request.query).operation(request.operation_name)
            except RequestError as exc:
                raise _Refused(exc.errors) from exc
            if kind.operation != OperationType.SUBSCRIPTION:
                await self._single_result(op_id, request, principal)
                return
            prepared = prepare_subscription(self.gateway, request, principal)
            await self._forward(op_id, prepared, principal)
        except _Refused as refused:
            await self.send({"id": op_id, "type": "error", "payload": refused.errors})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscription failure")
            await self.send(
                {"id": op_id, "type": "error", "payload": [error(INTERNAL_MESSAGE, "INTERNAL")]}
            )

    async def _single_result(
        self, op_id: str, request: GraphQLRequest, principal: Principal
    ) -> None:
        response = await self.gateway.execute(request, principal, traceparent(None))
        if response.request_error:
            raise _Refused(response.body.get("errors", []))
        await self.send({"id": op_id, "type": "next", "payload": response.body})
        await self.send({"id": op_id, "type": "complete"})

    async def _forward(
        self, op_id: str, prepared: PreparedSubscription, principal: Principal
    ) -> None:
        gateway = self.gateway
        subgraph = prepared.root.subgraph
        trace = traceparent(None)
        headers = principal_headers(principal, gateway.secret, trace)
        try:
            events = _upstream_events(
                gateway.client.urls[subgraph], headers, prepared.root, prepared.variables
            )
            async with contextlib.aclosing(events):
                await self._relay(op_id, prepared, events)
                return
        except (OSError, WebSocketException, TimeoutError) as exc:
            log.warning("subscription upstream %s: %r", subgraph, exc)
            raise _Refused([unavailable(subgraph, None)]) from exc

    async def _relay(
        self,
        op_id: str,
        prepared: PreparedSubscription,
        events: AsyncIterator[tuple[str, Any]],
    ) -> None:
        async for kind, payload in events:
            if kind == "complete":
                await self.send({"id": op_id, "type": "complete"})
                return
            if kind == "error":
                raw = payload if isinstance(payload, list) else []
                errors = [mask_subgraph_error(e, None) for e in raw]
                raise _Refused(errors or [error(INTERNAL_MESSAGE, "INTERNAL")])
            if self._revoked():
                self._end_session(REVOKED_MESSAGE)  # completes this operation too
                return
            result = await self._complete(prepared, payload)
            await self.send({"id": op_id, "type": "next", "payload": result})
        # The upstream went away without completing: tell the client so it can resubscribe.
        raise _Refused([unavailable(prepared.root.subgraph, None)])

    async def _complete(self, prepared: PreparedSubscription, payload: Any) -> dict[str, Any]:
        """One upstream event as the client's result: joins run, access shaped, errors masked."""
        result = payload if isinstance(payload, dict) else {}
        principal = self.principal
        assert principal is not None
        execution = Execution(
            client=self.gateway.client,
            variables=prepared.variables,
            # Fresh per event: the signed header has a short validity.
            headers=principal_headers(principal, self.gateway.secret, traceparent(None)),
        )
        if isinstance(result.get("data"), dict):
            execution.data = result["data"]
        for raw in result.get("errors") or ():
            path = raw.get("path") if isinstance(raw, dict) else None
            execution.errors.append(mask_subgraph_error(raw, list(path) if path else None))
        await execute_plan(execution, prepared.rest)
        data = shape(
            self.gateway.supergraph.api_schema,
            prepared.normalized,
            execution.data,
            execution.errors,
        )
        body: dict[str, Any] = {}
        if execution.errors:
            body["errors"] = execution.errors
        body["data"] = data
        return body


async def websocket_endpoint(websocket: WebSocket) -> None:
    """``/graphql`` over WebSocket; one ``Connection`` per socket."""
    gateway: Gateway | None = getattr(websocket.app.state, "gateway", None)
    if PROTOCOL not in websocket.scope.get("subprotocols", ()):
        await websocket.accept()
        await websocket.close(SUBPROTOCOL_NOT_ACCEPTABLE, "Subprotocol not acceptable")
        return
    await websocket.accept(subprotocol=PROTOCOL)
    if gateway is None:
        await websocket.close(TRY_AGAIN_LATER, "Шлюз запускается.")
        return
    settings = websocket.app.state.settings
    await Connection(websocket, gateway, settings.jwt_public_key).run()
