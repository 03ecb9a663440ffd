"""Traces, metrics and request logs of the gateway; each costs microseconds per request.

* ``traceparent`` (W3C Trace Context): the client's valid one is continued, otherwise a trace
  starts here; every subgraph fetch carries the trace id with a span id of its own.
* Prometheus metrics at ``/metrics`` (``sgo_gateway_*``).
* One JSON line per request on the ``sgo.gateway.requests`` logger: trace id, operation,
  duration, HTTP status, error codes. Never variables, documents or tokens.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

import orjson
from prometheus_client import Counter, Histogram

request_log = logging.getLogger("sgo.gateway.requests")

REQUESTS = Counter(
    "sgo_gateway_requests_total",
    "GraphQL operations served, by operation type and outcome",
    ["operation_type", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "sgo_gateway_request_seconds",
    "GraphQL request latency at the gateway",
    ["operation_type"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
FETCH_SECONDS = Histogram(
    "sgo_gateway_subgraph_fetch_seconds",
    "Latency of one subgraph fetch",
    ["subgraph"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
ERRORS = Counter("sgo_gateway_errors_total", "Errors returned to clients, by code", ["code"])
PLAN_CACHE = Counter("sgo_gateway_plan_cache_total", "Plan cache lookups", ["result"])
PLAN_HIT = PLAN_CACHE.labels("hit")
PLAN_MISS = PLAN_CACHE.labels("miss")

_HEX = frozenset("0123456789abcdef")


def _hex(text: str, length: int) -> bool:
    return len(text) == length and set(text) <= _HEX and text != "0" * length


def traceparent(incoming: str | None) -> str:
    """The client's W3C traceparent if well-formed (version 00), else a fresh sampled one."""
    if incoming:
        value = incoming.strip().lower()
        parts = value.split("-")
        if (
            len(parts) == 4
            and parts[0] == "00"
            and _hex(parts[1], 32)
            and _hex(parts[2], 16)
            and len(parts[3]) == 2
            and set(parts[3]) <= _HEX
        ):
            return value
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_id(parent: str) -> str:
    return parent[3:35]


def child_span(parent: str) -> str:
    """Same trace and flags, a new span id: the subgraph's part of this request."""
    return f"{parent[:36]}{secrets.token_hex(8)}{parent[52:]}"


def error_codes(body: Any) -> list[str]:
    bodies = body if isinstance(body, list) else [body]
    codes: list[str] = []
    for item in bodies:
        for err in (item.get("errors") or ()) if isinstance(item, dict) else ():
            code = (err.get("extensions") or {}).get("code") if isinstance(err, dict) else None
            codes.append(str(code or "UNKNOWN"))
    return codes


def record(
    *,
    parent: str,
    operation_type: str,
    operation_name: str | None,
    outcome: str,
    status: int,
    seconds: float,
    codes: Iterable[str],
) -> None:
    """Metrics and the request log line of one HTTP request."""
    REQUESTS.labels(operation_type, outcome).inc()
    REQUEST_SECONDS.labels(operation_type).observe(seconds)
    codes = list(codes)
    for code in codes:
        ERRORS.labels(code).inc()
    if request_log.isEnabledFor(logging.INFO):
        line = {
            "trace_id": trace_id(parent),
            "operation_type": operation_type,
            "operation_name": operation_name,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 3),
            "error_codes": codes,
        }
        request_log.info(orjson.dumps(line).decode())
