"""Who is calling: the principal, and the signed header the gateway forwards it in.

Subgraphs never see the client's token; the gateway verifies it and sends this
principal signed with the internal secret. A subgraph refuses a call without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson

from services.kernel.errors import Unauthenticated
from services.kernel.roles import Role

PRINCIPAL_HEADER = "x-sgo-principal"
HEADER_MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class RoleGrant:
    """A role with its scope: ``class_teacher`` of one class, ``parent`` of some students."""

    role: Role
    school_class_id: UUID | None = None
    student_ids: tuple[UUID, ...] = ()

    def to_claim(self) -> dict[str, Any]:
        claim: dict[str, Any] = {"role": self.role.value}
        if self.school_class_id:
            claim["school_class_id"] = str(self.school_class_id)
        if self.student_ids:
            claim["student_ids"] = [str(s) for s in self.student_ids]
        return claim

    @classmethod
    def from_claim(cls, claim: dict[str, Any]) -> RoleGrant:
        class_id = claim.get("school_class_id")
        return cls(
            role=Role(claim["role"]),
            school_class_id=UUID(class_id) if class_id else None,
            student_ids=tuple(UUID(s) for s in claim.get("student_ids", ())),
        )


@dataclass(frozen=True)
class Principal:
    account_id: UUID | None = None
    person_id: UUID | None = None
    school_id: UUID | None = None
    session_id: UUID | None = None
    login: str | None = None
    roles: tuple[RoleGrant, ...] = ()
    # A one-time or expired password: the gateway lets this caller only change it.
    must_change_password: bool = False
    _scopes: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_scopes", frozenset(g.role.scope for g in self.roles))

    @property
    def is_authenticated(self) -> bool:
        return self.account_id is not None

    @property
    def scopes(self) -> frozenset[str]:
        return self._scopes

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.roles)

    def grants(self, role: Role) -> list[RoleGrant]:
        return [g for g in self.roles if g.role is role]

    def to_claims(self) -> dict[str, Any]:
        return {
            "sub": str(self.account_id) if self.account_id else None,
            "person": str(self.person_id) if self.person_id else None,
            "school": str(self.school_id) if self.school_id else None,
            "sid": str(self.session_id) if self.session_id else None,
            "login": self.login,
            "roles": [g.to_claim() for g in self.roles],
        } | ({"mcp": True} if self.must_change_password else {})

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        def uuid_or_none(key: str) -> UUID | None:
            value = claims.get(key)
            return UUID(value) if value else None

        return cls(
            account_id=uuid_or_none("sub"),
            person_id=uuid_or_none("person"),
            school_id=uuid_or_none("school"),
            session_id=uuid_or_none("sid"),
            login=claims.get("login"),
            roles=tuple(RoleGrant.from_claim(c) for c in claims.get("roles", ())),
            must_change_password=bool(claims.get("mcp", False)),
        )


ANONYMOUS = Principal()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def encode_principal_header(principal: Principal, secret: str, *, now: float | None = None) -> str:
    """The header value: ``base64(json claims + iat).base64(hmac-sha256)``."""
    claims = principal.to_claims()
    claims["iat"] = int(now if now is not None else time.time())
    body = _b64(orjson.dumps(claims))
    return f"{body}.{_mac(secret, body)}"


def decode_principal_header(
    value: str | None, secret: str, *, max_age: int = HEADER_MAX_AGE_SECONDS
) -> Principal:
    """Verify and decode; any doubt is UNAUTHENTICATED (the call did not come via the gateway)."""
    if not value or not secret:
        raise Unauthenticated("Запрос должен приходить через шлюз sgo.")
    body, _, mac = value.partition(".")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise Unauthenticated("Подпись шлюза не подтверждена.")
    try:
        claims = orjson.loads(_unb64(body))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Unauthenticated("Подпись шлюза не подтверждена.") from exc
    if abs(time.time() - claims.get("iat", 0)) > max_age:
        raise Unauthenticated("Подпись шлюза устарела.")
    return Principal.from_claims(claims)
