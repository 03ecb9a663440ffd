"""Access tokens (EdDSA JWT) and Argon2id password hashes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kernel.errors import Unauthenticated
from services.kernel.principal import Principal

ALGORITHM = "EdDSA"
ISSUER = "sgo"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_keypair() -> tuple[str, str]:
    """A fresh Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: int
    session_id: UUID


def issue_access_token(principal: Principal, private_key: str, ttl_seconds: int) -> AccessToken:
    if principal.session_id is None:
        raise ValueError("an access token is always bound to a session")
    now = int(time.time())
    claims = principal.to_claims() | {"iss": ISSUER, "iat": now, "exp": now + ttl_seconds}
    token = jwt.encode(claims, private_key, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_at=now + ttl_seconds, session_id=principal.session_id)


def verify_access_token(token: str, public_key: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("Срок действия входа истёк. Войдите снова.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("Недействительный токен доступа. Войдите снова.") from exc
    return Principal.from_claims(claims)
