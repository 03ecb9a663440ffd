"""Who is calling: the bearer token verified, checked against revocations, or ANONYMOUS."""

from __future__ import annotations

import secrets

import jwt

from gateway.revocation import RevocationList
from services.kernel.errors import Unauthenticated
from services.kernel.principal import ANONYMOUS, Principal
from services.kernel.tokens import verify_access_token

REVOKED_MESSAGE = "Сеанс завершён. Войдите снова."


def authenticate(
    authorization: str | None, public_key: str | None, revocations: RevocationList
) -> Principal:
    """Raise ``Unauthenticated`` for a bad, expired or revoked token; no header is anonymous."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Недействительный заголовок Authorization.")
    if not public_key:
        raise Unauthenticated("Вход в систему сейчас недоступен.")
    token = token.strip()
    principal = verify_access_token(token, public_key)
    # The signature is already verified; this only reads iat for account-wide revocations.
    issued_at = float(jwt.decode(token, options={"verify_signature": False}).get("iat", 0))
    session_id = str(principal.session_id) if principal.session_id else None
    account_id = str(principal.account_id) if principal.account_id else None
    if revocations.is_revoked(session_id, account_id, issued_at):
        raise Unauthenticated(REVOKED_MESSAGE)
    return principal


def traceparent(incoming: str | None) -> str:
    """The client's W3C traceparent if well-formed, else a fresh sampled one."""
    if incoming:
        parts = incoming.strip().split("-")
        if (
            len(parts) == 4
            and len(parts[0]) == 2
            and len(parts[1]) == 32
            and len(parts[2]) == 16
            and len(parts[3]) == 2
            and all(_is_hex(p) for p in parts)
            and parts[1] != "0" * 32
            and parts[2] != "0" * 16
        ):
            return incoming.strip().lower()
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True
