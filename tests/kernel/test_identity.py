"""Tokens, password hashes and the gateway-signed principal header."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest

from services.kernel.errors import Unauthenticated
from services.kernel.principal import (
    Principal,
    RoleGrant,
    decode_principal_header,
    encode_principal_header,
)
from services.kernel.roles import Role
from services.kernel.tokens import (
    generate_keypair,
    hash_password,
    issue_access_token,
    verify_access_token,
    verify_password,
)

KEYS = generate_keypair()


def parent() -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=uuid4(),
        school_id=uuid4(),
        session_id=uuid4(),
        login="parent",
        roles=(RoleGrant(Role.PARENT, student_ids=(uuid4(),)),),
    )


def test_password_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = hash_password("Верный-пароль-1")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Верный-пароль-1")
    assert not verify_password(hashed, "неверный")
    assert not verify_password("not a hash", "x")


def test_access_token_round_trips_the_principal_with_role_scopes() -> None:
    principal = parent()
    token = issue_access_token(principal, KEYS[0], ttl_seconds=60)
    assert verify_access_token(token.token, KEYS[1]) == principal
    assert principal.scopes == {"role:parent"}


def test_expired_token_is_refused() -> None:
    token = issue_access_token(parent(), KEYS[0], ttl_seconds=-1)
    with pytest.raises(Unauthenticated, match="истёк"):
        verify_access_token(token.token, KEYS[1])


def test_token_signed_with_another_key_is_refused() -> None:
    other_private, _ = generate_keypair()
    token = issue_access_token(parent(), other_private, ttl_seconds=60)
    with pytest.raises(Unauthenticated):
        verify_access_token(token.token, KEYS[1])


def test_principal_header_round_trips() -> None:
    principal = parent()
    assert decode_principal_header(encode_principal_header(principal, "s"), "s") == principal


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h[:-2] + ("AA" if not h.endswith("AA") else "BB"),
        lambda h: "e30" + h[3:],
        lambda h: "",
    ],
)
def test_a_tampered_or_missing_principal_header_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    header = encode_principal_header(parent(), "secret")
    with pytest.raises(Unauthenticated):
        decode_principal_header(tamper(header), "secret")


def test_a_principal_header_signed_with_another_secret_or_too_old_is_refused() -> None:
    header = encode_principal_header(parent(), "secret")
    with pytest.raises(Unauthenticated):
        decode_principal_header(header, "other")
    old = encode_principal_header(parent(), "secret", now=time.time() - 3600)
    with pytest.raises(Unauthenticated, match="устарела"):
        decode_principal_header(old, "secret")
