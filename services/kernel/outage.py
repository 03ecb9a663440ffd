"""Telling an outage from a fault: a database that is away is UNAVAILABLE, not INTERNAL."""

from __future__ import annotations

import socket

import asyncpg
from sqlalchemy import exc as sa_exc

# What PostgreSQL answers while it restarts, fails over or is full: connection failures
# (class 08), shutting down or starting up (57P01-57P03), too many connections (53300).
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03", "53300")
# 55000 is used for much else; only "database … is not currently accepting connections" is one.
_NOT_ACCEPTING = "not currently accepting connections"
# Refused, reset, timed out, unresolvable: not every OSError (a full disk is a fault).
_NETWORK = ConnectionError | TimeoutError | socket.gaierror


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, _NETWORK | sa_exc.TimeoutError | asyncpg.ConnectionDoesNotExistError):
        return True  # refused, reset, timed out, the pool's wait, a connection lost mid-query
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return state.startswith(_OUTAGE_STATES) or (
            state == "55000" and _NOT_ACCEPTING in str(error)
        )
    return False


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error``, or what it wraps or was caused by, says the database is away."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_outage(error):
            return True
        orig = getattr(error, "orig", None)  # SQLAlchemy's wrapper around the driver's error
        error = orig if isinstance(orig, BaseException) else (error.__cause__ or error.__context__)
    return False
