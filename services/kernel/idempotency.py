"""Idempotent mutations: a request retried with the same ``Idempotency-Key`` writes once.

A client that lost the answer to a mutation (a timeout, ``SUBGRAPH_UNAVAILABLE`` while the
service was killed after its commit) sends it again with the same key. For a mutation with a
key from a signed-in caller, the subgraph:

- writes the key row (the caller, the key, a hash of the request) in the same transaction as
  the mutation's first commit (``UnitOfWork.commit`` calls ``record_key``): a committed write
  always knows its key, and a write that did not commit left no key behind, so a retry simply
  runs again;
- stores the answer on that row once it is built, and gives it back for the same key and the
  same request for ``KEEP_FOR`` (at least 24 hours);
- refuses the same key with a different request (CONFLICT, ``reason: idempotency_key_reused``);
- for a duplicate sent while the first is still running: the second's commit waits on the key
  row's unique index, finds the key taken and rolls back; the second then waits for the first's
  answer and gives it back (CONFLICT ``reason: idempotent_request_running`` if none comes);
- if the write committed but its answer was never stored (the process died in between), the
  retry is refused with CONFLICT ``reason: idempotent_request_done``: the write is there, the
  answer is not; reading the data again shows the result. Never a second write.

Keys are scoped to the caller (their account, else their person): another user's same key is
independent. Requests without a signed-in caller, queries and batches are not affected.

A service offers this when its database has the ``idempotency_key`` table (people and journal
add it with a migration; ``idempotency_table`` below is its definition, copy it into the
service's migration). Without the table the header is ignored, and ``/readyz`` is unaffected.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kernel.db import Database
from services.kernel.errors import Conflict, SgoError, Unauthenticated, ValidationFailed
from services.kernel.principal import PRINCIPAL_HEADER, decode_principal_header

log = logging.getLogger("sgo.idempotency")

HEADER = "idempotency-key"
KEEP_FOR = timedelta(hours=48)
MAX_KEY_LENGTH = 200
WAIT_FOR_ANSWER = 5.0  # seconds a duplicate waits for the first request's answer
TABLE = "idempotency_key"


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        Column("scope", Text, nullable=False),  # the caller: account id, else person id
        Column("key", Text, nullable=False),
        Column("request_hash", Text, nullable=False),
        Column("status", Integer),  # the stored answer's HTTP status; NULL until it is stored
        Column("response", LargeBinary),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("scope", "key", name=f"pk_{TABLE}"),
    )


KEYS = idempotency_table(MetaData())


@dataclass
class Pending:
    """The key of the request being served, until its first commit writes it."""

    scope: str
    key: str
    request_hash: str
    written: bool = False
    taken: bool = False  # another request with this key committed first


PENDING: contextvars.ContextVar[Pending | None] = contextvars.ContextVar(
    "sgo_idempotency", default=None
)


async def record_key(session: AsyncSession) -> None:
    """In the unit of work's transaction, before its commit: the key joins the write."""
    pending = PENDING.get()
    if pending is None or pending.written:
        return
    inserted = await session.scalar(
        insert(KEYS)
        .values(scope=pending.scope, key=pending.key, request_hash=pending.request_hash)
        .on_conflict_do_nothing()
        .returning(KEYS.c.key)
    )
    if inserted is None:  # a duplicate committed first (this insert waited for it)
        pending.taken = True
        raise Conflict(
            "Запрос с этим ключом идемпотентности уже выполняется.",
            reason="idempotent_request_running",
        )
    pending.written = True


async def has_table(db: Database) -> bool:
    async with db.engine.connect() as conn:
        return bool(await conn.scalar(text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")))


def request_hash(payload: dict[str, Any]) -> str:
    canonical = orjson.dumps(
        [payload.get("query"), payload.get("variables") or {}, payload.get("operationName")],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def _is_mutation(payload: dict[str, Any]) -> bool:
    query, name = payload.get("query"), payload.get("operationName")
    if not isinstance(query, str) or "mutation" not in query:
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if not name or (o.name and o.name.value == name)]
    return len(chosen) == 1 and chosen[0].operation == OperationType.MUTATION


def _refusal(error: SgoError) -> tuple[int, bytes]:
    body = {"data": None, "errors": [{"message": error.message, "extensions": error.extensions}]}
    return 200, orjson.dumps(body)


class _Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, scope: str, key: str) -> Any:
        async with self.db.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(
                        KEYS.c.request_hash, KEYS.c.status, KEYS.c.response, KEYS.c.created_at
                    ).where(KEYS.c.scope == scope, KEYS.c.key == key)
                )
            ).first()
            if row is not None and row.created_at < await conn.scalar(
                select(func.now() - KEEP_FOR)
            ):
                await conn.execute(delete(KEYS).where(KEYS.c.scope == scope, KEYS.c.key == key))
                return None
            return row

    async def answer(self, scope: str, key: str, status: int, body: bytes) -> None:
        """Store the answer; the caller's expired keys go at the same time (the table stays
        as large as its callers' last ``KEEP_FOR`` of writes)."""
        async with self.db.engine.begin() as conn:
            await conn.execute(
                update(KEYS)
                .where(KEYS.c.scope == scope, KEYS.c.key == key)
                .values(status=status, response=body)
            )
            await conn.execute(
                delete(KEYS).where(KEYS.c.scope == scope, KEYS.c.created_at < func.now() - KEEP_FOR)
            )

    async def wait_for_answer(self, scope: str, key: str) -> Any:
        """The stored row once it has an answer, or the row as it is after the wait."""
        deadline = asyncio.get_running_loop().time() + WAIT_FOR_ANSWER
        while True:
            row = await self.find(scope, key)
            if row is None or row.status is not None:
                return row
            if asyncio.get_running_loop().time() >= deadline:
                return row
            await asyncio.sleep(0.1)


def _replay(row: Any, digest: str) -> tuple[int, bytes]:
    if row.request_hash != digest:
        return _refusal(
            Conflict(
                "Этот ключ идемпотентности уже использован для другого запроса: для нового "
                "запроса нужен новый ключ.",
                reason="idempotency_key_reused",
            )
        )
    if row.status is None:
        return _refusal(
            Conflict(
                "Запрос с этим ключом уже выполнен, но его ответ не сохранился: обновите данные, "
                "чтобы увидеть результат.",
                reason="idempotent_request_done",
            )
        )
    return int(row.status), bytes(row.response)


class IdempotentRequests:
    """ASGI middleware on ``/graphql``: mutations with an ``Idempotency-Key`` run once."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != "/graphql"
            or scope["method"] != "POST"
            or not any(k == b"idempotency-key" for k, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is None or not runtime.extras.get("idempotency"):
            await self.app(scope, receive, send)  # this service does not offer it
            return
        body = await _read_body(receive)
        replay_body = _replaying(body)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            payload = orjson.loads(body)
            principal = decode_principal_header(headers.get(PRINCIPAL_HEADER), self.secret)
        except (orjson.JSONDecodeError, Unauthenticated):
            payload, principal = None, None
        if (
            not isinstance(payload, dict)
            or principal is None
            or not principal.is_authenticated
            or not _is_mutation(payload)
        ):
            await self.app(scope, replay_body, send)
            return
        key = headers[HEADER].strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            refused = ValidationFailed(
                f"Неверный заголовок Idempotency-Key: от 1 до {MAX_KEY_LENGTH} печатных "
                "символов ASCII.",
                field="Idempotency-Key",
            )
            await _send(send, *_refusal(refused))
            return
        who = str(principal.account_id or principal.person_id)
        digest = request_hash(payload)
        store = _Store(runtime.db)
        found = await store.find(who, key)
        if found is not None:
            if found.status is None and found.request_hash == digest:
                found = await store.wait_for_answer(who, key)  # the first may be finishing
            await _send(send, *_replay(found, digest), replayed=True)
            return
        pending = Pending(who, key, digest)
        token = PENDING.set(pending)
        captured = _Captured()
        try:
            await self.app(scope, replay_body, captured.send)
        finally:
            PENDING.reset(token)
        if pending.written:
            try:
                await store.answer(who, key, captured.status, captured.body)
            except Exception:  # the write stands; a retry is told it was done
                log.exception("could not store the answer for an idempotency key")
        elif pending.taken:
            row = await store.wait_for_answer(who, key)
            if row is not None and (row.status is not None or row.request_hash != digest):
                await _send(send, *_replay(row, digest), replayed=True)
                return
        await captured.forward(send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class _Captured:
    """The inner app's answer, held until it is stored with its key."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def forward(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


async def _send(send: Send, status: int, body: bytes, *, replayed: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
