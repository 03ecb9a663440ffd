"""Error shapes sent to clients, and masking of what subgraphs report."""

from __future__ import annotations

from typing import Any

from services.kernel.errors import SgoError

INTERNAL_MESSAGE = "Внутренняя ошибка. Повторите попытку позже."
# Codes whose messages are written for people (services.kernel.errors); anything else is masked.
PUBLIC_CODES = frozenset(cls.code for cls in SgoError.__subclasses__()) | {
    "BAD_USER_INPUT",
    "BAD_REQUEST",
}
# Extension keys that can carry internals (stack traces, SQL, hosts) and never reach a client.
HIDDEN_EXTENSIONS = frozenset({"exception", "stacktrace", "trace", "serviceName", "query"})


def error(message: str, code: str, path: list[str | int] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"message": message}
    if path is not None:
        result["path"] = path
    result["extensions"] = {"code": code}
    return result


def unavailable(subgraph: str, path: list[str | int] | None) -> dict[str, Any]:
    return error(f"Сервис «{subgraph}» сейчас недоступен.", "SUBGRAPH_UNAVAILABLE", path)


def mask_subgraph_error(raw: Any, path: list[str | int] | None) -> dict[str, Any]:
    """Keep what a person can act on; replace everything else with a generic message."""
    raw = raw if isinstance(raw, dict) else {}
    extensions = raw.get("extensions") if isinstance(raw.get("extensions"), dict) else {}
    code = extensions.get("code")
    if code not in PUBLIC_CODES:
        return error(INTERNAL_MESSAGE, "INTERNAL", path)
    result: dict[str, Any] = {"message": str(raw.get("message", ""))}
    if path is not None:
        result["path"] = path
    result["extensions"] = {k: v for k, v in extensions.items() if k not in HIDDEN_EXTENSIONS}
    return result


def without_suggestions(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop graphql-core's "Did you mean …?": it would let a client map the hidden schema."""
    for item in errors:
        message = item.get("message")
        if isinstance(message, str) and " Did you mean " in message:
            item["message"] = message.split(" Did you mean ", 1)[0]
    return errors
