"""Limits at the door: request rates, CORS and security headers, before any GraphQL work.

An ASGI middleware in front of every HTTP route of the gateway. Each request spends a token
from its client address's bucket and, when it carries a valid bearer token, from its
account's; a ``login`` mutation also spends one from the address's login bucket, which is much
smaller (password guessing). A refusal is HTTP 429 with ``Retry-After`` and a GraphQL error
``RATE_LIMITED``. Probes and metrics are never limited. Buckets live in the process: with N
gateway replicas behind a balancer, a client gets up to N times the rate (the balancer spreads
its requests), which the defaults allow for.

CORS answers only origins listed in ``SGO_GATEWAY_CORS_ORIGINS`` (none by default: browsers
then reach the API only from its own origin). Security headers are added to every response
that does not set its own (the console page keeps its stricter Content-Security-Policy).
"""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, Source
from graphql.language import Lexer, TokenKind

from gateway.errors import error
from services.kernel.errors import TooManyRequests
from services.kernel.tokens import verify_access_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RATE_LIMITED = TooManyRequests.code
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Login requests are tiny; a larger body is never read here (the body limit answers it later).
PEEK_BYTES = 64 * 1024
API_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",  # answers hold personal data: no shared or disk caches
}
CORS_ALLOW_HEADERS = "authorization, content-type, idempotency-key, traceparent"
CORS_EXPOSE_HEADERS = "retry-after, traceparent"
_LOGIN = re.compile(rb"\blogin\b")


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimit:
    """A token bucket per key: ``per_minute`` sustained, ``burst`` at once; 0 turns it off."""

    per_minute: int
    burst: int
    max_keys: int = 100_000
    buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def take(self, key: str, now: float) -> float:
        """Spend one token: 0 when allowed, else the seconds until one is available."""
        if self.per_minute <= 0:
            return 0.0
        rate, capacity = self.per_minute / 60.0, float(max(1, self.burst))
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(capacity, now)
            if len(self.buckets) > self.max_keys:
                self.buckets.popitem(last=False)  # the least recently seen key starts afresh
        else:
            self.buckets.move_to_end(key)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate


@dataclass
class DoorPolicy:
    """What the door enforces, read from ``SGO_GATEWAY_*`` settings."""

    address: RateLimit
    account: RateLimit
    login: RateLimit
    cors_origins: frozenset[str]
    hsts_seconds: int
    public_key: str | None
    accounts: OrderedDict[str, str] = field(default_factory=OrderedDict)

    @classmethod
    def from_settings(cls, settings: Any) -> DoorPolicy:
        origins = (o.strip().rstrip("/") for o in settings.gateway_cors_origins.split(","))
        return cls(
            address=RateLimit(
                settings.gateway_rate_address_per_minute, settings.gateway_rate_address_burst
            ),
            account=RateLimit(
                settings.gateway_rate_account_per_minute, settings.gateway_rate_account_burst
            ),
            login=RateLimit(
                settings.gateway_rate_login_per_minute, settings.gateway_rate_login_burst
            ),
            cors_origins=frozenset(o for o in origins if o),
            hsts_seconds=settings.gateway_hsts_seconds,
            public_key=settings.jwt_public_key,
        )

    def account_of(self, authorization: str | None) -> str | None:
        """The account of a valid bearer token (verified once per token), else None."""
        if not authorization or not self.public_key:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        found = self.accounts.get(token)
        if found is None:
            try:
                principal = verify_access_token(token, self.public_key)
            except Exception:  # the gateway answers UNAUTHENTICATED for it after the door
                return None
            if principal.account_id is None:
                return None
            found = self.accounts[token] = str(principal.account_id)
            if len(self.accounts) > 10_000:
                self.accounts.popitem(last=False)
        return found

    def allowed_origin(self, origin: str | None) -> str | None:
        if origin is None or not self.cors_origins:
            return None
        if "*" in self.cors_origins or origin.rstrip("/") in self.cors_origins:
            return origin
        return None


def is_login(body: bytes) -> bool:
    """Whether a GraphQL-over-HTTP body calls the ``login`` field (lexed, so comments count not)."""
    if not _LOGIN.search(body):
        return False
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        query = item.get("query") if isinstance(item, dict) else None
        if isinstance(query, str) and _calls_login(query):
            return True
    return False


def _calls_login(query: str) -> bool:
    lexer = Lexer(Source(query))
    previous_login = False
    try:
        while (token := lexer.advance()).kind != TokenKind.EOF:
            if previous_login and token.kind == TokenKind.PAREN_L:
                return True
            previous_login = token.kind == TokenKind.NAME and token.value == "login"
    except GraphQLError:
        return False
    return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class Door:
    """The middleware; the policy is built from the app's settings once the app has started."""

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self.policy: DoorPolicy | None = None
        self._settings: Any = None

    def _policy(self, scope: Scope) -> DoorPolicy | None:
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        if settings is None:
            return None
        if self.policy is None or settings is not self._settings:
            self.policy, self._settings = DoorPolicy.from_settings(settings), settings
        return self.policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self._policy(scope) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        origin = policy.allowed_origin(_header(scope, b"origin"))
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await self._preflight(origin, send)
            return
        if scope["path"] not in UNLIMITED_PATHS:
            receive, wait = await self._admit(policy, scope, receive)
            if wait > 0:
                await _refuse(wait, self._decorate(policy, origin, send))
                return
        await self.app(scope, receive, self._decorate(policy, origin, send))

    async def _admit(
        self, policy: DoorPolicy, scope: Scope, receive: Receive
    ) -> tuple[Receive, float]:
        now = self.clock()
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = policy.address.take(address, now)
        account = policy.account_of(_header(scope, b"authorization"))
        if account is not None:
            wait = max(wait, policy.account.take(account, now))
        if scope["method"] == "POST" and policy.login.per_minute > 0:
            body, receive = await _peek(receive)
            if body is not None and is_login(body):
                wait = max(wait, policy.login.take(address, now))
        return receive, wait

    async def _preflight(self, origin: str | None, send: Send) -> None:
        if origin is None:  # not a configured origin: no CORS headers, the browser refuses
            await _plain(send, 403, [])
            return
        headers = [
            *_cors(origin),
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", CORS_ALLOW_HEADERS.encode()),
            (b"access-control-max-age", b"600"),
        ]
        await _plain(send, 204, headers)

    def _decorate(self, policy: DoorPolicy, origin: str | None, send: Send) -> Send:
        extra = [(k.encode(), v.encode()) for k, v in API_SECURITY_HEADERS.items()]
        if policy.hsts_seconds > 0:
            extra.append((b"strict-transport-security", f"max-age={policy.hsts_seconds}".encode()))
        cors = _cors(origin) if origin else []

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present] + cors
                message["headers"] = headers
            await send(message)

        return decorated


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", CORS_EXPOSE_HEADERS.encode()),
        (b"vary", b"Origin"),
    ]


async def _peek(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read up to ``PEEK_BYTES`` of the body and hand the same messages on to the app."""
    messages: list[Message] = []
    size, more = 0, True
    while more and size <= PEEK_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(m.get("body", b"") for m in messages) if not more else None

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay


async def _refuse(wait: float, send: Send) -> None:
    seconds = max(1, math.ceil(wait))
    message = f"Слишком много запросов. Повторите через {seconds} с."
    body = orjson.dumps({"errors": [error(message, RATE_LIMITED)]})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _plain(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
